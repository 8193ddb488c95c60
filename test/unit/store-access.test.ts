// The post path's one-statement permission read (spaces.access) and the compiled-once statements
// (store/fast.ts), on both drivers: same answers as the separate reads they replace.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../../src/store/store.js';
import { runCompiled } from '../../src/store/fast.js';
import { freshDatabase, type FreshDatabase } from '../helpers/databases.js';
import { requireServices } from '../helpers/services.js';

const T0 = 1_700_000_000_000;
const pgSkip = await requireServices('postgres');
let pgDb: FreshDatabase | null = null;
after(() => pgDb?.drop());

const drivers: [string, () => Promise<Store>, string | undefined][] = [
  ['sqlite', () => openStore('sqlite::memory:'), undefined],
  ['postgres', async () => openStore((pgDb ??= await freshDatabase('herald_access')).url), pgSkip],
];

for (const [name, open, skip] of drivers) {
  describe(`store access read: ${name}`, { skip }, () => {
    test('role, summary and the user snapshot in one read, as the separate reads give them', async () => {
      const store = await open();
      try {
        const tag = Date.now().toString(36);
        const { a, b, s } = await store.write(async (tx) => {
          const a = await tx.users.insert({ username: `aa${tag}`, email: `aa${tag}@example.test`, password_hash: 'h', display_name: 'Ann' }, T0);
          const b = await tx.users.insert({ username: `bb${tag}`, email: `bb${tag}@example.test`, password_hash: 'h', display_name: 'Bob' }, T0);
          const s = await tx.spaces.insert({ name: 'team', kind: 'multi', access: 'open', owner_id: a.id, created_by: a.id }, T0);
          await tx.spaces.addMember(s, a.id, 'owner', T0);
          return { a, b, s };
        });
        await store.read(async (r) => {
          const member = await r.spaces.access(s, a.id);
          assert.deepEqual(member, { space: await r.spaces.summary(s), role: 'owner', user: await r.users.ref(a.id) });
          const outsider = await r.spaces.access(s, b.id);
          assert.equal(outsider?.role, null, 'a non-member has no role');
          assert.deepEqual(outsider?.user, await r.users.ref(b.id));
          assert.equal((await r.spaces.access(s, 999_999))?.user, null, 'no account: no snapshot');
          assert.equal(await r.spaces.access(999_999, a.id), null, 'no space: nothing');
        });
      } finally {
        await store.close();
      }
    });

    test('a compiled-once statement refuses parameters given in another order than it binds them', async () => {
      const store = await open();
      try {
        await store.read(async (r) => {
          const build = () => r.db.selectFrom('meta').select('value').where('key', '=', 'epoch').where('value', '!=', 'x');
          await assert.rejects(runCompiled(r.db, `test.order.${name}`, ['x', 'epoch'], build), /not bound in the order given/);
          await assert.rejects(runCompiled(r.db, `test.undefined.${name}`, ['epoch', undefined], build), /undefined/);
          const { rows } = await runCompiled(r.db, `test.ok.${name}`, ['epoch', 'x'], build);
          assert.equal(rows.length, 1);
          // Reused with other values: the cached text, new parameters.
          assert.equal((await runCompiled(r.db, `test.ok.${name}`, ['no-such-key', 'x'], build)).rows.length, 0);
        });
      } finally {
        await store.close();
      }
    });
  });
}
