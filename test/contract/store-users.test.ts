// Store contract, users: the store's epoch, user rows, logins and credential generations (and, PostgreSQL
// only, a store per schema). The harness and fixtures are in store-harness.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../../src/store/store.js';
import { T0, withStore, addUsers, custom, appendOne, sorted, storeContract, postgresSkip, pgRun } from './store-harness.js';

await storeContract((factory) => {
  // -- meta --------------------------------------------------------------------------------------
  test('epoch is stable for a store and differs between fresh databases', async () => {
    let first = '';
    await withStore(factory, async ({ store }) => {
      first = await store.epoch();
      assert.match(first, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(await store.epoch(), first);
    });
    await withStore(factory, async ({ store }) => assert.notEqual(await store.epoch(), first));
  });

  // -- users -------------------------------------------------------------------------------------
  test('users: insert stores the email lower-cased and lookups by email ignore case', async () => {
    await withStore(factory, async ({ store }) => {
      const u = await store.write((tx) => tx.users.insert({ username: 'Alice', email: 'Alice@Example.COM', password_hash: 'h1', display_name: 'Alice A' }, T0));
      assert.equal(u.email, 'alice@example.com');
      assert.equal(u.username, 'Alice');
      assert.equal(u.is_admin, false);
      assert.equal(u.deleted, false);
      assert.equal(u.created_at, T0);

      const byEmail = await store.read((r) => r.users.credentials('ALICE@example.com'));
      assert.equal(byEmail?.user.id, u.id);
      assert.equal(byEmail?.password_hash, 'h1');
      assert.equal((await store.read((r) => r.users.credentials('Alice')))?.user.id, u.id, 'login by username');
      assert.equal(await store.read((r) => r.users.credentials('nobody@example.com')), null);

      assert.equal(await store.read((r) => r.users.exists('alice@EXAMPLE.com', 'someone-else')), true, 'email taken, any case');
      assert.equal(await store.read((r) => r.users.exists('new@example.com', 'Alice')), true, 'username taken');
      assert.equal(await store.read((r) => r.users.exists('new@example.com', 'bob')), false);

      assert.deepEqual(await store.read((r) => r.users.get(u.id)), u);
      assert.equal(await store.read((r) => r.users.get(u.id + 1000)), null);
    });
  });

  test('users: duplicate email (any case) or username is rejected by the database', async () => {
    await withStore(factory, async ({ store }) => {
      await store.write((tx) => tx.users.insert({ username: 'carol', email: 'carol@example.com', password_hash: 'h', display_name: 'C' }, T0));
      await assert.rejects(store.write((tx) => tx.users.insert({ username: 'carol2', email: 'CAROL@example.com', password_hash: 'h', display_name: 'C' }, T0)));
      await assert.rejects(store.write((tx) => tx.users.insert({ username: 'carol', email: 'other@example.com', password_hash: 'h', display_name: 'C' }, T0)));
    });
  });

  test('users: refs by id, by username (case-insensitive), profile updates and activity', async () => {
    await withStore(factory, async ({ store }) => {
      const [a, b] = await addUsers(store, 'dave', 'Erin');
      const refs = await store.read((r) => r.users.refs([a.id, b.id, a.id, 99_999]));
      assert.deepEqual(sorted([...refs.keys()]), sorted([a.id, b.id]));
      assert.equal(refs.get(b.id)?.username, 'Erin');
      assert.equal((await store.read((r) => r.users.refs([]))).size, 0);

      const named = await store.read((r) => r.users.byUsername(['erin', 'nobody']));
      assert.deepEqual(named.map((u) => u.id), [b.id]);

      await store.write((tx) => tx.users.update(a.id, { display_name: 'Dave D', has_avatar: true }, T0 + 5));
      await store.write((tx) => tx.users.touch(a.id, T0 + 9));
      const after = await store.read((r) => r.users.get(a.id));
      assert.equal(after?.display_name, 'Dave D');
      assert.equal(after?.has_avatar, true);
      assert.equal(after?.updated_at, T0 + 5);
      assert.equal(after?.last_active_at, T0 + 9);
    });
  });

  test('users: credential generation moves on with each password change; logged-out tokens are kept until their expiry, then pruned', async () => {
    await withStore(factory, async ({ store, peer }) => {
      const [a, b] = await addUsers(store, 'gen-a', 'gen-b');
      const maybe = (id: number, ids: string[] = []) => store.read((r) => r.users.authState(id, ids));
      const state = async (id: number, ids: string[] = []) => (await maybe(id, ids)) ?? assert.fail(`no user ${id}`);
      assert.deepEqual(await state(a.id), { username: 'gen-a', deleted: false, generation: 0, revoked: false });
      assert.equal(await maybe(a.id + 1000), null);
      assert.equal((await store.read((r) => r.users.credentials('gen-a@example.test')))?.token_generation, 0);

      assert.equal(await store.write((tx) => tx.users.setPassword(a.id, 'new-hash')), 1);
      assert.equal(await store.write((tx) => tx.users.setPassword(a.id, 'newer-hash')), 2);
      const creds = await store.read((r) => r.users.credentialsById(a.id));
      assert.deepEqual([creds?.password_hash, creds?.token_generation, creds?.user.id], ['newer-hash', 2, a.id]);
      assert.equal((await store.read((r) => r.users.credentials('gen-a')))?.token_generation, 2, 'read with the hash at login');
      assert.equal((await state(b.id)).generation, 0, 'other users keep theirs');

      await store.write((tx) => tx.users.revokeToken('jti-1', a.id, T0 + 1000, T0));
      await store.write((tx) => tx.users.revokeToken('jti-1', a.id, T0 + 1000, T0)); // twice: no error
      assert.equal((await state(a.id, ['jti-1'])).revoked, true);
      assert.equal((await state(a.id, ['jti-2', 'jti-1'])).revoked, true, 'the token or its session');
      assert.equal((await state(a.id, ['jti-2'])).revoked, false);
      assert.equal((await state(a.id, [])).revoked, false);
      assert.equal(await store.read((r) => r.users.isRevoked('jti-1')), true);

      // A token already past its expiry is not stored; a later write prunes rows past theirs.
      await store.write((tx) => tx.users.revokeToken('jti-old', a.id, T0 + 1500, T0 + 2000));
      assert.equal(await store.read((r) => r.users.isRevoked('jti-old')), false);
      assert.equal(await store.read((r) => r.users.isRevoked('jti-1')), false, 'pruned: expired at T0+1000');
      await store.write((tx) => tx.users.revokeToken('jti-3', b.id, T0 + 9000, T0 + 2000));
      assert.equal((await state(b.id, ['jti-3'])).revoked, true);
      assert.equal((await store.read((r) => r.db.selectFrom('revoked_tokens').select('jti').execute())).length, 1);

      await store.write((tx) => tx.users.setDeleted(b.id, true, T0 + 3));
      assert.equal((await state(b.id, ['jti-3'])).deleted, true);

      // Another node reads the same rows: a revocation holds on every node.
      if (peer) {
        const other = await peer();
        assert.deepEqual(await other.read((r) => r.users.authState(b.id, ['jti-3'])), { username: 'gen-b', deleted: true, generation: 0, revoked: true });
        assert.equal((await other.read((r) => r.users.authState(a.id, [])))?.generation, 2);
      }
    }, { peers: true });
  });
});

// Postgres only: a store must migrate inside the schema its URL's search_path names, even when another schema
// of the same database already holds a migrated Herald (schema-per-tenant deployments, shared CI servers).
describe('store: postgres schemas', { skip: await postgresSkip() }, () => {
  test('two stores in two schemas of one database both migrate and stay independent', async () => {
    const one = await pgRun.schema();
    const two = await pgRun.schema();
    const opened: Store[] = [];
    try {
      const first = await openStore(one.url);
      opened.push(first);
      await addUsers(first, 'tenant1');
      const second = await openStore(two.url);
      opened.push(second);
      assert.notEqual(await second.epoch(), await first.epoch());
      assert.equal(await second.read((r) => r.users.credentials('tenant1@example.test')), null, 'schemas do not share rows');
      await addUsers(second, 'tenant2');
      assert.equal((await appendOne(second, custom(null, 'x'))).id, 1);
    } finally {
      for (const s of opened) await s.close().catch(() => undefined);
      await one.drop();
      await two.drop();
    }
  });
});
