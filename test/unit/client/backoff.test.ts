// The SDK's reconnect delays: full jitter within bounds that grow by `factor` and stop at `maxMs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, backoffOptions, DEFAULT_BACKOFF } from '../../../client/src/index.js';
import { Rng, seedOf } from '../../helpers/rng.js';

test('every delay lies in [minMs, min(maxMs, initialMs·factor^attempt)] (10 000 seeded draws)', () => {
  const seed = seedOf(1414);
  const rng = new Rng(seed);
  const o = backoffOptions({ initialMs: 100, maxMs: 5_000, factor: 2, minMs: 10 });
  for (let i = 0; i < 10_000; i++) {
    const attempt = rng.int(0, 80);
    const d = backoffDelay(attempt, o, () => rng.next());
    const cap = Math.min(5_000, 100 * 2 ** attempt);
    assert.ok(Number.isInteger(d), `seed ${seed}: integer delay`);
    assert.ok(d >= 10 && d <= cap, `seed ${seed}: attempt ${attempt} gave ${d}, outside [10, ${cap}]`);
  }
});

test('the jitter is full: the extremes of the random source reach the floor and the cap', () => {
  const o = backoffOptions({ initialMs: 100, maxMs: 1_000, factor: 3 });
  assert.equal(backoffDelay(0, o, () => 0), 0);
  assert.equal(backoffDelay(0, o, () => 0.99999), 99);
  assert.equal(backoffDelay(1, o, () => 0.99999), 299);
  assert.equal(backoffDelay(2, o, () => 0.99999), 899);
  assert.equal(backoffDelay(3, o, () => 0.99999), 999, 'capped at maxMs');
  assert.equal(backoffDelay(10_000, o, () => 0.99999), 999, 'no overflow for a very long outage');
});

test('delays spread out: 1 000 clients retrying the same attempt do not come back together', () => {
  const rng = new Rng(seedOf(7));
  const o = backoffOptions({ initialMs: 1_000, maxMs: 1_000 });
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 1_000; i++) buckets[Math.floor(backoffDelay(5, o, () => rng.next()) / 100)]++;
  for (const b of buckets) assert.ok(b > 50 && b < 150, `uniform-ish spread, got ${buckets.join(',')}`);
});

test('options are made consistent: defaults filled, min ≤ initial ≤ max, factor ≥ 1', () => {
  assert.deepEqual(backoffOptions(), DEFAULT_BACKOFF);
  assert.deepEqual(backoffOptions({ initialMs: 9_000, maxMs: 100, minMs: 500, factor: 0.5 }), { initialMs: 100, maxMs: 100, minMs: 100, factor: 1 });
  assert.deepEqual(backoffOptions({ initialMs: -5, maxMs: -1 }), { initialMs: 0, maxMs: 0, minMs: 0, factor: 2 });
  assert.equal(backoffDelay(3, backoffOptions({ initialMs: 0, maxMs: 0 }), () => 0.5), 0);
});
