// Store contract, reading the event log: per-user feeds and pruning. The harness and fixtures are in
// store-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, withStore, addUsers, addSpace, custom, personal, resolved, appendOne, feedIds, allEventIds, sorted, spaceAndMember, storeContract, type Resolved } from './store-harness.js';

await storeContract((factory) => {
  // -- event log: feed --------------------------------------------------------------------------------
  test('feed: space events only while a member, explicit recipients, broadcasts, in order with after/limit', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b, c] = await addUsers(store, 'fa', 'fb', 'fc');
      const s = await addSpace(store, a);
      const rec: Record<string, readonly number[]> = {};
      const note = (d: Resolved) => (rec[d.id!] = sorted(d.recipients));

      note(await appendOne(store, custom(s, 'before b joins'), T0 + 1)); // 1: a
      note(
        await store.write(async (tx) => {
          await tx.spaces.addMember(s, b.id, 'member', T0 + 2);
          return resolved(tx, await tx.append(custom(s, 'b joined'), T0 + 2)); // 2: a, b (the join event reaches the new member)
        }),
      );
      note(await appendOne(store, custom(s, 'while b is a member'), T0 + 3)); // 3: a, b
      note(await appendOne(store, personal(c.id), T0 + 4)); // 4: c only
      note(
        await store.write(async (tx) => {
          const { space, member } = await spaceAndMember(tx, s, b.id);
          await tx.spaces.removeMember(s, b.id);
          return resolved(tx, await tx.append({ type: 'member.removed', data: { space: (await tx.spaces.view(space.id))!, member, actor_id: a.id } }, T0 + 5)); // 5: a + b explicitly
        }),
      );
      note(await appendOne(store, custom(s, 'after b left'), T0 + 6)); // 6: a
      note(await appendOne(store, custom(null, 'broadcast'), T0 + 7)); // 7: everyone
      note(
        await store.write(async (tx) => {
          await tx.spaces.addMember(s, b.id, 'reader', T0 + 8);
          return resolved(tx, await tx.append(custom(s, 'b rejoined'), T0 + 8)); // 8: a, b
        }),
      );

      assert.deepEqual(rec, { 1: [a.id], 2: sorted([a.id, b.id]), 3: sorted([a.id, b.id]), 4: [c.id], 5: sorted([a.id, b.id]), 6: [a.id], 7: sorted([a.id, b.id, c.id]), 8: sorted([a.id, b.id]) });
      assert.deepEqual(await feedIds(store, a.id), [1, 2, 3, 5, 6, 7, 8]);
      assert.deepEqual(await feedIds(store, b.id), [2, 3, 5, 7, 8], 'b sees nothing from before joining or between leaving and rejoining');
      assert.deepEqual(await feedIds(store, c.id), [4, 7]);
      for (const uid of [a.id, b.id, c.id]) {
        const live: number[] = Object.entries(rec).flatMap(([id, users]) => (users.includes(uid) ? [Number(id)] : []));
        assert.deepEqual(await feedIds(store, uid), live, `resume equals live delivery for user ${uid}`);
      }

      assert.deepEqual(await feedIds(store, a.id, 3, 2), [5, 6], 'after is exclusive; limit caps the page');
      assert.deepEqual(await feedIds(store, b.id, 5), [7, 8]);
      assert.deepEqual(await feedIds(store, b.id, 8), []);

      const page = await store.read((r) => r.feed(b.id, 1, 2));
      assert.deepEqual(page, [
        { id: 2, type: 'custom.test', at: T0 + 2, space_id: s, data: { space_id: s, payload: { tag: 'b joined' }, actor_id: null } },
        { id: 3, type: 'custom.test', at: T0 + 3, space_id: s, data: { space_id: s, payload: { tag: 'while b is a member' }, actor_id: null } },
      ]);
      const removed = (await store.read((r) => r.feed(b.id, 4, 1)))[0];
      assert.equal(removed.type, 'member.removed');
      assert.equal((removed.data as { member: { user: { id: number } } }).member.user.id, b.id);
    });
  });

  test('feed: broadcasts reach a resuming user only from their sign-up on', async () => {
    await withStore(factory, async ({ store }) => {
      const [early] = await addUsers(store, 'bea');
      await appendOne(store, custom(null, 'before the late user existed'), T0 + 10); // 1
      const late = await store.write((tx) => tx.users.insert({ username: 'bel', email: 'bel@example.test', password_hash: 'h', display_name: 'late' }, T0 + 20));
      const d = await appendOne(store, custom(null, 'after'), T0 + 30); // 2
      assert.deepEqual(sorted(d.recipients), sorted([early.id, late.id]));
      assert.deepEqual(await feedIds(store, early.id), [1, 2]);
      assert.deepEqual(await feedIds(store, late.id), [2], 'no broadcast from before the account existed');
    });
  });

  test('feed: a member added and removed in the same write sees events of that write only in between', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b] = await addUsers(store, 'ia', 'ib');
      const s = await addSpace(store, a);
      await store.write(async (tx) => {
        await tx.append(custom(s, 'before'), T0); // 1
        await tx.spaces.addMember(s, b.id, 'member', T0);
        await tx.append(custom(s, 'during'), T0); // 2
        await tx.spaces.removeMember(s, b.id);
        await tx.append(custom(s, 'after'), T0); // 3
      });
      assert.deepEqual(await feedIds(store, b.id), [2]);
      assert.deepEqual(await feedIds(store, a.id), [1, 2, 3]);
    });
  });

  // -- event log: prune ------------------------------------------------------------------------------
  test('prune: removes events older than the cutoff, returns pruned_through, and never goes back', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b] = await addUsers(store, 'pa', 'pb');
      const s = await addSpace(store, a, [b]);
      await appendOne(store, personal(a.id), 1000);
      await appendOne(store, custom(s, 'two'), 2000);
      await appendOne(store, personal(b.id), 3000);
      await appendOne(store, custom(s, 'four'), 4000);

      assert.equal(await store.write((tx) => tx.prune(2500)), 2);
      assert.equal(await store.read((r) => r.meta('pruned_through')), '2');
      assert.deepEqual(await allEventIds(store), [3, 4]);
      assert.deepEqual(await feedIds(store, a.id), [4]);
      assert.deepEqual(await feedIds(store, b.id), [3, 4]);
      const recipients = await store.read((r) => r.db.selectFrom('event_recipients').select('event_id').execute());
      assert.deepEqual(recipients.map((x) => Number(x.event_id)), [3], 'recipient rows of pruned events are gone');

      assert.equal(await store.write((tx) => tx.prune(1500)), 2, 'an older cutoff keeps the current pruned_through');
      assert.equal(await store.write((tx) => tx.prune(0)), 2);
      assert.deepEqual(await allEventIds(store), [3, 4]);
      assert.equal((await appendOne(store, custom(s, 'five'), 5000)).id, 5);
      assert.deepEqual(await feedIds(store, b.id), [3, 4, 5]);
    });
  });

  test('prune: after every event is pruned, positions continue after pruned_through (never reused)', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b] = await addUsers(store, 'qa', 'qb');
      const s = await addSpace(store, a);
      await appendOne(store, custom(s, 'one'), 1000);
      await appendOne(store, custom(s, 'two'), 2000);
      await appendOne(store, custom(s, 'three'), 3000);
      assert.equal(await store.write((tx) => tx.prune(10_000)), 3);
      assert.deepEqual(await allEventIds(store), []);

      // b joins after the prune; the join's position must lie after everything a client may have seen.
      const joined = await store.write(async (tx) => {
        await tx.spaces.addMember(s, b.id, 'member', T0);
        return tx.append(custom(s, 'b joined'), 11_000);
      });
      assert.equal(joined.id, 4, 'the next position is pruned_through + 1, not 1');
      assert.deepEqual(await feedIds(store, b.id), [4]);
      assert.deepEqual(await feedIds(store, a.id, 3), [4], 'a client resuming from position 3 gets the new event');
    });
  });
});
