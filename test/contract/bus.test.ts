// The bus contract: one suite every Bus implementation passes (the in-process bus, and the NATS bus
// against the machine's NATS server: skipped with the reason when it is not reachable, failing under
// CI=true). A factory makes "nodes" that share one cluster; tests use two nodes to check what crosses
// nodes: the ordered event stream, ephemeral fan-out, control orders, the broker relay, presence counted
// cluster-wide, and presence leases that expire when a node dies without a word.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Bus, ControlMessage } from '../../src/bus/bus.js';
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { MemoryBackend, MemoryBus } from '../../src/bus/memory.js';
import { NatsBus } from '../../src/bus/nats.js';
import { destroyPresenceBuckets } from '../../src/bus/nats-presence.js';
import { NATS_URL, requireServices } from '../helpers/services.js';
import type { Delivered } from '../../src/events/types.js';
import { customEvent } from '../helpers/fakes.js';

interface Cluster {
  /** A node of this cluster; `leaseMs` is its presence lease (one per cluster on NATS: the leases bucket's TTL). */
  node(name: string, leaseMs?: number, onError?: (err: unknown, where: string) => void): Promise<Bus>;
  /** The node dies: no more heartbeats, nothing released. */
  crash(bus: Bus): Promise<void>;
  close(): Promise<void>;
}

interface BusFactory {
  name: string;
  /** The lease the expiry test uses (NATS: the KV bucket's TTL, which the server enforces in its own time). */
  lease: number;
  skip?: string;
  cluster(): Cluster;
}

function natsCluster(): Cluster {
  const prefix = `herald_test_${randomBytes(4).toString('hex')}`;
  const nodes: NatsBus[] = [];
  return {
    node: async (name, leaseMs = 30_000, onError = () => undefined) => {
      const b = await NatsBus.connect({ url: NATS_URL, prefix, node: name, leaseMs, onError });
      nodes.push(b);
      return b;
    },
    crash: (bus) => (bus as NatsBus).crash(),
    close: async () => {
      await Promise.all(nodes.map((n) => n.close()));
      const nc = await connect({ servers: NATS_URL });
      await destroyPresenceBuckets(nc, prefix);
      await nc.close();
    },
  };
}

const natsMissing = await requireServices('nats');

const FACTORIES: BusFactory[] = [
  {
    name: 'nats',
    lease: 900,
    ...(natsMissing ? { skip: natsMissing } : {}),
    cluster: natsCluster,
  },
  {
    name: 'memory',
    lease: 150,
    cluster: () => {
      const backend = new MemoryBackend();
      const nodes: MemoryBus[] = [];
      return {
        node: async (name, leaseMs = 30_000, onError = () => undefined) => {
          const b = new MemoryBus(backend, { node: name, leaseMs, onError });
          nodes.push(b);
          return b;
        },
        crash: async (bus) => (bus as MemoryBus).crash(),
        close: async () => void (await Promise.all(nodes.map((n) => n.close()))),
      };
    },
  },
];

/** Waits for `pred`, polling. */
async function eventually(pred: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const ids = (evs: readonly Delivered[]) => evs.map((e) => e.id);

for (const factory of FACTORIES) {
  describe(`bus contract: ${factory.name}`, { skip: factory.skip }, () => {
    const clusters: Cluster[] = [];
    const cluster = () => {
      const c = factory.cluster();
      clusters.push(c);
      return c;
    };
    after(async () => {
      for (const c of clusters) await c.close();
    });

    test('ordered events: every node receives every published event, in position order', async () => {
      const c = cluster();
      const [a, b] = [await c.node('a'), await c.node('b')];
      const seen: Record<string, Delivered[]> = { a: [], b: [] };
      a.events.subscribe((e) => seen.a.push(e));
      b.events.subscribe((e) => seen.b.push(e));
      a.publish([customEvent(1, 1, 'x'), customEvent(2, 1, 'y')]);
      // Order holds per publishing node; across nodes the committing order is restored by the gateway's
      // sequencer (positions are contiguous), so b publishes 3 once it has seen 2, as its commit would.
      await eventually(() => seen.b.length === 2);
      b.publish([customEvent(3, null, 'z')]);
      await eventually(() => seen.a.length === 3 && seen.b.length === 3);
      assert.deepEqual([ids(seen.a), ids(seen.b)], [[1, 2, 3], [1, 2, 3]]);
      assert.deepEqual(seen.b[0].audience, { space: 1 }, 'the audience descriptor travels with the event');
    });

    test('a throwing subscriber is reported; the other subscribers, on every node, still get the event', async () => {
      const c = cluster();
      const errors: string[] = [];
      const a = await c.node('a', 30_000, (_err, where) => errors.push(where));
      const b = await c.node('b');
      const got: number[] = [];
      a.events.subscribe(() => {
        throw new Error('bad subscriber');
      });
      a.events.subscribe((e) => got.push(e.id!));
      b.events.subscribe((e) => got.push(e.id!));
      assert.doesNotThrow(() => a.publish([customEvent(1, 1, 'x')]), 'publishing never fails because of a subscriber');
      await eventually(() => got.length === 2);
      assert.deepEqual(errors, ['events']);
    });

    test('commit hooks run on the publishing node only, after the events went out', async () => {
      const c = cluster();
      const [a, b] = [await c.node('a'), await c.node('b')];
      const order: string[] = [];
      a.events.subscribe((e) => order.push(`event ${e.id}`));
      a.onCommit((evs) => order.push(`hook a ${ids(evs).join(',')}`));
      b.onCommit(() => order.push('hook b'));
      a.publish([customEvent(1, 1, 'x')]);
      await eventually(() => order.length === 2);
      assert.deepEqual(order, ['event 1', 'hook a 1']);
    });

    test('ephemeral fan-out and control orders reach every node, the sender included', async () => {
      const c = cluster();
      const [a, b] = [await c.node('a'), await c.node('b')];
      const typing: string[] = [];
      const orders: string[] = [];
      for (const [name, bus] of [['a', a], ['b', b]] as const) {
        bus.ephemeral.subscribe((e) => typing.push(`${name}:${e.type}`));
        bus.control.subscribe((m: ControlMessage) => orders.push(`${name}:${m.kind}`));
      }
      a.ephemeral.publish({ ...customEvent(1, 1, 't'), id: null });
      b.control.send({ kind: 'close_user', user_id: 7, reason: 'deleted' });
      a.control.send({ kind: 'revoke_space', user_id: 7, space_id: 3 });
      await eventually(() => typing.length === 2 && orders.length === 4);
      assert.deepEqual(typing.sort(), ['a:custom.test', 'b:custom.test']);
      assert.deepEqual(orders.sort(), ['a:close_user', 'a:revoke_space', 'b:close_user', 'b:revoke_space']);
    });

    test('broker relay: a message reaches every other node, not the sender', async () => {
      const c = cluster();
      const [a, b, d] = [await c.node('a'), await c.node('b'), await c.node('d')];
      const got: string[] = [];
      for (const [name, bus] of [['a', a], ['b', b], ['d', d]] as const) bus.relay.subscribe((m) => got.push(`${name}:${m.topic}:${Buffer.from(m.payload, 'base64').toString()}`));
      a.relay.publish({ topic: 'public/x', payload: Buffer.from('hi').toString('base64'), qos: 1, retain: true, properties: { userProperties: [['k', 'v']] }, expiresAt: null, origin: 'c1', createdAt: 1 });
      await eventually(() => got.length === 2);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(got.sort(), ['b:public/x:hi', 'd:public/x:hi']);
    });

    test('queue router: an offered message goes to exactly one other node serving the queue', async () => {
      const c = cluster();
      const [a, b, d] = [await c.node('a'), await c.node('b'), await c.node('d')];
      const m = (n: number) => ({ topic: 'jobs', payload: Buffer.from(`job ${n}`).toString('base64'), qos: 1 as const, retain: false, properties: {}, expiresAt: null, origin: null, createdAt: n });
      const settle = () => new Promise((r) => setTimeout(r, 100)); // a subscription reaches the NATS server
      assert.equal(await a.queues.offer('jobs', m(0)), false, 'nobody serves the queue');
      const got: string[] = [];
      const stopB = b.queues.serve('jobs', (x) => (got.push(`b:${Buffer.from(x.payload, 'base64').toString()}`), true));
      d.queues.serve('jobs', (x) => (got.push(`d:${Buffer.from(x.payload, 'base64').toString()}`), true));
      await settle();
      for (let i = 1; i <= 6; i++) assert.equal(await a.queues.offer('jobs', m(i)), true);
      assert.deepEqual(got.map((x) => x.slice(2)).sort(), ['job 1', 'job 2', 'job 3', 'job 4', 'job 5', 'job 6'], 'each message taken once');
      stopB();
      await settle();
      got.length = 0;
      assert.equal(await a.queues.offer('jobs', m(7)), true);
      assert.deepEqual(got, ['d:job 7']);
      const refusing = b.queues.serve('other', () => false);
      await settle();
      assert.equal(await a.queues.offer('other', m(8)), false, 'a node that no longer has consumers refuses');
      refusing();
    });

    test('presence is counted across nodes: online at the first connection anywhere, offline after the last', async () => {
      const c = cluster();
      const [a, b] = [await c.node('a'), await c.node('b')];
      assert.equal(await a.presence.connect(7), true, 'first connection in the cluster');
      assert.equal(await b.presence.connect(7), false, 'already online through node a');
      assert.deepEqual([...(await b.presence.online([7, 8]))], [7]);
      assert.equal(await a.presence.disconnect(7), false, 'still connected on node b');
      assert.equal(await b.presence.disconnect(7), true, 'the last connection anywhere');
      assert.deepEqual([...(await a.presence.online([7]))], []);
      assert.equal(await a.presence.disconnect(7), false, 'a disconnect without a connect changes nothing');
    });

    test('a node that dies: its users go offline once its lease expires, reported once, to one live node', async () => {
      const c = cluster();
      const lease = factory.lease;
      const a = await c.node('a', lease);
      const b = await c.node('b', lease);
      const fence = await c.node('fence', lease);
      const reports: string[] = [];
      a.presence.onExpired((users) => reports.push(`a:${[...users].sort().join(',')}`));
      await b.presence.connect(1); // only on b
      await b.presence.connect(2);
      await a.presence.connect(2); // also on a: stays online
      await fence.presence.connect(3);
      const started = Date.now();
      await c.crash(b);
      await eventually(async () => !(await a.presence.online([1])).has(1), 5 * lease);
      const took = Date.now() - started;
      console.log(`# bus ${factory.name}: offline after ${took} ms (lease ${lease} ms)`);
      assert.ok(took >= lease * 0.5 && took < 3 * lease, `offline within the lease bound (took ${took} ms, lease ${lease} ms)`);
      assert.deepEqual([...(await a.presence.online([1, 2]))], [2], 'a user still connected on a live node stays online');
      // Fence: a later expiry (another node dies) is reported after any repeat of the first would have been.
      // (The report may come from the fence node itself, which saw b go first: let it arrive before it dies.)
      await eventually(() => reports.length >= 1, 5 * lease);
      await c.crash(fence);
      await eventually(() => reports.length >= 2, 5 * lease);
      assert.deepEqual(reports, ['a:1', 'a:3'], 'each expiry reported exactly once');
    });

    test('a node that leaves cleanly releases its lease at once', async () => {
      const c = cluster();
      const a = await c.node('a');
      const b = await c.node('b');
      const reports: number[][] = [];
      a.presence.onExpired((users) => reports.push([...users]));
      await b.presence.connect(5);
      await b.close();
      assert.deepEqual([...(await a.presence.online([5]))], [], 'offline as soon as close() resolved');
      await eventually(() => reports.length > 0);
      assert.deepEqual(reports, [[5]]);
    });
  });
}
