// Durable commits on SQLite (synchronous=full, the default): the WAL is flushed off the main thread and a
// write is answered, its afterCommit run and a later read served only once a flush that began after its
// commit has completed; writes queued meanwhile commit together after it. The flush is replaced by a gate
// the test opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { openStore, type Store } from '../../src/store/store.js';
import { HeraldError } from '../../src/core/errors.js';

/** A flush that waits until the test releases it (or fails it); each call is one entry. */
class GatedFlush {
  readonly calls: { release(): void; fail(err: Error): void; file: FileHandle }[] = [];
  private waiters: (() => void)[] = [];
  readonly fn = (file: FileHandle): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      this.calls.push({ release: resolve, fail: reject, file });
      for (const w of this.waiters.splice(0)) w();
    });
  /** Resolves when at least `n` flushes have been asked for. */
  async asked(n: number): Promise<void> {
    while (this.calls.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }
}

const settledYet = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
};

async function withStore(fn: (store: Store, gate: GatedFlush) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-wal-'));
  const gate = new GatedFlush();
  const store = await openStore(`sqlite:${join(dir, 'h.db')}`, { flushWal: gate.fn });
  try {
    await fn(store, gate);
  } finally {
    for (const c of gate.calls) c.release();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a write is answered and its afterCommit runs only after the WAL flush that follows its commit', async () => {
  await withStore(async (store, gate) => {
    const order: string[] = [];
    const a = store.write(
      async (tx) => {
        await tx.setMeta('epoch', 'a');
        return 'a';
      },
      () => order.push('after a'),
    );
    await gate.asked(1);
    assert.equal(await settledYet(a), false, 'answered before its WAL was flushed');
    assert.equal(order.length, 0);

    // Writes made while the first flush is in flight queue up for the next batch...
    const b = store.write(
      async (tx) => {
        await tx.setMeta('epoch', 'b');
        return 'b';
      },
      () => order.push('after b'),
    );
    // ...and a read waits until every commit made before it is durable (a's, not b's, which was not made).
    const read = store.read((r) => r.meta('epoch'));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await settledYet(read), false, 'a read saw commits that were not yet durable');
    assert.equal(gate.calls.length, 1, 'a second flush started while the first was in flight');

    gate.calls[0].release();
    assert.equal(await a, 'a');
    assert.deepEqual(order, ['after a']);
    // b commits after the first flush, and needs one of its own.
    await gate.asked(2);
    assert.equal(await settledYet(b), false);
    gate.calls[1].release();
    assert.equal(await b, 'b');
    assert.deepEqual(order, ['after a', 'after b']);
    assert.equal(await read, 'a');
  });
});

test('the flushed descriptor is the WAL file SQLite writes', async () => {
  await withStore(async (store, gate) => {
    const w = store.write((tx) => tx.setMeta('epoch', 'x'.repeat(10_000)));
    await gate.asked(1);
    const { size } = await gate.calls[0].file.stat();
    assert.ok(size > 10_000, `the WAL holds the commit's frames (${size} bytes)`);
    gate.calls[0].release();
    await w;
  });
});

test('after a failed WAL flush, its writes, the queued ones and every later write fail as unavailable, and nothing is published', async () => {
  await withStore(async (store, gate) => {
    let published = false;
    const w = store.write(
      (tx) => tx.setMeta('epoch', 'lost'),
      () => (published = true),
    );
    await gate.asked(1);
    // Queued behind the failing flush: never committed, since a later flush could not vouch for it.
    const queued = store.write((tx) => tx.setMeta('epoch', 'queued'));
    gate.calls[0].fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await assert.rejects(w, (e: unknown) => e instanceof HeraldError && e.code === 'unavailable');
    await assert.rejects(queued, (e: unknown) => e instanceof HeraldError && e.code === 'unavailable');
    assert.equal(await store.readLatest((r) => r.meta('epoch')), 'lost');
    assert.equal(published, false);
    await assert.rejects(
      store.write((tx) => tx.setMeta('epoch', 'later')),
      (e: unknown) => e instanceof HeraldError && e.code === 'unavailable',
    );
  });
});

test('readLatest (authentication) does not wait for the flush; read does', async () => {
  await withStore(async (store, gate) => {
    const w = store.write((tx) => tx.setMeta('epoch', 'committed'));
    await gate.asked(1);
    assert.equal(await store.readLatest((r) => r.meta('epoch')), 'committed');
    const read = store.read((r) => r.meta('epoch'));
    assert.equal(await settledYet(read), false);
    gate.calls[0].release();
    assert.equal(await read, 'committed');
    await w;
  });
});
