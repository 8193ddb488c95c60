// STOMP queues (`/queue/...`, STOMP 1.2 "SUBSCRIBE ack Header", ACK, NACK): one consumer per
// message, round-robin; ack modes auto / client (cumulative) / client-individual; NACK, unsubscribe
// and disconnect redeliver (flagged) to another consumer; bounds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueueAckMode } from '../../../src/broker/index.js';
import { connect, harness, text, type Client, type Harness } from './helpers.js';

async function consumer(h: Harness, id: string, ackMode: QueueAckMode, queue = 'jobs', prefetch?: number): Promise<Client> {
  const c = await connect(h.broker, id, { overlap: 'each' });
  const r = await h.broker.subscribeQueue(c.conn, { queue, key: `sub-${id}`, ackMode, prefetch });
  assert.ok(r.ok);
  return c;
}

const send = (h: Harness, body: string, queue = 'jobs') => h.broker.send(null, queue, { payload: text(body), qos: 1 });
const bodies = (c: Client) => c.sink.take().map((d) => d.message.payload.toString());

describe('queues', () => {
  test('each message goes to exactly one consumer, round-robin', async () => {
    const h = harness();
    const cs = [await consumer(h, 'a', 'auto'), await consumer(h, 'b', 'auto'), await consumer(h, 'c', 'auto')];
    for (let i = 0; i < 6; i++) await send(h, String(i));
    const got = cs.map(bodies);
    assert.deepEqual(got, [['0', '3'], ['1', '4'], ['2', '5']]);
  });

  test('a queue delivery carries kind queue, the subscription key and an ack tag (0 in auto mode)', async () => {
    const h = harness();
    const auto = await consumer(h, 'a', 'auto', 'q1');
    const manual = await consumer(h, 'm', 'client-individual', 'q2');
    await send(h, 'x', 'q1');
    await send(h, 'y', 'q2');
    const [da] = auto.sink.take();
    const [dm] = manual.sink.take();
    assert.equal(da.kind, 'queue');
    assert.equal(da.key, 'sub-a');
    assert.equal(da.packetId, 0);
    assert.equal(da.message.topic, 'q1');
    assert.equal(dm.key, 'sub-m');
    assert.ok(dm.packetId > 0);
    assert.equal(dm.dup, false);
  });

  test('messages wait in the queue until a consumer comes', async () => {
    const h = harness();
    await send(h, '1');
    await send(h, '2');
    assert.equal(h.broker.queueDepth('jobs'), 2);
    const c = await consumer(h, 'a', 'auto');
    assert.deepEqual(bodies(c), ['1', '2']);
    assert.equal(h.broker.queueDepth('jobs'), 0);
  });

  test('client-individual: NACK sends the message to another consumer, flagged redelivered', async () => {
    const h = harness();
    const a = await consumer(h, 'a', 'client-individual');
    const b = await consumer(h, 'b', 'client-individual');
    await send(h, 'm1');
    const [d] = a.sink.take();
    assert.equal(b.sink.take().length, 0);
    assert.ok(h.broker.nack(a.conn, d.packetId));
    const [again] = b.sink.take();
    assert.equal(again.message.payload.toString(), 'm1');
    assert.equal(again.dup, true, 'redelivered');
    assert.equal(a.sink.take().length, 0);
    assert.ok(h.broker.ack(b.conn, again.packetId));
    assert.equal(h.broker.ack(b.conn, again.packetId), false, 'already acknowledged');
  });

  test('client-individual: ACK settles only that message', async () => {
    const h = harness();
    const a = await consumer(h, 'a', 'client-individual');
    for (const m of ['1', '2', '3']) await send(h, m);
    const ds = a.sink.take();
    h.broker.ack(a.conn, ds[1].packetId);
    await h.broker.unsubscribe(a.conn, ['sub-a']);
    const b = await consumer(h, 'b', 'auto');
    assert.deepEqual(b.sink.take().map((d) => [d.message.payload.toString(), d.dup]), [['1', true], ['3', true]]);
  });

  test('client (cumulative): ACK of the 2nd settles the 1st and 2nd, not the 3rd', async () => {
    const h = harness();
    const a = await consumer(h, 'a', 'client');
    for (const m of ['1', '2', '3']) await send(h, m);
    const ds = a.sink.take();
    assert.ok(h.broker.ack(a.conn, ds[1].packetId));
    assert.equal(h.broker.ack(a.conn, ds[0].packetId), false, 'the 1st was settled cumulatively');
    await h.broker.disconnect(a.conn, { publishWill: false });
    const b = await consumer(h, 'b', 'auto');
    assert.deepEqual(bodies(b), ['3']);
  });

  test('client (cumulative): NACK of the 2nd returns the 1st and 2nd, in order', async () => {
    const h = harness();
    const a = await consumer(h, 'a', 'client');
    for (const m of ['1', '2', '3']) await send(h, m);
    const ds = a.sink.take();
    const b = await consumer(h, 'b', 'client');
    assert.ok(h.broker.nack(a.conn, ds[1].packetId));
    assert.deepEqual(b.sink.take().map((d) => [d.message.payload.toString(), d.dup]), [['1', true], ['2', true]]);
  });

  test('disconnect without ack: unacknowledged messages go to the remaining consumer, in order, flagged', async () => {
    const h = harness();
    const a = await consumer(h, 'a', 'client-individual');
    for (const m of ['1', '2', '3', '4']) await send(h, m);
    assert.equal(a.sink.take().length, 4);
    const b = await consumer(h, 'b', 'client-individual');
    await h.broker.disconnect(a.conn, { publishWill: true });
    const ds = b.sink.take();
    assert.deepEqual(ds.map((d) => d.message.payload.toString()), ['1', '2', '3', '4']);
    assert.ok(ds.every((d) => d.dup));
  });

  test('a lone consumer that NACKs gets the message again', async () => {
    const h = harness();
    const a = await consumer(h, 'a', 'client-individual');
    await send(h, 'x');
    const [d] = a.sink.take();
    h.broker.nack(a.conn, d.packetId);
    const [again] = a.sink.take();
    assert.equal(again.message.payload.toString(), 'x');
    assert.equal(again.dup, true);
  });

  test('prefetch bounds unacknowledged deliveries per consumer; an ACK lets the next one through', async () => {
    const h = harness();
    const a = await consumer(h, 'a', 'client-individual', 'jobs', 2);
    for (const m of ['1', '2', '3']) await send(h, m);
    const ds = a.sink.take();
    assert.deepEqual(ds.map((d) => d.message.payload.toString()), ['1', '2']);
    assert.equal(h.broker.queueDepth('jobs'), 1);
    h.broker.ack(a.conn, ds[0].packetId);
    assert.deepEqual(bodies(a), ['3']);
  });

  test('a full queue refuses the send (quota_exceeded) and keeps what it holds', async () => {
    const h = harness({ limits: { maxQueueLength: 2 } });
    assert.ok((await send(h, '1')).ok);
    assert.ok((await send(h, '2')).ok);
    const r = await send(h, '3');
    assert.equal(!r.ok && r.reason, 'quota_exceeded');
    const c = await consumer(h, 'a', 'auto');
    assert.deepEqual(bodies(c), ['1', '2']);
  });

  test('expired queue messages are not delivered', async () => {
    const h = harness();
    await h.broker.send(null, 'jobs', { payload: text('old'), qos: 1, messageExpiryInterval: 1 });
    await send(h, 'fresh');
    h.clock.advance(1000);
    const c = await consumer(h, 'a', 'auto');
    assert.deepEqual(bodies(c), ['fresh']);
    assert.equal(h.broker.stats().dropped.expired, 1);
  });

  test('an entry NACKed maxQueueDeliveries times is dropped (no poison loop)', async () => {
    const h = harness({ limits: { maxQueueDeliveries: 3 } });
    const a = await consumer(h, 'a', 'client-individual');
    await send(h, 'poison');
    for (let i = 0; i < 3; i++) {
      const [d] = a.sink.take();
      assert.ok(d, `delivery ${i + 1}`);
      h.broker.nack(a.conn, d.packetId);
    }
    assert.equal(a.sink.take().length, 0);
    assert.equal(h.broker.stats().dropped.redelivery_limit, 1);
  });

  test('queued and unacknowledged entries survive a crash: a new broker on the store delivers them', async () => {
    const h = harness();
    const a = await consumer(h, 'a', 'client-individual', 'jobs', 1);
    await send(h, 'unacked');
    await send(h, 'waiting'); // prefetch 1: stays in the queue
    assert.equal(a.sink.take().length, 1);
    // The broker "crashes" here: no disconnect, no unsubscribe.
    const { Broker, allowAllAcl } = await import('../../../src/broker/index.js');
    const again = new Broker({ store: h.store, acl: allowAllAcl, clock: h.clock.now });
    await again.restore();
    const c = await connect(again, 'c', { overlap: 'each' });
    await again.subscribeQueue(c.conn, { queue: 'jobs', key: 'k', ackMode: 'auto' });
    assert.deepEqual(c.sink.take().map((d) => [d.message.payload.toString(), d.dup]), [['unacked', true], ['waiting', false]]);
  });

  test('unsubscribe by key removes the consumer (true), unknown keys report false', async () => {
    const h = harness();
    const a = await consumer(h, 'a', 'auto');
    assert.deepEqual(await h.broker.unsubscribe(a.conn, ['sub-a', 'sub-a']), [true, false]);
    await send(h, 'x');
    assert.equal(a.sink.take().length, 0);
    assert.equal(h.broker.queueDepth('jobs'), 1);
  });

  test('a queue consumer that is connected but not started gets nothing until start', async () => {
    const h = harness();
    const { RecordingSink } = await import('./helpers.js');
    const sink = new RecordingSink();
    const r = await h.broker.connect({ clientId: 'x', principal: { userId: 1, server: false }, cleanStart: true, sessionExpiryInterval: 0, sink });
    assert.ok(r.ok);
    await h.broker.subscribeQueue(r.connection, { queue: 'jobs', key: 'k', ackMode: 'auto' });
    await send(h, 'x');
    assert.equal(sink.take().length, 0);
    h.broker.start(r.connection);
    assert.equal(sink.take().length, 1);
  });
});
