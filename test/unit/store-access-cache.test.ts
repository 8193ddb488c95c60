// The writer's cache of permission reads (store/access-cache.ts) stays exact: after every kind of change
// to a space, a membership or a user (through the repositories, through a statement no repository
// mirrors, in a write that is rolled back), what a command's check reads inside a write equals what the
// database holds. Both drivers; PostgreSQL as a single node (the only setting that caches there), and the
// lock that keeps a single node alone on its database.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store.js';
import type { Repo } from '../../src/store/repo.js';
import { freshDatabase, type FreshDatabase } from '../helpers/databases.js';
import { requireServices } from '../helpers/services.js';

const T0 = 1_700_000_000_000;
const pgSkip = await requireServices('postgres');
const pgDbs: FreshDatabase[] = [];
after(async () => {
  for (const d of pgDbs) await d.drop();
});

const drivers: [string, () => Promise<Store>, string | undefined][] = [
  ['sqlite', () => openStore('sqlite::memory:'), undefined],
  [
    'postgres',
    async () => {
      const db = await freshDatabase('herald_cache');
      pgDbs.push(db);
      return openStore(db.url, { singleNode: true });
    },
    pgSkip,
  ],
];

for (const [name, open, skip] of drivers) {
  describe(`writer's access cache: ${name}`, { skip }, () => {
    test('after every kind of change, the check inside a write reads what the database holds', async () => {
      const store = await open();
      try {
        const { a, b, s } = await store.write(async (tx) => {
          const a = await tx.users.insert({ username: 'ca', email: 'ca@example.test', password_hash: 'h', display_name: 'Ann' }, T0);
          const b = await tx.users.insert({ username: 'cb', email: 'cb@example.test', password_hash: 'h', display_name: 'Bob' }, T0);
          const s = await tx.spaces.insert({ name: 'team', kind: 'multi', access: 'open', owner_id: a.id, created_by: a.id }, T0);
          await tx.spaces.addMember(s, a.id, 'owner', T0);
          await tx.spaces.addMember(s, b.id, 'member', T0);
          return { a: a.id, b: b.id, s };
        });
        /** The writer's read (cached from the second time on) against a plain read of the database. */
        const agrees = async (what: string) => {
          for (const user of [a, b]) {
            const inWriter = await store.write((tx) => tx.spaces.access(s, user));
            const inWriterAgain = await store.write((tx) => tx.spaces.access(s, user));
            const inDb = await store.read((r) => r.spaces.access(s, user));
            assert.deepEqual(inWriter, inDb, `${what}: user ${user}`);
            assert.deepEqual(inWriterAgain, inDb, `${what}: user ${user}, read again`);
          }
        };
        const change = async (what: string, fn: (tx: Repo) => Promise<unknown>) => {
          await agrees(`before ${what}`);
          await store.write(fn);
          await agrees(what);
        };

        await change('a post touches the space', (tx) => tx.messages.post({ space_id: s, author_id: a, kind: 'message', content: 'hi' }, T0 + 10));
        await change('the activity flush touches a user', (tx) => tx.users.touch(b, T0 + 20));
        await change('all read', async (tx) => assert.equal(await tx.reads.markAllRead(s, b), true, 'a message was unread'));
        await change('a role changes', (tx) => tx.spaces.setRole(s, b, 'manager'));
        await change('a member leaves', (tx) => tx.spaces.removeMember(s, b));
        await change('a member joins', (tx) => tx.spaces.addMember(s, b, 'member', T0 + 30));
        await change('the space is renamed', (tx) => tx.spaces.update(s, { name: 'renamed' }, T0 + 40));
        await change('a profile changes', (tx) => tx.users.update(a, { display_name: 'Anne' }, T0 + 50));
        await change('the space is deleted', (tx) => tx.spaces.update(s, { deleted: true }, T0 + 60));
        await change('a statement no repository mirrors', (tx) => sql`update members set role = 'owner' where user_id = ${b}`.execute(tx.db));
        assert.equal((await store.read((r) => r.spaces.access(s, b)))?.role, 'owner');

        // A write that changes a role and then fails: alone, and in a batch with writes that succeed.
        await assert.rejects(
          store.write(async (tx) => {
            await tx.spaces.setRole(s, b, 'member');
            assert.equal((await tx.spaces.access(s, b))?.role, 'member', 'the write sees its own change');
            throw new Error('refused');
          }),
          /refused/,
        );
        await agrees('after a lone write rolled back');
        const batch = await Promise.allSettled([
          store.write((tx) => tx.spaces.access(s, a)),
          store.write(async (tx) => {
            await tx.spaces.setRole(s, b, 'member');
            await tx.spaces.access(s, b);
            throw new Error('refused');
          }),
          store.write((tx) => tx.spaces.access(s, b)),
        ]);
        assert.deepEqual(
          batch.map((r) => r.status),
          ['fulfilled', 'rejected', 'fulfilled'],
        );
        assert.equal((batch[2] as PromiseFulfilledResult<Awaited<ReturnType<Repo['spaces']['access']>>>).value?.role, 'owner', 'a later write in the batch does not see the rolled-back role');
        await agrees('after a write in a batch rolled back');
      } finally {
        await store.close();
      }
    });
  });
}

// The cache is exact only if no other process writes: a single node (no NATS) shares its PostgreSQL
// database with no other node, of either kind (store/node-lock.ts).
describe('node lock: postgres', { skip: pgSkip }, () => {
  test('a single node shares its database with no other node; cluster nodes share it with each other', async () => {
    const db = await freshDatabase('herald_nodelock');
    pgDbs.push(db);
    const open = (singleNode: boolean) => openStore(db.url, { singleNode, nodeLockWaitMs: 300 });
    const single = await open(true);
    await assert.rejects(open(true), /another Herald process is using this database: a process without HERALD_NATS_URL must be its only one/);
    await assert.rejects(open(false), /a Herald process without HERALD_NATS_URL is using this database/);
    await single.close();
    const [n1, n2] = [await open(false), await open(false)];
    await assert.rejects(open(true), /another Herald process is using this database/);
    await n1.close();
    await assert.rejects(open(true), /another Herald process/, 'one cluster node is enough to keep a single node out');
    await n2.close();
    const again = await open(true);
    // The lock is per schema: another schema of the same database is another Herald database.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('create schema other');
    await client.end();
    const u = new URL(db.url);
    u.searchParams.set('options', '-c search_path=other');
    const elsewhere = await openStore(u.toString(), { singleNode: true, nodeLockWaitMs: 300 });
    await elsewhere.close();
    await again.close();
  });

  test('a node whose lock connection is cut refuses writes until it holds the lock again', async () => {
    const db = await freshDatabase('herald_nodelock');
    pgDbs.push(db);
    const store = await openStore(db.url, { singleNode: true, nodeLockWaitMs: 300 });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const write = () => store.write(async (tx) => (await tx.users.insert({ username: `u${Date.now()}${Math.random()}`.replace('.', ''), email: `${Math.random()}@example.test`, password_hash: 'h', display_name: 'U' }, T0)).id);
      await write();
      const { rowCount } = await admin.query(`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database()) and pid <> pg_backend_pid()`);
      assert.equal(rowCount, 1, 'one connection holds the node lock');
      const until = async (what: string, ok: () => Promise<boolean>) => {
        for (const t0 = Date.now(); !(await ok()); await new Promise((r) => setTimeout(r, 100))) if (Date.now() - t0 > 8000) assert.fail(what);
      };
      await until('writes are refused once the lock is lost', () => write().then(() => false, (e: unknown) => /lost its database lock/.test(String(e))));
      await until('writes go through again once the lock is held again', () => write().then(() => true, () => false));
      await assert.rejects(openStore(db.url, { singleNode: false, nodeLockWaitMs: 300 }), /without HERALD_NATS_URL is using this database/, 'held again');
    } finally {
      await admin.end();
      await store.close();
    }
  });
});
