// The broker's small data structures (KeyedList, Fifo, Deadlines) against simple models, and the
// facade's shutdown, ticker, discard and metrics hooks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeyedList } from '../../../src/broker/keyed-list.js';
import { Fifo } from '../../../src/broker/fifo.js';
import { Deadlines } from '../../../src/broker/deadlines.js';
import type { DropReason } from '../../../src/broker/index.js';
import { connect, harness, text } from './helpers.js';

describe('KeyedList', () => {
  test('property: behaves like an insertion-ordered Map under random set/delete', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 40 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('del' as const), key: fc.integer({ min: 0, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const list = new KeyedList<number>();
        const model = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            list.set(o.key, o.value);
            model.set(o.key, o.value);
          } else {
            assert.equal(list.delete(o.key), model.delete(o.key));
          }
          assert.equal(list.size, model.size);
        }
        assert.deepEqual([...list.entries()], [...model.entries()]);
        assert.deepEqual(list.values(), [...model.values()]);
        for (let k = 0; k <= 40; k++) {
          assert.equal(list.has(k), model.has(k));
          assert.equal(list.get(k), model.get(k));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a straggler at the head does not let the list grow without bound', () => {
    const list = new KeyedList<number>();
    list.set(0, 0); // never removed
    for (let k = 1; k < 100_000; k++) {
      list.set(k, k);
      list.delete(k);
    }
    assert.equal(list.size, 1);
    const internal = list as unknown as { keys: number[] };
    assert.ok(internal.keys.length < 200, `backing array holds ${internal.keys.length}`);
  });
});

describe('Fifo', () => {
  test('shift, removeFirst, insertSorted, retain keep order; compaction is invisible', () => {
    const f = new Fifo<number>();
    for (let i = 0; i < 3000; i++) f.push(i);
    for (let i = 0; i < 2000; i++) assert.equal(f.shift(), i);
    assert.equal(f.length, 1000);
    assert.equal(f.peek(), 2000);
    assert.equal(f.removeFirst((x) => x % 7 === 0), 2002);
    f.insertSorted(2001.5, (x) => x);
    assert.deepEqual([...f].slice(0, 3), [2000, 2001, 2001.5]);
    const removed = f.retain((x) => x < 2005);
    assert.deepEqual([...f], [2000, 2001, 2001.5, 2003, 2004]);
    assert.equal(removed.length, 995);
    assert.deepEqual(f.clear(), [2000, 2001, 2001.5, 2003, 2004]);
    assert.equal(f.shift(), undefined);
  });
});

describe('Deadlines', () => {
  test('due() returns owners in time order; rescheduling or cancelling invalidates the old entry', () => {
    const d = new Deadlines<{ deadlineVersion: number; name: string }>();
    const a = { deadlineVersion: 0, name: 'a' };
    const b = { deadlineVersion: 0, name: 'b' };
    const c = { deadlineVersion: 0, name: 'c' };
    d.schedule(a, 30);
    d.schedule(b, 10);
    d.schedule(c, 20);
    d.schedule(a, 5); // moved earlier
    d.schedule(c, null); // cancelled
    assert.deepEqual(d.due(4).map((x) => x.name), []);
    assert.deepEqual(d.due(10).map((x) => x.name), ['a', 'b']);
    assert.deepEqual(d.due(100).map((x) => x.name), [], 'stale entries for a and c are skipped');
  });
});

describe('broker facade extras', () => {
  test('close(): connections are told server_shutting_down; persistent sessions stay stored; wills follow their rules', async () => {
    const { broker, store } = harness();
    const w = await connect(broker, 'watcher', { cleanStart: false, sessionExpiryInterval: 60 });
    await broker.subscribe(w.conn, [{ filter: 'status/#', qos: 1 }]);
    const a = await connect(broker, 'a', { will: { topic: 'status/a', payload: text('down'), qos: 1 } });
    await broker.close();
    assert.deepEqual(a.sink.closedReasons, ['server_shutting_down']);
    assert.deepEqual(w.sink.closedReasons, ['server_shutting_down']);
    assert.equal(a.conn.active, false);
    // Connections close in connect order: the watcher first, so the will waits in its queue.
    assert.deepEqual(w.sink.texts(), []);
    assert.equal(broker.session('watcher')?.queued, 1);
    assert.ok(await store.loadSession('watcher'), 'the persistent session is stored');
    assert.equal(await store.loadSession('a'), undefined, 'the expiry-0 session ended');
  });

  test('startTicker() drives will delays on an unref’d timer', async () => {
    const h = harness();
    const w = await connect(h.broker, 'w');
    await h.broker.subscribe(w.conn, [{ filter: 'status/#', qos: 0 }]);
    const got = new Promise<string>((resolve) => {
      w.sink.deliver = (d) => resolve(d.message.payload.toString());
    });
    const a = await connect(h.broker, 'a', { will: { topic: 'status/a', payload: text('late'), qos: 0, delayInterval: 5 }, cleanStart: false, sessionExpiryInterval: 60 });
    await h.broker.disconnect(a.conn, { publishWill: true });
    h.clock.advance(5000);
    h.broker.startTicker(5);
    // The ticker is unref'd (it must not keep a server alive), so this test keeps the loop alive itself
    // while it waits; without it the run could end before the first tick.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((_, reject) => (timer = setTimeout(() => reject(new Error('no tick within 2 s')), 2000)));
    try {
      assert.equal(await Promise.race([got, timeout]), 'late');
    } finally {
      clearTimeout(timer);
      h.broker.stopTicker();
    }
  });

  test('discard(): an in-flight delivery the protocol session could not send counts as completed', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a', { receiveMaximum: 1 });
    a.sink.deliver = (d) => {
      if (d.message.payload.length > 10) broker.discard(a.conn, d.packetId); // too large for the client
      else a.sink.deliveries.push(d);
    };
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    await broker.publish(null, { topic: 't', payload: Buffer.alloc(100), qos: 1 });
    await broker.publish(null, { topic: 't', payload: text('small'), qos: 1 });
    assert.deepEqual(a.sink.texts(), ['t=small'], 'the window was freed by the discard');
    assert.equal(broker.discard(a.conn, 999), false);
  });

  test('metrics hooks see publishes, deliveries, drops and sessions', async () => {
    const seen = { published: 0, delivered: 0, opened: 0, ended: 0, dropped: [] as DropReason[] };
    const { broker } = harness({
      limits: { maxQueuedMessages: 1 },
      metrics: {
        published: () => void seen.published++,
        delivered: (n) => void (seen.delivered += n),
        dropped: (r) => void seen.dropped.push(r),
        sessionOpened: () => void seen.opened++,
        sessionEnded: () => void seen.ended++,
      },
    });
    const a = await connect(broker, 'a');
    const b = await connect(broker, 'b', { cleanStart: false, sessionExpiryInterval: 60 });
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    await broker.subscribe(b.conn, [{ filter: 't', qos: 1 }]);
    await broker.disconnect(b.conn, { publishWill: false });
    await broker.publish(null, { topic: 't', payload: text('1'), qos: 1 });
    await broker.publish(null, { topic: 't', payload: text('2'), qos: 1 });
    await broker.disconnect(a.conn, { publishWill: false });
    assert.deepEqual(seen, { published: 2, delivered: 2, opened: 2, ended: 1, dropped: ['queue_full'] });
    assert.equal(broker.stats().delivered, 2);
  });
});
