// The bus contract: one suite every Bus implementation passes (memory now; NATS later, by adding a
// factory). A factory makes "nodes" that share one cluster; tests use two nodes to check what crosses
// nodes: the ordered event stream, ephemeral fan-out, control orders, presence counted cluster-wide, and
// presence leases that expire when a node dies without a word.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Bus, ControlMessage } from '../../src/bus/bus.js';
import { MemoryBackend, MemoryBus } from '../../src/bus/memory.js';
import type { Delivered } from '../../src/events/types.js';
import { customEvent } from '../helpers/fakes.js';

interface Cluster {
  /** A node of this cluster; `leaseMs` is its presence lease. */
  node(name: string, leaseMs?: number, onError?: (err: unknown, where: string) => void): Bus;
  /** The node dies: no more heartbeats, nothing released. */
  crash(bus: Bus): void;
  close(): Promise<void>;
}

interface BusFactory {
  name: string;
  cluster(): Cluster;
}

const FACTORIES: BusFactory[] = [
  {
    name: 'memory',
    cluster: () => {
      const backend = new MemoryBackend();
      const nodes: MemoryBus[] = [];
      return {
        node: (name, leaseMs = 30_000, onError = () => undefined) => {
          const b = new MemoryBus(backend, { node: name, leaseMs, onError });
          nodes.push(b);
          return b;
        },
        crash: (bus) => (bus as MemoryBus).crash(),
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
  describe(`bus contract: ${factory.name}`, () => {
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
      const [a, b] = [c.node('a'), c.node('b')];
      const seen: Record<string, Delivered[]> = { a: [], b: [] };
      a.events.subscribe((e) => seen.a.push(e));
      b.events.subscribe((e) => seen.b.push(e));
      a.publish([customEvent(1, 1, 'x'), customEvent(2, 1, 'y')]);
      b.publish([customEvent(3, null, 'z')]);
      await eventually(() => seen.a.length === 3 && seen.b.length === 3);
      assert.deepEqual([ids(seen.a), ids(seen.b)], [[1, 2, 3], [1, 2, 3]]);
      assert.deepEqual(seen.b[0].audience, { space: 1 }, 'the audience descriptor travels with the event');
    });

    test('a throwing subscriber is reported; the other subscribers, on every node, still get the event', async () => {
      const c = cluster();
      const errors: string[] = [];
      const a = c.node('a', 30_000, (_err, where) => errors.push(where));
      const b = c.node('b');
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
      const [a, b] = [c.node('a'), c.node('b')];
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
      const [a, b] = [c.node('a'), c.node('b')];
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

    test('presence is counted across nodes: online at the first connection anywhere, offline after the last', async () => {
      const c = cluster();
      const [a, b] = [c.node('a'), c.node('b')];
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
      const lease = 150;
      const a = c.node('a', lease);
      const b = c.node('b', lease);
      const fence = c.node('fence', lease);
      const reports: string[] = [];
      a.presence.onExpired((users) => reports.push(`a:${[...users].sort().join(',')}`));
      await b.presence.connect(1); // only on b
      await b.presence.connect(2);
      await a.presence.connect(2); // also on a: stays online
      await fence.presence.connect(3);
      const started = Date.now();
      c.crash(b);
      await eventually(async () => !(await a.presence.online([1])).has(1), 5 * lease);
      const took = Date.now() - started;
      assert.ok(took >= lease * 0.5 && took < 3 * lease, `offline within the lease bound (took ${took} ms, lease ${lease} ms)`);
      assert.deepEqual([...(await a.presence.online([1, 2]))], [2], 'a user still connected on a live node stays online');
      // Fence: a later expiry (another node dies) is reported after any repeat of the first would have been.
      c.crash(fence);
      await eventually(() => reports.length >= 2, 5 * lease);
      assert.deepEqual(reports, ['a:1', 'a:3'], 'each expiry reported exactly once');
    });

    test('a node that leaves cleanly releases its lease at once', async () => {
      const c = cluster();
      const a = c.node('a');
      const b = c.node('b');
      const reports: number[][] = [];
      a.presence.onExpired((users) => reports.push([...users]));
      await b.presence.connect(5);
      await b.close();
      assert.deepEqual([...(await a.presence.online([5]))], []);
      assert.deepEqual(reports, [[5]]);
    });
  });
}
