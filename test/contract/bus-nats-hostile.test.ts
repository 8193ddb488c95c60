// The NATS bus against garbage on its subjects (a misbehaving or foreign publisher sharing the prefix):
// fixed-seed random bytes, wrong JSON shapes and oversized values on every subject the bus listens on are
// reported and dropped; the node keeps working (a valid event, control order and relay message still
// arrive afterwards) and nothing throws into the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { NatsBus } from '../../src/bus/nats.js';
import { destroyPresenceBuckets } from '../../src/bus/nats-presence.js';
import type { Delivered } from '../../src/events/types.js';
import { customEvent } from '../helpers/fakes.js';
import { Rng, seedOf } from '../helpers/rng.js';
import { NATS_URL, requireServices } from '../helpers/services.js';

const SEED = seedOf(20_261_202);
const skip = await requireServices('nats');

test('NATS bus: garbage on its subjects is reported and dropped; the node keeps working', { skip }, async () => {
  const rng = new Rng(SEED);
  const prefix = `herald_hostile_${randomBytes(4).toString('hex')}`;
  const errors: string[] = [];
  const bus = await NatsBus.connect({ url: NATS_URL, prefix, node: 'victim', leaseMs: 5000, onError: (_e, where) => errors.push(where) });
  const raw = await connect({ servers: NATS_URL });
  try {
    const events: Delivered[] = [];
    const orders: string[] = [];
    const relayed: string[] = [];
    bus.events.subscribe((e) => events.push(e));
    bus.control.subscribe((m) => orders.push(m.kind === 'close_user' ? `close_user ${m.user_id}` : m.kind));
    bus.relay.subscribe((m) => relayed.push(m.topic));
    bus.presence.onExpired(() => undefined);
    bus.queues.serve('jobs', () => true);
    const subjects = ['events', 'ephemeral', 'control', 'relay', 'presence.gone', `queue.${Buffer.from('jobs').toString('base64url')}`].map((s) => `${prefix}.${s}`);
    const shapes = [
      () => Buffer.from(Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 255))),
      () => Buffer.from(rng.pick(['null', '[]', '{}', '[null]', '[{"id":"x"}]', '{"kind":"nope"}', '{"topic":1}', '[1,2,3]', '"text"', '{"__proto__":{"x":1}}', '['.repeat(10_000)])),
      () => Buffer.from(JSON.stringify({ kind: 'close_user', user_id: 'all' })),
      () => Buffer.from(JSON.stringify([{ type: 'custom.x', id: 1.5, audience: {}, explicit: [], data: {} }])),
    ];
    for (let i = 0; i < 300; i++) raw.publish(rng.pick(subjects), rng.pick(shapes)());
    await raw.flush();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(errors.length > 0, 'the garbage was reported');
    assert.deepEqual(events.map((e) => e.id), [], 'nothing malformed reached the event subscribers');
    assert.deepEqual(orders, [], 'nor the control subscribers');

    // Still working: well-formed messages from another node arrive.
    raw.publish(`${prefix}.events`, Buffer.from(JSON.stringify([customEvent(1, 1, 'ok')])));
    raw.publish(`${prefix}.control`, Buffer.from(JSON.stringify({ kind: 'close_user', user_id: 7, reason: 'test' })));
    raw.publish(`${prefix}.relay`, Buffer.from(JSON.stringify({ topic: 'public/ok', payload: '', qos: 0, retain: false, properties: {}, expiresAt: null, origin: null, createdAt: 1 })));
    await raw.flush();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(events.map((e) => e.id), [1]);
    assert.deepEqual(orders, ['close_user 7']);
    assert.ok(relayed.includes('public/ok'));
    console.log(`# bus hostile: seed=${SEED} messages=300 reported=${errors.length}`);
  } finally {
    await bus.close();
    await destroyPresenceBuckets(raw, prefix);
    await raw.close();
  }
});
