// BrokerStore contract (in the style of aedes-persistence's abstract.js): one suite, parametrised by
// a factory, that every backend must pass. It pins down what src/broker relies on, through the
// BrokerStore interface only. Add a backend by adding a factory to BACKENDS.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBrokerStore } from '../../src/broker/memory-store.js';
import { PgBrokerStore } from '../../src/broker/pg-store.js';
import { requireServices } from '../helpers/services.js';
import { freshDatabase, type FreshDatabase } from '../helpers/databases.js';
import type {
  BrokerMessage,
  BrokerStore,
  InflightRecord,
  QueueEntryRecord,
  QueuedRecord,
  SessionRecord,
  SubscriptionRecord,
} from '../../src/broker/index.js';

interface Harness {
  store: BrokerStore;
  close(): Promise<void>;
}
type Factory = () => Promise<Harness>;

const BACKENDS: Record<string, Factory> = {
  memory: async () => {
    const store = new MemoryBrokerStore();
    return { store, close: () => store.close() };
  },
};

// PostgreSQL (the cluster's shared broker store): one fresh database for the suite, emptied per test.
if (!(await requireServices('postgres'))) {
  let db: Promise<FreshDatabase> | null = null;
  after(async () => void (await (await db)?.drop()));
  BACKENDS.postgres = async () => {
    db ??= freshDatabase('herald_broker');
    const store = await PgBrokerStore.open((await db).url, { queues: true, onError: () => undefined });
    await store.clear();
    return { store, close: () => store.close() };
  };
}

const T0 = 1_700_000_000_000;

const msg = (topic: string, body = topic, extra: Partial<BrokerMessage> = {}): BrokerMessage => ({
  topic,
  payload: Buffer.from(body),
  qos: 1,
  retain: false,
  properties: {},
  expiresAt: null,
  origin: null,
  createdAt: T0,
  ...extra,
});

const session = (clientId: string, extra: Partial<SessionRecord> = {}): SessionRecord => ({
  clientId,
  userId: 1,
  server: false,
  expiryInterval: 3600,
  disconnectedAt: null,
  willAt: null,
  overlap: 'merge',
  state: {},
  ...extra,
});

const sub = (key: string, extra: Partial<SubscriptionRecord> = {}): SubscriptionRecord => ({
  key,
  filter: key,
  qos: 1,
  noLocal: false,
  retainAsPublished: false,
  retainHandling: 0,
  subscriptionId: 0,
  grants: [],
  ...extra,
});

const inflight = (packetId: number, seq: number, extra: Partial<InflightRecord> = {}): InflightRecord => ({
  packetId,
  phase: 'publish',
  seq,
  message: msg(`t/${seq}`),
  qos: 1,
  retain: false,
  subscriptionIds: [],
  key: 't/#',
  ...extra,
});

const queued = (seq: number): QueuedRecord => ({ seq, message: msg(`q/${seq}`), qos: 1, retain: false, subscriptionIds: [3], key: 'q/#' });

const entry = (id: number, extra: Partial<QueueEntryRecord> = {}): QueueEntryRecord => ({ id, message: msg('jobs', `job ${id}`), redelivered: false, deliveries: 0, ...extra });

for (const [name, factory] of Object.entries(BACKENDS)) {
  describe(`BrokerStore contract: ${name}`, () => {
    const run = (title: string, fn: (store: BrokerStore) => Promise<void>) =>
      test(title, async () => {
        const h = await factory();
        try {
          await fn(h.store);
        } finally {
          await h.close();
        }
      });

    run('an empty store has nothing', async (store) => {
      assert.deepEqual(await store.listSessions(), []);
      assert.equal(await store.loadSession('nobody'), undefined);
      assert.deepEqual(await store.matchRetained('#'), []);
      assert.deepEqual(await store.listQueues(), []);
      assert.equal(await store.maxSequence(), 0);
      await store.apply([]);
    });

    run('sessions: put, replace, load, list', async (store) => {
      const a = session('a', { state: { feed: '42', 'x/y': 'z' }, userId: null, server: true, overlap: 'each', disconnectedAt: T0, willAt: T0 + 5 });
      await store.apply([{ op: 'session.put', session: a }, { op: 'session.put', session: session('b') }]);
      assert.deepEqual((await store.loadSession('a'))?.session, a);
      const replaced = { ...a, expiryInterval: 0xffff_ffff, state: {} };
      await store.apply([{ op: 'session.put', session: replaced }]);
      const l = await store.loadSession('a');
      assert.deepEqual(l, { session: replaced, subscriptions: [], inflight: [], queued: [], incomingQos2: [], will: null });
      assert.deepEqual((await store.listSessions()).map((x) => x.session.clientId).sort(), ['a', 'b']);
    });

    run('session.delete removes everything stored under the client id, and only that', async (store) => {
      for (const id of ['a', 'b']) {
        await store.apply([
          { op: 'session.put', session: session(id) },
          { op: 'sub.put', clientId: id, sub: sub('t/#') },
          { op: 'inflight.put', clientId: id, record: inflight(1, 10) },
          { op: 'queued.put', clientId: id, record: queued(11) },
          { op: 'incoming.put', clientId: id, packetId: 5 },
          { op: 'will.put', clientId: id, will: { will: { topic: 'w', payload: Buffer.from('x'), qos: 0 } } },
        ]);
      }
      await store.apply([{ op: 'session.delete', clientId: 'a' }]);
      assert.equal(await store.loadSession('a'), undefined);
      const b = await store.loadSession('b');
      assert.equal(b?.subscriptions.length, 1);
      assert.equal(b?.inflight.length, 1);
      assert.equal(b?.queued.length, 1);
      assert.deepEqual(b?.incomingQos2, [5]);
      assert.ok(b?.will);
      // A new session under the old id starts empty.
      await store.apply([{ op: 'session.put', session: session('a') }]);
      assert.deepEqual(await store.loadSession('a'), { session: session('a'), subscriptions: [], inflight: [], queued: [], incomingQos2: [], will: null });
    });

    run('subscriptions: put replaces by key; delete by key; grants and options round-trip', async (store) => {
      const s1 = sub('k1', { filter: '$share/g/a/+', qos: 2, noLocal: true, retainAsPublished: true, retainHandling: 2, subscriptionId: 268_435_455, grants: [{ namespace: 'dino.groups', access: 'group', subject: '7' }] });
      await store.apply([
        { op: 'session.put', session: session('a') },
        { op: 'sub.put', clientId: 'a', sub: s1 },
        { op: 'sub.put', clientId: 'a', sub: sub('k2') },
        { op: 'sub.put', clientId: 'a', sub: sub('k2', { qos: 0 }) },
      ]);
      let subs = (await store.loadSession('a'))!.subscriptions.sort((x, y) => x.key.localeCompare(y.key));
      assert.deepEqual(subs, [s1, sub('k2', { qos: 0 })]);
      await store.apply([{ op: 'sub.delete', clientId: 'a', key: 'k1' }, { op: 'sub.delete', clientId: 'a', key: 'nope' }]);
      subs = (await store.loadSession('a'))!.subscriptions;
      assert.deepEqual(subs.map((s) => s.key), ['k2']);
    });

    run('retained: put, replace, delete; message content round-trips exactly', async (store) => {
      const full = msg('a/b', '', {
        payload: Buffer.from([0, 1, 2, 0, 255]),
        qos: 2,
        retain: true,
        properties: { payloadFormatIndicator: 0, contentType: 'application/octet-stream', responseTopic: 'r/1', correlationData: Buffer.from([9, 0, 9]), userProperties: [['k', '1'], ['k', '2'], ['a', '']] },
        expiresAt: T0 + 1000,
        origin: 'client-1',
        createdAt: T0 + 1,
      });
      await store.apply([{ op: 'retained.put', message: msg('a/b', 'old') }, { op: 'retained.put', message: full }]);
      assert.deepEqual(await store.matchRetained('a/b'), [full]);
      await store.apply([{ op: 'retained.delete', topic: 'a/b' }, { op: 'retained.delete', topic: 'never/set' }]);
      assert.deepEqual(await store.matchRetained('a/b'), []);
    });

    run('retained.delete with createdAt removes only that message, not a newer one', async (store) => {
      await store.apply([{ op: 'retained.put', message: msg('t', 'new', { createdAt: T0 + 5 }) }]);
      await store.apply([{ op: 'retained.delete', topic: 't', createdAt: T0 }]);
      assert.equal((await store.matchRetained('t'))[0]?.payload.toString(), 'new');
      await store.apply([{ op: 'retained.delete', topic: 't', createdAt: T0 + 5 }]);
      assert.deepEqual(await store.matchRetained('t'), []);
    });

    run('matchRetained follows MQTT matching (§4.7), including the $ rule (§4.7.2)', async (store) => {
      const topics = ['a', 'a/b', 'a/b/c', 'a//c', '/a', 'b/b', '$SYS/x', '$SYS', 'a/$x'];
      await store.apply(topics.map((t) => ({ op: 'retained.put' as const, message: msg(t) })));
      const got = async (f: string) => (await store.matchRetained(f)).map((m) => m.topic).sort();
      assert.deepEqual(await got('#'), ['/a', 'a', 'a//c', 'a/$x', 'a/b', 'a/b/c', 'b/b'].sort());
      assert.deepEqual(await got('a/#'), ['a', 'a//c', 'a/$x', 'a/b', 'a/b/c'].sort());
      assert.deepEqual(await got('a/+'), ['a/$x', 'a/b'].sort());
      assert.deepEqual(await got('+/b'), ['a/b', 'b/b']);
      assert.deepEqual(await got('+/+/c'), ['a//c', 'a/b/c']);
      assert.deepEqual(await got('+'), ['a']);
      assert.deepEqual(await got('/+'), ['/a']);
      assert.deepEqual(await got('$SYS/#'), ['$SYS', '$SYS/x']);
      assert.deepEqual(await got('+/x'), []);
      assert.deepEqual(await got('a/b'), ['a/b']);
      assert.deepEqual(await got('A/b'), []);
    });

    run('in-flight: put by packet id (replace keeps order), delete, listed in seq order', async (store) => {
      await store.apply([
        { op: 'session.put', session: session('a') },
        { op: 'inflight.put', clientId: 'a', record: inflight(65_535, 20) },
        { op: 'inflight.put', clientId: 'a', record: inflight(1, 21) },
        { op: 'inflight.put', clientId: 'a', record: inflight(2, 22, { qos: 2 }) },
      ]);
      await store.apply([
        { op: 'inflight.put', clientId: 'a', record: inflight(65_535, 20, { phase: 'pubrel', qos: 2 }) },
        { op: 'inflight.delete', clientId: 'a', packetId: 1 },
        { op: 'inflight.delete', clientId: 'a', packetId: 999 },
      ]);
      const l = (await store.loadSession('a'))!.inflight;
      assert.deepEqual(l.map((r) => [r.packetId, r.phase, r.seq]), [[65_535, 'pubrel', 20], [2, 'publish', 22]]);
      assert.equal(l[1].qos, 2);
      assert.equal(l[1].message.payload.toString(), 't/22');
    });

    run('queued: put and delete by seq, listed in seq order', async (store) => {
      await store.apply([{ op: 'session.put', session: session('a') }, ...[5, 3, 9, 7].map((s) => ({ op: 'queued.put' as const, clientId: 'a', record: queued(s) }))]);
      await store.apply([{ op: 'queued.delete', clientId: 'a', seq: 9 }]);
      const q = (await store.loadSession('a'))!.queued;
      assert.deepEqual(q.map((r) => r.seq), [3, 5, 7]);
      assert.deepEqual(q[0].subscriptionIds, [3]);
    });

    run('incoming QoS 2 packet ids: put is idempotent, delete removes', async (store) => {
      await store.apply([
        { op: 'session.put', session: session('a') },
        { op: 'incoming.put', clientId: 'a', packetId: 7 },
        { op: 'incoming.put', clientId: 'a', packetId: 7 },
        { op: 'incoming.put', clientId: 'a', packetId: 8 },
        { op: 'incoming.delete', clientId: 'a', packetId: 8 },
      ]);
      assert.deepEqual((await store.loadSession('a'))!.incomingQos2, [7]);
    });

    run('wills: put replaces, delete removes', async (store) => {
      const w = { will: { topic: 'status/a', payload: Buffer.from('gone'), qos: 1 as const, retain: true, delayInterval: 30, messageExpiryInterval: 60, properties: { contentType: 'text/plain' } } };
      await store.apply([{ op: 'session.put', session: session('a') }, { op: 'will.put', clientId: 'a', will: { will: { topic: 'x', payload: Buffer.from(''), qos: 0 } } }, { op: 'will.put', clientId: 'a', will: w }]);
      assert.deepEqual((await store.loadSession('a'))!.will, w);
      await store.apply([{ op: 'will.delete', clientId: 'a' }]);
      assert.equal((await store.loadSession('a'))!.will, null);
    });

    run('queues: entries in id order, put updates in place, an emptied queue is not listed', async (store) => {
      await store.apply([...[1, 2, 3].map((id) => ({ op: 'queue.put' as const, queue: 'jobs', entry: entry(id) })), { op: 'queue.put', queue: 'other', entry: entry(4) }]);
      await store.apply([{ op: 'queue.put', queue: 'jobs', entry: entry(1, { redelivered: true, deliveries: 2 }) }, { op: 'queue.delete', queue: 'jobs', id: 2 }, { op: 'queue.delete', queue: 'other', id: 4 }]);
      assert.deepEqual(await store.listQueues(), [{ name: 'jobs', entries: [entry(1, { redelivered: true, deliveries: 2 }), entry(3)] }]);
    });

    run('maxSequence is at least every stored seq and id', async (store) => {
      await store.apply([
        { op: 'session.put', session: session('a') },
        { op: 'inflight.put', clientId: 'a', record: inflight(1, 40) },
        { op: 'queued.put', clientId: 'a', record: queued(41) },
        { op: 'queue.put', queue: 'jobs', entry: entry(45) },
      ]);
      assert.ok((await store.maxSequence()) >= 45);
    });

    run('batches passed without awaiting are applied in call order', async (store) => {
      const p1 = store.apply([{ op: 'session.put', session: session('a') }, { op: 'sub.put', clientId: 'a', sub: sub('x') }]);
      const p2 = store.apply([{ op: 'sub.delete', clientId: 'a', key: 'x' }]);
      const p3 = store.apply([{ op: 'sub.put', clientId: 'a', sub: sub('y') }, { op: 'retained.put', message: msg('r', '1') }]);
      const p4 = store.apply([{ op: 'retained.put', message: msg('r', '2') }]);
      await Promise.all([p1, p2, p3, p4]);
      assert.deepEqual((await store.loadSession('a'))!.subscriptions.map((s) => s.key), ['y']);
      assert.equal((await store.matchRetained('r'))[0].payload.toString(), '2');
    });

    run('large binary payloads round-trip', async (store) => {
      const big = Buffer.alloc(1024 * 1024, 7);
      big[500] = 0;
      await store.apply([{ op: 'retained.put', message: msg('big', '', { payload: big }) }]);
      assert.ok((await store.matchRetained('big'))[0].payload.equals(big));
    });
  });
}
