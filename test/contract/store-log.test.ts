// Store contract, the event log's positions: head+1 appends, rollbacks, commit order, concurrent writers
// (one node and two) and group commit. The harness and fixtures are in store-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, withStore, addUsers, addSpace, custom, personal, resolved, appendOne, feedIds, allEventIds, sorted, range, sleep, deferred, storeContract } from './store-harness.js';

await storeContract((factory, options) => {
  // -- event log: positions ---------------------------------------------------------------------------
  test('log: appends get head+1, contiguous within and across writes, and carry their audience and explicit recipients', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b] = await addUsers(store, 'la', 'lb');
      const s = await addSpace(store, a, [b]);
      assert.equal(await store.read((r) => r.logHead()), 0);
      const [d1, d2] = await store.write(async (tx) => [await resolved(tx, await tx.append(custom(s, 'one'), T0 + 1)), await resolved(tx, await tx.append(personal(b.id), T0 + 2))]);
      const d3 = await appendOne(store, custom(null, 'three'), T0 + 3);
      assert.deepEqual([d1.id, d2.id, d3.id], [1, 2, 3]);
      assert.equal(await store.read((r) => r.logHead()), 3);
      assert.deepEqual(await allEventIds(store), [1, 2, 3]);

      assert.equal(d1.space_id, s);
      assert.equal(d1.at, T0 + 1);
      assert.deepEqual([d1.audience, d1.explicit], [{ space: s }, []], 'a space event carries its space, resolved by each node');
      assert.deepEqual(sorted(d1.recipients), sorted([a.id, b.id]));
      assert.equal(d2.space_id, null);
      assert.deepEqual(d2.explicit, [b.id], 'explicit recipients are resolved at append');
      assert.deepEqual(d2.recipients, [b.id]);
      assert.deepEqual([d3.audience, d3.explicit], [{ all: true }, []]);
      assert.deepEqual(sorted(d3.recipients), sorted([a.id, b.id]), 'audience_all reaches every user');
      assert.deepEqual(d1.data, { space_id: s, payload: { tag: 'one' }, actor_id: null });
    });
  });

  test('log: a rolled-back write leaves no hole; the next append takes the freed position', async () => {
    await withStore(factory, async ({ store }) => {
      const [a] = await addUsers(store, 'ra');
      await appendOne(store, personal(a.id));
      let committed = false;
      const boom = new Error('boom');
      await assert.rejects(
        store.write(
          async (tx) => {
            await tx.users.insert({ username: 'ghost', email: 'ghost@example.test', password_hash: 'h', display_name: 'G' }, T0);
            assert.equal((await tx.append(personal(a.id), T0)).id, 2);
            assert.equal((await tx.append(custom(null, 'lost'), T0)).id, 3);
            throw boom;
          },
          () => (committed = true),
        ),
        (err) => err === boom,
      );
      assert.equal(committed, false, 'afterCommit does not run for a rolled-back write');
      assert.equal(await store.read((r) => r.logHead()), 1);
      assert.equal(await store.read((r) => r.users.credentials('ghost@example.test')), null, 'the whole transaction was rolled back');
      const next = await appendOne(store, custom(null, 'after'));
      assert.equal(next.id, 2);
      assert.deepEqual(await allEventIds(store), [1, 2]);
      assert.deepEqual((await store.read((r) => r.feed(a.id, 0, 100))).map((e) => [e.id, e.type]), [[1, 'unread.updated'], [2, 'custom.test']]);
    });
  });

  test('log: positions follow commit order; a writer waits for the previous commit and its afterCommit', async () => {
    await withStore(factory, async ({ store }) => {
      const trace: string[] = [];
      const gate = deferred();
      const entered = deferred();
      const w1 = store.write(
        async (tx) => {
          trace.push('w1 start');
          entered.resolve();
          await gate.promise;
          return (await tx.append(custom(null, 'w1'), T0)).id;
        },
        (id) => trace.push(`w1 committed ${id}`),
      );
      await entered.promise;
      const w2 = store.write(
        async (tx) => {
          trace.push('w2 start');
          return (await tx.append(custom(null, 'w2'), T0)).id;
        },
        (id) => trace.push(`w2 committed ${id}`),
      );
      await sleep(30);
      assert.deepEqual(trace, ['w1 start'], 'the second writer has not started while the first is open');
      gate.resolve();
      assert.deepEqual([await w1, await w2], [1, 2]);
      assert.deepEqual(trace, ['w1 start', 'w1 committed 1', 'w2 start', 'w2 committed 2']);
    });
  });

  test('log: 20 concurrent writers yield contiguous ascending positions with afterCommit in position order', async () => {
    await withStore(factory, async ({ store }) => {
      const [a] = await addUsers(store, 'ca');
      const published: number[] = [];
      const writes = Array.from({ length: 20 }, (_, i) =>
        store.write(
          async (tx) => {
            const out: number[] = [];
            for (let k = 0; k <= i % 3; k++) {
              if ((i + k) % 2 === 0) await sleep(1 + ((i * 7 + k) % 5));
              out.push((await tx.append(k % 2 === 0 ? custom(null, `w${i}.${k}`) : personal(a.id), T0)).id!);
            }
            return out;
          },
          (ids) => published.push(...ids),
        ),
      );
      const results = await Promise.all(writes);
      const total = results.reduce((s, ids) => s + ids.length, 0);
      for (const ids of results) assert.deepEqual(ids, range(ids[0], ids[0] + ids.length - 1), "one write's events are contiguous");
      assert.deepEqual(published, range(1, total), 'afterCommit ran in position order, every position once');
      assert.deepEqual(await allEventIds(store), range(1, total));
      assert.deepEqual(await feedIds(store, a.id), range(1, total));
    });
  });

  test('group commit: writes queued together share a transaction; a failing one fails alone, its events and rows undone, positions stay contiguous', async () => {
    await withStore(factory, async ({ store }) => {
      const [a] = await addUsers(store, 'ga');
      const published: number[] = [];
      const failing = new Set([3, 7, 8, 15]);
      const writes = Array.from({ length: 20 }, (_, i) =>
        store.write(
          async (tx) => {
            // Every write appends an event and a row; the failing ones throw after doing both.
            const ev = (await tx.append(custom(null, `g${i}`), T0)).id!;
            await tx.users.insert({ username: `g${i}`, email: `g${i}@example.test`, password_hash: 'h', display_name: `G${i}` }, T0);
            if (failing.has(i)) throw new Error(`write ${i} refused`);
            return ev;
          },
          (id) => published.push(id),
        ),
      );
      const settled = await Promise.allSettled(writes);
      const refused = settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : []));
      assert.deepEqual(refused, [...failing], 'exactly the failing writes fail');
      const ids = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      assert.deepEqual(ids, range(1, 16), 'the others took contiguous positions, in queue order');
      assert.deepEqual(published, ids, 'afterCommit in position order, only for committed writes');
      assert.deepEqual(await allEventIds(store), range(1, 16));
      const kept = new Set((await store.read((r) => r.users.byUsername(Array.from({ length: 20 }, (_, i) => `g${i}`)))).map((u) => u.username));
      assert.deepEqual(Array.from({ length: 20 }, (_, i) => kept.has(`g${i}`)), Array.from({ length: 20 }, (_, i) => !failing.has(i)), "a failing write's rows are rolled back, the others' kept");
      // The queue goes on: a later write takes the next position.
      assert.equal(await store.write(async (tx) => (await tx.append(personal(a.id), T0)).id), 17);
    });
  });

  test('group commit: a write refused by the database (a unique violation) or refused before it changed anything fails alone', async () => {
    await withStore(factory, async ({ store }) => {
      const [a] = await addUsers(store, 'da');
      const user = (name: string) => ({ username: name, email: `${name}@example.test`, password_hash: 'h', display_name: name });
      const writes = Array.from({ length: 12 }, (_, i) =>
        store.write(async (tx) => {
          // 4: refused before any change (as a permission check is); 9: a statement the database refuses.
          if (i === 4) throw new Error('refused early');
          const ev = (await tx.append(custom(null, `d${i}`), T0)).id!;
          await tx.users.insert(user(i === 9 ? 'da' : `d${i}`), T0);
          // A read of the log inside the write sees the write's own appends.
          assert.ok((await tx.feed(a.id, ev - 1, 10)).some((e) => e.id === ev), `write ${i} reads its own event`);
          return ev;
        }),
      );
      const settled = await Promise.allSettled(writes);
      assert.deepEqual(
        settled.map((s) => s.status),
        settled.map((_, i) => (i === 4 || i === 9 ? 'rejected' : 'fulfilled')),
      );
      assert.match(String((settled[4] as PromiseRejectedResult).reason), /refused early/);
      const ids = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      assert.deepEqual(ids, range(1, 10), 'the others took contiguous positions, in queue order');
      assert.deepEqual(await allEventIds(store), range(1, 10));
      const kept = new Set((await store.read((r) => r.users.byUsername(Array.from({ length: 12 }, (_, i) => `d${i}`)))).map((u) => u.username));
      assert.deepEqual(Array.from({ length: 12 }, (_, i) => kept.has(`d${i}`)), Array.from({ length: 12 }, (_, i) => i !== 4 && i !== 9));
    });
  });

  test(
    'log: concurrent writers on two nodes sharing one database keep positions contiguous and in commit order',
    { skip: options.multiNode ? false : 'this driver is single-node (no second Store on one database)' },
    async () => {
      await withStore(factory, async ({ store, peer }) => {
        const other = await peer!(); // closed with the harness
        const [a] = await addUsers(store, 'na');
        // Sequential hand-off: a write on node 2 started while node 1's write is open gets the next position.
        const gate = deferred();
        const appended = deferred();
        const w1 = store.write(async (tx) => {
          const d = await tx.append(custom(null, 'n1'), T0);
          appended.resolve();
          await gate.promise;
          return d.id;
        });
        await appended.promise;
        let w2Done = false;
        const w2 = other.write(async (tx) => (await tx.append(custom(null, 'n2'), T0)).id).finally(() => (w2Done = true));
        await sleep(50);
        assert.equal(w2Done, false, "node 2's write waits while node 1's transaction is open");
        gate.resolve();
        assert.deepEqual([await w1, await w2], [1, 2]);

        const seen: Record<string, number[]> = { one: [], two: [] };
        const jobs = Array.from({ length: 20 }, (_, i) => {
          const node = i % 2 === 0 ? store : other;
          const key = node === store ? 'one' : 'two';
          return node.write(
            async (tx) => {
              const first = await tx.append(personal(a.id), T0);
              await sleep(i % 4);
              const second = await tx.append(custom(null, `j${i}`), T0);
              return [first.id!, second.id!];
            },
            (ids) => seen[key].push(...ids),
          );
        });
        const results = await Promise.all(jobs);
        for (const [x, y] of results) assert.equal(y, x + 1);
        assert.deepEqual(sorted(results.flat()), range(3, 42));
        for (const key of ['one', 'two']) assert.deepEqual(seen[key], sorted(seen[key]), `node ${key} published in position order`);
        assert.deepEqual(await allEventIds(other), range(1, 42));
      }, { peers: true });
    },
  );
});
