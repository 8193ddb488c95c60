// Store contract: one suite, run against every driver (SQLite and PostgreSQL). It pins down what the
// service, the gateway and the pruner rely on, through the public Store/Repo API only.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store.js';
import type { Repo } from '../../src/store/repo.js';
import type { Viewer } from '../../src/store/messages.js';
import type { Delivered, HeraldEvent } from '../../src/events/types.js';
import type { FileView, MemberView, SpaceView, User } from '../../src/core/model.js';
import { PG_URL } from '../helpers/server.js';
import { requireServices } from '../helpers/services.js';

// ---- harness --------------------------------------------------------------------------------------

/** A fresh, isolated store; `peer` opens a second Store on the same database (another node), when the driver supports several nodes. */
interface Harness {
  store: Store;
  peer?: () => Promise<Store>;
  close(): Promise<void>;
}

type Factory = () => Promise<Harness>;

const T0 = 1_700_000_000_000;

async function withStore(factory: Factory, fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await factory();
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

// ---- fixtures -------------------------------------------------------------------------------------

let userSeq = 0;
async function addUsers(store: Store, ...names: string[]): Promise<User[]> {
  return store.write(async (tx) => {
    const out: User[] = [];
    for (const name of names) {
      out.push(await tx.users.insert({ username: name, email: `${name}@example.test`, password_hash: `hash-${name}`, display_name: `${name} ${++userSeq}` }, T0));
    }
    return out;
  });
}

async function addSpace(store: Store, owner: User, members: User[] = [], name = 'general'): Promise<number> {
  return store.write(async (tx) => {
    const id = await tx.spaces.insert({ name, kind: 'multi', access: 'open', owner_id: owner.id, created_by: owner.id }, T0);
    await tx.spaces.addMember(id, owner.id, 'owner', T0);
    for (const m of members) await tx.spaces.addMember(id, m.id, 'member', T0 + 1);
    return id;
  });
}

const custom = (space_id: number | null, tag: string): HeraldEvent => ({ type: 'custom.test', data: { space_id, payload: { tag }, actor_id: null } });

const personal = (userId: number): HeraldEvent => ({
  type: 'unread.updated',
  data: { unread: { user_id: userId, space_id: 0, space_unread: 0, total_unread: 0, oldest_unread_id: 0 }, all_read: false },
});

type Resolved = Delivered & { recipients: number[] };

/**
 * An appended event with the recipients a node resolves for it: the explicit users the log stored, plus
 * the space's members and every user as of the append (read in the same transaction, as the node's
 * membership index holds them at that position).
 */
async function resolved(tx: Repo, d: Delivered): Promise<Resolved> {
  const out = new Set(d.explicit);
  if (d.audience.space !== undefined) for (const u of await tx.spaces.memberIds(d.audience.space)) out.add(u);
  if (d.audience.all) for (const r of await tx.db.selectFrom('users').select('id').where('deleted', '=', 0).execute()) out.add(Number(r.id));
  return { ...d, recipients: [...out] };
}

async function appendOne(store: Store, ev: HeraldEvent, at = T0): Promise<Resolved> {
  return store.write(async (tx) => resolved(tx, await tx.append(ev, at)));
}

async function feedIds(store: Store, userId: number, after = 0, limit = 1000): Promise<number[]> {
  return (await store.read((r) => r.feed(userId, after, limit))).map((e) => e.id);
}

async function allEventIds(store: Store): Promise<number[]> {
  const rows = await store.read((r) => r.db.selectFrom('events').select('id').orderBy('id').execute());
  return rows.map((r) => Number(r.id));
}

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function spaceAndMember(tx: Repo, spaceId: number, userId: number): Promise<{ space: SpaceView; member: MemberView }> {
  const space = (await tx.spaces.view(spaceId))!;
  const member = space.members.find((m) => m.user.id === userId);
  assert.ok(member, `user ${userId} should be a member of space ${spaceId}`);
  return { space, member };
}

// ---- the contract ---------------------------------------------------------------------------------

function storeContract(name: string, factory: Factory, options: { skip?: string; multiNode?: boolean } = {}): void {
  describe(`store contract: ${name}`, { skip: options.skip }, () => {
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
      });
    });

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

    // -- messages -------------------------------------------------------------------------------------
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

    // -- event log: positions ---------------------------------------------------------------------------
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
        });
      },
    );

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
}

// ---- drivers -------------------------------------------------------------------------------------

storeContract('sqlite', async () => {
  const store = await openStore('sqlite::memory:');
  return { store, close: () => store.close() };
});

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

// Skips (with the reason) without PostgreSQL; under CI=true a missing server fails the run instead.
const pgSkip = await requireServices('postgres');

/**
 * Isolation on a shared server: this run creates its own database (from PG_URL's) and drops it at the end;
 * each store inside it gets a fresh schema, dropped when the store's harness closes.
 */
class PgRun {
  readonly database = `herald_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  private created: Promise<string> | null = null;

  url(): Promise<string> {
    this.created ??= (async () => {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        await admin.query(`create database ${this.database}`);
      } finally {
        await admin.end();
      }
      return withDatabase(PG_URL, this.database);
    })();
    return this.created;
  }

  async drop(): Promise<void> {
    if (!this.created) return;
    await this.created.catch(() => undefined);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${this.database} with (force)`);
    } finally {
      await admin.end();
    }
  }

  /** A fresh schema in this run's database, and a URL whose search_path points at it. */
  async schema(): Promise<{ url: string; drop: () => Promise<void> }> {
    const base = await this.url();
    const schema = `s_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    return {
      url: withSearchPath(base, schema),
      drop: async () => {
        try {
          await admin.query(`drop schema if exists ${schema} cascade`);
        } finally {
          await admin.end();
        }
      },
    };
  }
}

const pgRun = new PgRun();
after(() => pgRun.drop());

storeContract(
  'postgres',
  async () => {
    const { url, drop } = await pgRun.schema();
    const stores: Store[] = [];
    const open = async () => {
      const s = await openStore(url);
      stores.push(s);
      return s;
    };
    const close = async () => {
      for (const s of stores) await s.close().catch(() => undefined);
      await drop();
    };
    try {
      return { store: await open(), peer: open, close };
    } catch (err) {
      await close();
      throw err;
    }
  },
  { skip: pgSkip, multiNode: true },
);

// Postgres only: a store must migrate inside the schema its URL's search_path names, even when another schema
// of the same database already holds a migrated Herald (schema-per-tenant deployments, shared CI servers).
describe('store: postgres schemas', { skip: pgSkip }, () => {
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
