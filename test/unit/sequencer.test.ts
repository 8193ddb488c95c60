// Position order at a node: events pass in order; a gap is held, then filled from the store; repeats and
// events from before the node's start are dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sequencer } from '../../src/gateway/sequencer.js';
import { customEvent } from '../helpers/fakes.js';
import type { Delivered } from '../../src/events/types.js';

function sequencer(store: Delivered[]) {
  const out: number[] = [];
  const fills: [number, number][] = [];
  const s = new Sequencer({
    gapWaitMs: 20,
    fill: async (after, limit) => {
      fills.push([after, limit]);
      return store.filter((e) => e.id! > after).slice(0, limit);
    },
    deliver: (e) => out.push(e.id!),
    onError: (err) => assert.fail(String(err)),
  });
  return { s, out, fills };
}

test('events before start wait; those up to the seeded head are dropped; the rest pass in order', () => {
  const { s, out } = sequencer([]);
  s.push(customEvent(5, 1, 'a'));
  s.push(customEvent(6, 1, 'b'));
  assert.deepEqual(out, []);
  s.start(5);
  assert.deepEqual(out, [6]);
  s.push(customEvent(7, 1, 'c'));
  s.push(customEvent(6, 1, 'again'));
  assert.deepEqual(out, [6, 7]);
  s.stop();
});

test('out of order: held until the missing position arrives, or read from the store after the wait', async () => {
  const store = [1, 2, 3, 4, 5].map((i) => customEvent(i, 1, `e${i}`));
  const { s, out, fills } = sequencer(store);
  s.start(0);
  s.push(store[0]);
  s.push(store[2]); // 2 is late
  assert.deepEqual(out, [1]);
  s.push(store[1]);
  assert.deepEqual(out, [1, 2, 3], 'the late one arrived: no store read');
  s.push(store[4]); // 4 is lost
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(out, [1, 2, 3, 4, 5]);
  assert.deepEqual(fills, [[3, 1]], 'exactly the gap was read');
  s.stop();
});

test('a tail gap (the last events lost in transit, nothing later arrives) is read from the store once the head check shows the log ahead', async () => {
  const store = [1, 2, 3].map((i) => customEvent(i, 1, `e${i}`));
  const { s, out, fills } = sequencer(store);
  s.start(0);
  s.push(store[0]); // 2 and 3 are lost
  s.observeHead(1);
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(fills, [], 'the head is where this node is: nothing to read');
  s.observeHead(3);
  assert.deepEqual(out, [1], 'the gap wait comes first (they may still be in flight)');
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(out, [1, 2, 3]);
  assert.deepEqual(fills, [[1, 2]], 'exactly positions 2..3 were read');
  s.push(store[2]); // the lost copy turns up late: a repeat
  assert.deepEqual(out, [1, 2, 3]);
  s.stop();
});
