// The store contract's shared harness: every store-*.test.ts file registers its cases through
// storeContract(), which runs them on SQLite and on PostgreSQL (skipped with the reason when PostgreSQL
// is missing, failed under CI=true, see requireServices). The fixtures the cases share live here too, so
// each file holds only the cases of one aggregate.
import { after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store.js';
import type { Repo } from '../../src/store/repo.js';
import type { Delivered, HeraldEvent } from '../../src/events/types.js';
import type { MemberView, SpaceView, User } from '../../src/core/model.js';
import { PG_URL } from '../helpers/server.js';
import { requireServices } from '../helpers/services.js';

// ---- harness --------------------------------------------------------------------------------------

/** A fresh, isolated store; `peer` opens a second Store on the same database (another node), when the driver supports several nodes. */
export interface Harness {
  store: Store;
  peer?: () => Promise<Store>;
  close(): Promise<void>;
}

/** `peers`: the case opens other nodes on the database, so its first store runs as a cluster node too. */
export type Factory = (o?: { peers?: boolean }) => Promise<Harness>;

export const T0 = 1_700_000_000_000;

export async function withStore(factory: Factory, fn: (h: Harness) => Promise<void>, o?: { peers?: boolean }): Promise<void> {
  const h = await factory(o);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

// ---- fixtures -------------------------------------------------------------------------------------

let userSeq = 0;
export async function addUsers(store: Store, ...names: string[]): Promise<User[]> {
  return store.write(async (tx) => {
    const out: User[] = [];
    for (const name of names) {
      out.push(await tx.users.insert({ username: name, email: `${name}@example.test`, password_hash: `hash-${name}`, display_name: `${name} ${++userSeq}` }, T0));
    }
    return out;
  });
}

export async function addSpace(store: Store, owner: User, members: User[] = [], name = 'general'): Promise<number> {
  return store.write(async (tx) => {
    const id = await tx.spaces.insert({ name, kind: 'multi', access: 'open', owner_id: owner.id, created_by: owner.id }, T0);
    await tx.spaces.addMember(id, owner.id, 'owner', T0);
    for (const m of members) await tx.spaces.addMember(id, m.id, 'member', T0 + 1);
    return id;
  });
}

export const custom = (space_id: number | null, tag: string): HeraldEvent => ({ type: 'custom.test', data: { space_id, payload: { tag }, actor_id: null } });

export const personal = (userId: number): HeraldEvent => ({
  type: 'unread.updated',
  data: { unread: { user_id: userId, space_id: 0, space_unread: 0, total_unread: 0, oldest_unread_id: 0 }, all_read: false },
});

export type Resolved = Delivered & { recipients: number[] };

/**
 * An appended event with the recipients a node resolves for it: the explicit users the log stored, plus
 * the space's members and every user as of the append (read in the same transaction, as the node's
 * membership index holds them at that position).
 */
export async function resolved(tx: Repo, d: Delivered): Promise<Resolved> {
  const out = new Set(d.explicit);
  if (d.audience.space !== undefined) for (const u of await tx.spaces.memberIds(d.audience.space)) out.add(u);
  if (d.audience.all) for (const r of await tx.db.selectFrom('users').select('id').where('deleted', '=', 0).execute()) out.add(Number(r.id));
  return { ...d, recipients: [...out] };
}

export async function appendOne(store: Store, ev: HeraldEvent, at = T0): Promise<Resolved> {
  return store.write(async (tx) => resolved(tx, await tx.append(ev, at)));
}

export async function feedIds(store: Store, userId: number, after = 0, limit = 1000): Promise<number[]> {
  return (await store.read((r) => r.feed(userId, after, limit))).map((e) => e.id);
}

export async function allEventIds(store: Store): Promise<number[]> {
  const rows = await store.read((r) => r.db.selectFrom('events').select('id').orderBy('id').execute());
  return rows.map((r) => Number(r.id));
}

export const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export async function spaceAndMember(tx: Repo, spaceId: number, userId: number): Promise<{ space: SpaceView; member: MemberView }> {
  const space = (await tx.spaces.view(spaceId))!;
  const member = space.members.find((m) => m.user.id === userId);
  assert.ok(member, `user ${userId} should be a member of space ${spaceId}`);
  return { space, member };
}

// ---- the contract ---------------------------------------------------------------------------------

export interface ContractOptions {
  /** Several Store instances may share one database (other nodes of a cluster). */
  multiNode?: boolean;
}

/** Registers the cases `cases` adds (with node:test's test()) once per driver: SQLite, then PostgreSQL. */
export async function storeContract(cases: (factory: Factory, options: ContractOptions) => void): Promise<void> {
  describe('store contract: sqlite', () => cases(sqlite, {}));
  const options: ContractOptions = { multiNode: true };
  describe('store contract: postgres', { skip: await postgresSkip() }, () => cases(postgres, options));
}

// ---- drivers -------------------------------------------------------------------------------------

const sqlite: Factory = async () => {
  const store = await openStore('sqlite::memory:');
  return { store, close: () => store.close() };
};

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

/** This test file's PostgreSQL database (created on first use, dropped after the file's tests). */
export const pgRun = new PgRun();
let pgSkip: Promise<string | undefined> | null = null;

/**
 * Why the PostgreSQL cases skip, or undefined when they run. Probed once per test file (one process):
 * without PostgreSQL it skips with the reason; under CI=true a missing server fails the run instead.
 * First called while the file registers its tests, so the drop hook lands on the root, not inside a test.
 */
export function postgresSkip(): Promise<string | undefined> {
  if (!pgSkip) {
    pgSkip = requireServices('postgres');
    after(() => pgRun.drop());
  }
  return pgSkip;
}

const postgres: Factory = async (o) => {
  const { url, drop } = await pgRun.schema();
  const stores: Store[] = [];
  // Without peers the store runs as a single PostgreSQL node does (its writer caches permission reads);
  // with them every store is a cluster node (node-lock.ts lets no single node share a database).
  const open = async (singleNode: boolean) => {
    const s = await openStore(url, { singleNode });
    stores.push(s);
    return s;
  };
  const close = async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await drop();
  };
  try {
    return { store: await open(!o?.peers), peer: () => open(false), close };
  } catch (err) {
    await close();
    throw err;
  }
};
