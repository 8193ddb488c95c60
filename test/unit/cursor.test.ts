// Feed cursors on their own: replay then live with nothing lost or repeated at the seam, the bound on
// events held during a replay (drop and re-read the store), detach and resume from the position, filters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeedCursor, type CursorHub, type CursorSink } from '../../src/gateway/cursor.js';
import { Payload } from '../../src/gateway/connection.js';
import type { Renderer } from '../../src/dialects/render.js';
import type { Delivered } from '../../src/events/types.js';
import { customEvent } from '../helpers/fakes.js';

const renderer: Renderer = { name: 't', privateFields: false, render: (e) => String(e.id) };

/** A hub over an in-memory log whose reads can be held open, to let live events arrive mid-replay. */
function hub(maxHeld: number) {
  const log: Delivered[] = [];
  const tracked = new Set<FeedCursor>();
  let gate: Promise<void> | null = null;
  let overflows = 0;
  const h: CursorHub & { log: Delivered[]; tracked: Set<FeedCursor>; hold(p: Promise<void>): void; overflows(): number } = {
    log,
    tracked,
    track: (c) => tracked.add(c),
    untrack: (c) => tracked.delete(c),
    read: async (_u, after, limit) => {
      const snapshot = log.filter((e) => e.id! > after).slice(0, limit);
      if (gate) {
        const g = gate;
        gate = null;
        await g;
      }
      return snapshot;
    },
    render: (_c, e) => ({ payload: new Payload(String(e.id), e.id), view: 'full' }),
    maxHeld,
    heldOverflow: () => void overflows++,
    hold: (p) => (gate = p),
    overflows: () => overflows,
  };
  return h;
}

function sink(): CursorSink & { got: number[] } {
  const got: number[] = [];
  return { got, deliver: (e, p) => (p !== null && got.push(e.id!), true), backlogged: () => false, drained: async () => undefined };
}

/** Appends to the log, and delivers live to the cursor (as the gateway would after commit). */
function commit(h: ReturnType<typeof hub>, c: FeedCursor, id: number, space = 1): void {
  const ev = customEvent(id, space, `e${id}`);
  h.log.push(ev);
  if (h.tracked.has(c)) c.offer(ev, new Payload(String(id), id), 'full');
}

test('live events that arrive during the replay are held and released after it, without repeats', async () => {
  const h = hub(100);
  for (let i = 1; i <= 3; i++) h.log.push(customEvent(i, 1, 'old'));
  const c = new FeedCursor(h, 1, renderer, null, 1);
  c.hold();
  const s = sink();
  c.attach(s);
  let open!: () => void;
  h.hold(new Promise<void>((r) => (open = r)));
  const replay = c.replay();
  commit(h, c, 4); // committed after the read's snapshot: held
  commit(h, c, 5);
  assert.equal(c.state, 'replaying');
  open();
  await replay;
  assert.equal(c.state, 'live');
  commit(h, c, 6);
  assert.deepEqual(s.got, [2, 3, 4, 5, 6]);
});

test('past the hold bound, held events are dropped and read from the store instead: nothing is lost', async () => {
  const h = hub(3);
  const c = new FeedCursor(h, 1, renderer, null, 0);
  c.hold();
  const s = sink();
  c.attach(s);
  let open!: () => void;
  h.hold(new Promise<void>((r) => (open = r)));
  const replay = c.replay();
  for (let i = 1; i <= 10; i++) commit(h, c, i); // more than the bound, all during the first read
  open();
  await replay;
  assert.equal(h.overflows(), 1, 'the overflow was counted once');
  commit(h, c, 11);
  assert.deepEqual(s.got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

test('a detached cursor keeps its position and resumes from it; a sink that gives up detaches the cursor', async () => {
  const h = hub(100);
  const c = new FeedCursor(h, 1, renderer, null, 0);
  c.hold();
  const s1 = sink();
  c.attach(s1);
  await c.replay();
  commit(h, c, 1);
  c.detach();
  assert.equal(c.state, 'detached');
  assert.equal(h.tracked.size, 0, 'a detached cursor receives nothing');
  commit(h, c, 2);
  commit(h, c, 3);
  assert.equal(c.position, 1);
  c.hold();
  const s2 = sink();
  c.attach(s2);
  await c.replay();
  commit(h, c, 4);
  assert.deepEqual([s1.got, s2.got], [[1], [2, 3, 4]]);

  const refusing: CursorSink = { deliver: () => false, backlogged: () => false, drained: async () => undefined };
  c.attach(refusing);
  commit(h, c, 5);
  assert.equal(c.state, 'detached');
  assert.equal(c.position, 5);
});

test('a space-filtered cursor gets only that space, live and on replay, and its position still advances', async () => {
  const h = hub(100);
  h.log.push(customEvent(1, 1, 'a'), customEvent(2, 2, 'b'), customEvent(3, 1, 'c'));
  const c = new FeedCursor(h, 1, renderer, { space: 1 }, 0);
  c.hold();
  const s = sink();
  c.attach(s);
  await c.replay();
  assert.deepEqual(s.got, [1, 3]);
  assert.equal(c.position, 3);
});
