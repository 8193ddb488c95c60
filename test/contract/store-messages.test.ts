// Store contract, messages and reading them: snapshots, listing, restricted audiences, attachments,
// unread counts and inbox read dates. The harness and fixtures are in store-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Viewer } from '../../src/store/messages.js';
import type { User } from '../../src/core/model.js';
import { T0, withStore, addUsers, addSpace, sorted, storeContract } from './store-harness.js';

await storeContract((factory) => {
  // -- messages -------------------------------------------------------------------------------------
  test('messages: a post inserts the message and marks its space active (one statement on PostgreSQL)', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b] = await addUsers(store, 'pa', 'pb');
      const s = await addSpace(store, a, [b]);
      const other = await addSpace(store, b, [], 'other');
      const before = await store.read((r) => r.spaces.summary(other));
      const ids = await store.write(async (tx) => [
        await tx.messages.post({ space_id: s, author_id: a.id, kind: 'message', content: 'first' }, T0 + 50),
        await tx.messages.post({ space_id: s, author_id: b.id, kind: 'message', content: 'second', audience: [a.id, b.id] }, T0 + 60),
      ]);
      const views = await store.read((r) => r.messages.views(ids));
      assert.deepEqual(views.map((v) => [v.content, v.created_at, v.author?.id]), [['first', T0 + 50, a.id], ['second', T0 + 60, b.id]]);
      assert.deepEqual(views[1].audience, sorted([a.id, b.id]));
      assert.equal((await store.read((r) => r.spaces.summary(s)))?.last_active_at, T0 + 60);
      assert.equal((await store.read((r) => r.spaces.summary(other)))?.last_active_at, before?.last_active_at, 'only the posted-to space is touched');
    });
  });

  test('files: an attachment of restricted messages only is hidden from users outside all their audiences', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b, c] = await addUsers(store, 'fa', 'fb', 'fc');
      const s = await addSpace(store, a, [b, c]);
      const hidden = (fid: number, uid: number) => store.read((r) => r.files.onlyOnMessagesHiddenFrom(fid, uid));
      const f = await store.write((tx) => tx.files.insert({ space_id: s, name: 'x.txt', mimetype: 'text/plain', size: 1, storage_key: 'kx', uploaded_by: a.id }, T0));
      assert.equal(await hidden(f.id, c.id), false, 'on no message: the space\'s');
      await store.write(async (tx) => tx.files.attach(await tx.messages.post({ space_id: s, author_id: a.id, kind: 'file', content: '', audience: [a.id, b.id] }, T0 + 1), [f.id]));
      assert.deepEqual([await hidden(f.id, a.id), await hidden(f.id, b.id), await hidden(f.id, c.id)], [false, false, true]);
      await store.write(async (tx) => tx.files.attach(await tx.messages.post({ space_id: s, author_id: a.id, kind: 'file', content: '' }, T0 + 2), [f.id]));
      assert.equal(await hidden(f.id, c.id), false, 'also on an unrestricted message: the space\'s');
    });
  });

  test('messages: snapshot carries author, ordered attachments, reactions, receipts and mentions', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b, c] = await addUsers(store, 'ma', 'mb', 'mc');
      const s = await addSpace(store, a, [b, c]);
      const { f1, f2, m1, m2 } = await store.write(async (tx) => {
        const f1 = await tx.files.insert({ space_id: s, name: 'one.png', mimetype: 'image/png', size: 10, storage_key: 'k1', uploaded_by: a.id }, T0);
        const f2 = await tx.files.insert({ space_id: s, name: 'two.txt', mimetype: 'text/plain', size: 20, storage_key: 'k2', uploaded_by: a.id }, T0);
        const m1 = await tx.messages.insert({ space_id: s, author_id: a.id, kind: 'file', content: 'hi @mb', meta: { bot: 'x' } }, T0 + 1);
        await tx.files.attach(m1, [f2.id, f1.id]);
        await tx.messages.setMentions(m1, [b.id, c.id]);
        const m2 = await tx.messages.insert({ space_id: s, author_id: null, kind: 'bot', content: 'reply', parent_id: m1, mentions_all: true }, T0 + 2);
        return { f1, f2, m1, m2 };
      });
      assert.equal(f1.path, `/spaces/${s}/files/${f1.id}/one.png`);
      assert.equal(f2.size, 20);

      assert.equal(await store.write((tx) => tx.messages.addReaction(m1, b.id, '👍', T0 + 3)), true);
      assert.equal(await store.write((tx) => tx.messages.addReaction(m1, b.id, '👍', T0 + 4)), false, 'same reaction twice is a no-op');
      assert.equal(await store.write((tx) => tx.messages.addReaction(m1, c.id, '🎉', T0 + 5)), true);
      assert.equal(await store.write((tx) => tx.reads.addReceipt(m1, c.id, T0 + 6)), true);
      assert.equal(await store.write((tx) => tx.reads.addReceipt(m1, c.id, T0 + 7)), false, 'second receipt is a no-op');
      await store.write((tx) => tx.messages.setMentions(m1, [c.id])); // replaces the previous set

      const [v2, v1] = await store.read((r) => r.messages.views([m2, m1, 987_654]));
      assert.equal(v1.id, m1);
      assert.equal(v1.space_id, s);
      assert.equal(v1.space_kind, 'multi');
      assert.equal(v1.author?.id, a.id);
      assert.equal(v1.kind, 'file');
      assert.equal(v1.content, 'hi @mb');
      assert.deepEqual(v1.meta, { bot: 'x' });
      assert.deepEqual(v1.attachments.map((f) => f.id), [f2.id, f1.id], 'attachments keep the order given');
      assert.deepEqual(v1.reactions.map((r) => [r.user.id, r.emoji, r.at]), [[b.id, '👍', T0 + 3], [c.id, '🎉', T0 + 5]]);
      assert.deepEqual(v1.read_by.map((r) => [r.user.id, r.at]), [[c.id, T0 + 6]]);
      assert.deepEqual(v1.mentions, [c.id]);
      assert.equal(v1.mentions_all, false);
      assert.equal(v1.is_edited, false);
      assert.equal(v1.created_at, T0 + 1);

      assert.equal(v2.author, null);
      assert.equal(v2.parent_id, m1);
      assert.equal(v2.mentions_all, true);
      assert.deepEqual(v2.attachments, []);
      assert.equal(v2.meta, null);

      assert.equal(await store.write((tx) => tx.messages.removeReaction(m1, b.id, '👍')), true);
      assert.equal(await store.write((tx) => tx.messages.removeReaction(m1, b.id, '👍')), false);
      await store.write((tx) => tx.messages.edit(m1, 'edited', true, T0 + 8));
      const edited = await store.read((r) => r.messages.view(m1));
      assert.deepEqual(edited?.reactions.map((r) => r.emoji), ['🎉']);
      assert.equal(edited?.content, 'edited');
      assert.equal(edited?.is_edited, true);
      assert.equal(edited?.mentions_all, true);
      assert.equal(edited?.updated_at, T0 + 8);
      assert.equal(await store.read((r) => r.messages.view(424_242)), null);
      assert.deepEqual(await store.read((r) => r.messages.views([])), []);
    });
  });

  test('messages: list newest first without deleted ones, with a before cursor', async () => {
    await withStore(factory, async ({ store }) => {
      const [a] = await addUsers(store, 'la');
      const s = await addSpace(store, a);
      const ids = await store.write(async (tx) => {
        const out: number[] = [];
        for (let i = 0; i < 5; i++) out.push(await tx.messages.insert({ space_id: s, author_id: a.id, kind: 'message', content: `m${i}` }, T0 + i));
        return out;
      });
      await store.write((tx) => tx.messages.delete(ids[3], T0 + 10));
      assert.equal((await store.read((r) => r.messages.row(ids[3])))?.deleted, 1);
      assert.deepEqual((await store.read((r) => r.messages.list(s, null, 10, 'all'))).map((m) => m.id), [ids[4], ids[2], ids[1], ids[0]]);
      assert.deepEqual((await store.read((r) => r.messages.list(s, ids[2], 1, 'all'))).map((m) => m.id), [ids[1]]);
    });
  });

  test('messages: a restricted message is listed, counted unread and viewed only for its audience', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b, c] = await addUsers(store, 'ra', 'rb', 'rc');
      const s = await addSpace(store, a, [b, c]);
      const { open, secret } = await store.write(async (tx) => ({
        open: await tx.messages.insert({ space_id: s, author_id: a.id, kind: 'message', content: 'to all' }, T0 + 1),
        secret: await tx.messages.insert({ space_id: s, author_id: a.id, kind: 'message', content: 'to b', audience: [a.id, b.id] }, T0 + 2),
      }));
      const listed = (viewer: Viewer) => store.read(async (r) => (await r.messages.list(s, null, 10, viewer)).map((m) => m.id));
      assert.deepEqual(await listed({ user: b.id }), [secret, open], 'in the audience');
      assert.deepEqual(await listed({ user: c.id }), [open], 'outside the audience');
      assert.deepEqual(await listed('public'), [open]);
      assert.deepEqual(await listed('all'), [secret, open]);
      const [vOpen, vSecret] = await store.read((r) => r.messages.views([open, secret]));
      assert.equal(vOpen.audience, undefined, 'an unrestricted message has no audience field');
      assert.deepEqual(vSecret.audience, [a.id, b.id].sort((x, y) => x - y));
      const row = (await store.read((r) => r.messages.row(secret)))!;
      assert.equal(await store.read((r) => r.messages.visibleTo(row, b.id)), true);
      assert.equal(await store.read((r) => r.messages.visibleTo(row, c.id)), false);
      const unread = (u: User) => store.read(async (r) => (await r.reads.counts(u.id)).find((x) => x.space_id === s));
      assert.deepEqual(await unread(b), { space_id: s, count: 2, oldest_unread_id: open });
      assert.deepEqual(await unread(c), { space_id: s, count: 1, oldest_unread_id: open });
      // A user who leaves the space drops out of the audience its events go to.
      await store.write((tx) => tx.spaces.removeMember(s, b.id));
      assert.deepEqual((await store.read((r) => r.messages.view(secret)))?.audience, [a.id]);
    });
  });

  test('files: detach one attachment, or delete a file from every message that carries it', async () => {
    await withStore(factory, async ({ store }) => {
      const [a] = await addUsers(store, 'fa');
      const s = await addSpace(store, a);
      const { f, g, m1, m2 } = await store.write(async (tx) => {
        const f = await tx.files.insert({ space_id: s, name: 'f.bin', mimetype: 'application/octet-stream', size: 1, storage_key: 'kf', uploaded_by: a.id }, T0);
        const g = await tx.files.insert({ space_id: s, name: 'g.bin', mimetype: 'application/octet-stream', size: 2, storage_key: 'kg', uploaded_by: null }, T0);
        const m1 = await tx.messages.insert({ space_id: s, author_id: a.id, kind: 'file', content: '' }, T0);
        const m2 = await tx.messages.insert({ space_id: s, author_id: a.id, kind: 'file', content: '' }, T0);
        await tx.files.attach(m1, [f.id, g.id]);
        await tx.files.attach(m2, [f.id]);
        return { f, g, m1, m2 };
      });
      assert.equal(await store.write((tx) => tx.files.detach(m1, g.id)), true);
      assert.equal(await store.write((tx) => tx.files.detach(m1, g.id)), false);
      assert.equal((await store.read((r) => r.files.get(g.id)))?.deleted, false, 'detaching does not delete the file');

      assert.deepEqual(sorted(await store.write((tx) => tx.files.delete(f.id))), sorted([m1, m2]));
      const stored = await store.read((r) => r.files.get(f.id));
      assert.equal(stored?.deleted, true);
      assert.equal(stored?.storage_key, 'kf');
      const views = await store.read((r) => r.messages.views([m1, m2]));
      assert.deepEqual(views.map((v) => v.attachments.length), [0, 0]);
    });
  });

  // -- unread ---------------------------------------------------------------------------------------
  test('unread: per space and total, oldest unread id, receipts, own messages, deleted messages and mark-all-read', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b, c] = await addUsers(store, 'ua', 'ub', 'uc');
      const s1 = await addSpace(store, a, [b, c], 's1');
      const s2 = await addSpace(store, c, [b], 's2');
      const post = (space: number, author: number | null) =>
        store.write((tx) => tx.messages.insert({ space_id: space, author_id: author, kind: 'message', content: 'x' }, T0));
      const m1 = await post(s1, a.id);
      const m2 = await post(s1, a.id);
      const m3 = await post(s1, b.id);
      const m4 = await post(s1, null); // system message: unread for everyone
      const n1 = await post(s2, c.id);

      const unreadOf = async (userId: number) =>
        (await store.read((r) => r.reads.counts(userId))).sort((x, y) => x.space_id - y.space_id).map((u) => [u.space_id, u.count, u.oldest_unread_id]);

      assert.deepEqual(await unreadOf(a.id), [[s1, 2, m3]], "the author's own messages are never unread");
      assert.deepEqual(await unreadOf(b.id), [[s1, 3, m1], [s2, 1, n1]]);
      assert.deepEqual(await unreadOf(c.id), [[s1, 4, m1]]);
      assert.deepEqual(await store.read((r) => r.reads.unread(b.id, s1)), { user_id: b.id, space_id: s1, space_unread: 3, total_unread: 4, oldest_unread_id: m1 });

      await store.write((tx) => tx.reads.addReceipt(m1, b.id, T0));
      assert.deepEqual(await unreadOf(b.id), [[s1, 2, m2], [s2, 1, n1]], 'a receipt reads one message');

      await store.write((tx) => tx.messages.delete(m2, T0));
      assert.deepEqual(await unreadOf(b.id), [[s1, 1, m4], [s2, 1, n1]], 'deleted messages are not counted');

      await store.write((tx) => tx.reads.markAllRead(s1, b.id));
      assert.deepEqual(await unreadOf(b.id), [[s2, 1, n1]]);
      assert.deepEqual(await store.read((r) => r.reads.unread(b.id, s1)), { user_id: b.id, space_id: s1, space_unread: 0, total_unread: 1, oldest_unread_id: 0 });
      assert.deepEqual(await unreadOf(c.id), [[s1, 3, m1]], "mark-all-read is per user: c still has m1, m3, m4");

      const m5 = await post(s1, a.id);
      assert.deepEqual(await unreadOf(b.id), [[s1, 1, m5], [s2, 1, n1]], 'messages after mark-all-read are unread');

      await store.write((tx) => tx.reads.markAllRead(s2, b.id));
      await store.write((tx) => tx.reads.markAllRead(s1, b.id));
      assert.deepEqual(await unreadOf(b.id), []);
      assert.deepEqual(await store.read((r) => r.reads.unread(b.id, s1)), { user_id: b.id, space_id: s1, space_unread: 0, total_unread: 0, oldest_unread_id: 0 });
    });
  });

  // -- inbox ----------------------------------------------------------------------------------------
  test('inbox: read dates from single reads and "all read" marks; the first read date is kept', async () => {
    await withStore(factory, async ({ store }) => {
      const [u, v] = await addUsers(store, 'ina', 'inb');
      assert.equal(await store.write((tx) => tx.inbox.markRead(u.id, [5, 7, 7], T0)), 2, 'each message once');
      assert.equal(await store.write((tx) => tx.inbox.markRead(u.id, [7, 9], T0 + 1)), 1, 'already read ones are kept');
      assert.equal(await store.write((tx) => tx.inbox.markAllRead(u.id, 8, T0 + 2)), true);
      assert.equal(await store.write((tx) => tx.inbox.markAllRead(u.id, 8, T0 + 3)), false, 'a mark covered by an earlier one is not added');
      assert.equal(await store.write((tx) => tx.inbox.markAllRead(u.id, 20, T0 + 4)), true);
      const dates = await store.read((r) => r.inbox.readDates(u.id, [1, 5, 7, 8, 9, 15, 21]));
      assert.deepEqual([...dates].sort((a, b) => a[0] - b[0]), [[1, T0 + 2], [5, T0], [7, T0], [8, T0 + 2], [9, T0 + 1], [15, T0 + 4]]);
      assert.equal(await store.write((tx) => tx.inbox.markRead(u.id, [3, 21], T0 + 5)), 1, 'messages under a mark are read already');
      assert.deepEqual(await store.read((r) => r.inbox.marks(u.id)), [{ through: 8, read_at: T0 + 2 }, { through: 20, read_at: T0 + 4 }]);
      assert.equal((await store.read((r) => r.inbox.readDates(v.id, [5, 15]))).size, 0, 'read state is per user');
    });
  });
});
