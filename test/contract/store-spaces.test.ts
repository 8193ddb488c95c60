// Store contract, spaces and what lives in them: members and roles, 1-to-1 spaces, file locks, actions,
// alerts and the content tree's stored files. The harness and fixtures are in store-harness.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileView } from '../../src/core/model.js';
import { T0, withStore, addUsers, addSpace, sorted, storeContract } from './store-harness.js';

await storeContract((factory) => {
  // -- spaces and members -------------------------------------------------------------------------
  test('spaces: members with roles, role changes, removal, listing and soft delete', async () => {
    await withStore(factory, async ({ store }) => {
      const [owner, m1, m2, outsider] = await addUsers(store, 'own', 'mem1', 'mem2', 'out');
      const s = await store.write(async (tx) => {
        const id = await tx.spaces.insert({ name: 'team', description: 'd', kind: 'multi', access: 'on_request', owner_id: owner.id, created_by: owner.id }, T0);
        await tx.spaces.addMember(id, owner.id, 'owner', T0);
        await tx.spaces.addMember(id, m1.id, 'member', T0 + 1);
        await tx.spaces.addMember(id, m2.id, 'reader', T0 + 2);
        return id;
      });
      const view = await store.read((r) => r.spaces.view(s));
      assert.ok(view);
      assert.equal(view.name, 'team');
      assert.equal(view.access, 'on_request');
      assert.equal(view.kind, 'multi');
      assert.equal(view.deleted, false);
      assert.deepEqual(view.members.map((m) => [m.user.id, m.role]), [[owner.id, 'owner'], [m1.id, 'member'], [m2.id, 'reader']]);

      assert.equal(await store.read((r) => r.spaces.role(s, m2.id)), 'reader');
      assert.equal(await store.read((r) => r.spaces.role(s, outsider.id)), null);
      assert.deepEqual(sorted(await store.read((r) => r.spaces.memberIds(s))), sorted([owner.id, m1.id, m2.id]));
      assert.deepEqual(sorted(await store.read((r) => r.spaces.peersOf(m1.id))), sorted([owner.id, m1.id, m2.id]));
      assert.deepEqual(await store.read((r) => r.spaces.peersOf(outsider.id)), []);

      await store.write((tx) => tx.spaces.setRole(s, m2.id, 'manager'));
      assert.equal(await store.read((r) => r.spaces.role(s, m2.id)), 'manager');

      await store.write((tx) => tx.spaces.removeMember(s, m1.id));
      assert.equal(await store.read((r) => r.spaces.role(s, m1.id)), null);
      assert.deepEqual(sorted(await store.read((r) => r.spaces.memberIds(s))), sorted([owner.id, m2.id]));

      const s2 = await addSpace(store, m2, [], 'second');
      assert.deepEqual(await store.read((r) => r.spaces.idsOf(m2.id)), sorted([s, s2]));
      await store.write((tx) => tx.spaces.update(s2, { name: 'renamed', access: 'confidential' }, T0 + 3));
      const renamed = await store.read((r) => r.spaces.view(s2));
      assert.equal(renamed?.name, 'renamed');
      assert.equal(renamed?.access, 'confidential');
      assert.equal(renamed?.updated_at, T0 + 3);

      await store.write((tx) => tx.spaces.update(s2, { deleted: true }, T0 + 4));
      assert.equal((await store.read((r) => r.spaces.view(s2)))?.deleted, true);
      assert.deepEqual(await store.read((r) => r.spaces.idsOf(m2.id)), [s], 'deleted spaces are not listed');
      assert.equal(await store.read((r) => r.spaces.view(123_456)), null);
    });
  });

  test('spaces: one live 1-to-1 space per pair key; deleting it frees the key', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b] = await addUsers(store, 'pa', 'pb');
      const key = `${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}`;
      const d = await store.write((tx) => tx.spaces.insert({ name: 'dm', kind: 'direct', access: 'confidential', owner_id: a.id, created_by: a.id, direct_key: key }, T0));
      assert.equal(await store.read((r) => r.spaces.direct(key)), d);
      await assert.rejects(store.write((tx) => tx.spaces.insert({ name: 'dm2', kind: 'direct', access: 'confidential', owner_id: a.id, created_by: a.id, direct_key: key }, T0)));
      await store.write((tx) => tx.spaces.update(d, { deleted: true }, T0));
      assert.equal(await store.read((r) => r.spaces.direct(key)), null);
      const d2 = await store.write((tx) => tx.spaces.insert({ name: 'dm3', kind: 'direct', access: 'confidential', owner_id: a.id, created_by: a.id, direct_key: key }, T0));
      assert.equal(await store.read((r) => r.spaces.direct(key)), d2);
    });
  });

  // -- locks, actions, alerts -----------------------------------------------------------------------
  test('locks: one lock per file, readable with its path, released by delete', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b] = await addUsers(store, 'ka', 'kb');
      const s = await addSpace(store, a, [b]);
      const file: FileView = await store.write((tx) => tx.files.insert({ space_id: s, name: 'doc.md', mimetype: 'text/markdown', size: 3, storage_key: 'kd', uploaded_by: a.id }, T0));
      assert.equal(await store.read((r) => r.files.lock(file.id)), null);
      const lock = await store.write((tx) => tx.files.insertLock(file, a.id, T0 + 1));
      assert.deepEqual(await store.read((r) => r.files.lock(file.id)), { id: lock.id, file_id: file.id, space_id: s, user_id: a.id, acquired_at: T0 + 1, path: file.path });
      await assert.rejects(store.write((tx) => tx.files.insertLock(file, b.id, T0 + 2)), 'a second lock on the same file is rejected');
      assert.equal((await store.read((r) => r.files.lock(file.id)))?.user_id, a.id);
      await store.write((tx) => tx.files.deleteLock(lock.id));
      assert.equal(await store.read((r) => r.files.lock(file.id)), null);
      const relock = await store.write((tx) => tx.files.insertLock(file, b.id, T0 + 3));
      assert.equal((await store.read((r) => r.files.lock(file.id)))?.id, relock.id);
    });
  });

  test('actions: create, list in order, patch, and soft delete', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b] = await addUsers(store, 'aa', 'ab');
      const s = await addSpace(store, a, [b]);
      const x = await store.write((tx) => tx.actions.insert({ space_id: s, name: 'first', description: 'do it', type: 1, status: 0, due_at: T0 + 100, assignee_id: b.id, created_by: a.id }, T0));
      const y = await store.write((tx) => tx.actions.insert({ space_id: s, name: 'second', description: '', type: 2, status: 0, due_at: null, assignee_id: null, created_by: b.id }, T0));
      assert.deepEqual(await store.read((r) => r.actions.get(x.id)), x);
      assert.equal(x.due_at, T0 + 100);
      assert.equal(x.updated_at, null);
      assert.deepEqual((await store.read((r) => r.actions.list(s))).map((v) => v.id), [x.id, y.id]);

      await store.write((tx) => tx.actions.update(x.id, { status: 1, assignee_id: null, name: 'first!' }, b.id, T0 + 5));
      const patched = await store.read((r) => r.actions.get(x.id));
      assert.equal(patched?.status, 1);
      assert.equal(patched?.assignee_id, null);
      assert.equal(patched?.name, 'first!');
      assert.equal(patched?.description, 'do it', 'fields not in the patch are kept');
      assert.equal(patched?.updated_by, b.id);
      assert.equal(patched?.updated_at, T0 + 5);

      await store.write((tx) => tx.actions.delete(y.id));
      assert.equal(await store.read((r) => r.actions.get(y.id)), null);
      assert.deepEqual((await store.read((r) => r.actions.list(s))).map((v) => v.id), [x.id]);
    });
  });

  test('alerts: newest first, per user, limited, with the sender resolved', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b, c] = await addUsers(store, 'xa', 'xb', 'xc');
      const s = await addSpace(store, a, [b, c]);
      const m = await store.write((tx) => tx.messages.insert({ space_id: s, author_id: a.id, kind: 'message', content: 'hey' }, T0));
      const aRef = (await store.read((r) => r.users.refs([a.id]))).get(a.id)!;
      const first = await store.write((tx) => tx.alerts.insert({ user_id: b.id, kind: 'mention', from: aRef, space_id: s, message_id: m, text: 'hey' }, T0 + 1));
      const second = await store.write((tx) => tx.alerts.insert({ user_id: b.id, kind: 'quote', from: null, space_id: s, message_id: m, text: 'q' }, T0 + 2));
      await store.write((tx) => tx.alerts.insert({ user_id: c.id, kind: 'reaction', from: aRef, space_id: s, message_id: m, text: 'r' }, T0 + 3));

      const forB = await store.read((r) => r.alerts.list(b.id, 10));
      assert.deepEqual(forB, [second, first]);
      assert.equal(forB[1].from?.id, a.id);
      assert.equal(forB[1].is_read, false);
      assert.deepEqual((await store.read((r) => r.alerts.list(b.id, 1))).map((x) => x.id), [second.id]);
      assert.deepEqual((await store.read((r) => r.alerts.list(c.id, 10))).map((x) => x.kind), ['reaction']);
      assert.deepEqual(await store.read((r) => r.alerts.list(a.id, 10)), []);
    });
  });

  test('content: stored files are found by key while any content points at them; deleted ones after a cutoff', async () => {
    await withStore(factory, async ({ store }) => {
      const [o] = await addUsers(store, 'cfo');
      const s = await addSpace(store, o, [], 'files');
      const file = (key: string) => ({ space_id: s, parent_id: null, type: 'file' as const, label: key, raw_content: '', file_extension: '.txt', storage_key: key, author_id: o.id });
      const [a, b] = await store.write(async (tx) => [await tx.content.insert(file('k-a'), T0), await tx.content.insert(file('k-a'), T0)]);
      assert.equal(await store.read((r) => r.content.storageInUse('k-a')), true);
      await store.write((tx) => tx.content.update(a, { deleted: 1 }, T0 + 10));
      assert.deepEqual(await store.read((r) => r.content.trashedFiles(T0 + 10)), [], 'deleted at the cutoff: kept');
      assert.deepEqual(await store.read((r) => r.content.trashedFiles(T0 + 11)), [{ id: a, storage_key: 'k-a' }]);
      await store.write((tx) => tx.content.dropStorage(a));
      assert.equal(await store.read((r) => r.content.storageInUse('k-a')), true, 'the copy still points at it');
      await store.write((tx) => tx.content.dropStorage(b));
      assert.equal(await store.read((r) => r.content.storageInUse('k-a')), false);
      assert.equal((await store.read((r) => r.content.view(a)))?.is_deleted, true);
    });
  });
});
