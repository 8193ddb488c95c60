// Users: accounts, credentials, profiles, the admin flag, (Tracim) account deletion, and what token
// authentication reads per use (credential generation, logged-out tokens).
import { sql, type Expression, type Selectable, type SqlBool } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { DB } from './schema.js';
import type { User, UserRef } from '../core/model.js';
import { bool, n, type Db } from './db.js';
import { runCompiled } from './fast.js';
import type { AccessCache } from './access-cache.js';

type UserRow = Selectable<DB['users']>;

export interface NewUser {
  username: string;
  email: string;
  password_hash: string;
  display_name: string;
  is_admin?: boolean;
}

export interface Credentials {
  user: User;
  password_hash: string;
  /** The credential generation read with the hash. */
  token_generation: number;
}

export function toUserRef(r: UserRow): UserRef {
  return {
    id: n(r.id),
    uuid: r.uuid,
    username: r.username,
    email: r.email,
    display_name: r.display_name,
    has_avatar: bool(r.has_avatar),
    is_admin: bool(r.is_admin),
    last_active_at: n(r.last_active_at),
  };
}

const toUser = (r: UserRow): User => ({ ...toUserRef(r), created_at: n(r.created_at), updated_at: n(r.updated_at), deleted: bool(r.deleted) });

export class UserRepo {
  constructor(
    private readonly db: Db,
    /** The writer's cache of permission reads, which holds user snapshots (null outside the writer). */
    private readonly cache: AccessCache | null = null,
  ) {}

  async insert(u: NewUser, now: number): Promise<User> {
    const row = await this.db
      .insertInto('users')
      .values({
        uuid: randomUUID(),
        username: u.username,
        email: u.email.toLowerCase(),
        password_hash: u.password_hash,
        display_name: u.display_name,
        has_avatar: 0,
        is_admin: u.is_admin ? 1 : 0,
        created_at: now,
        updated_at: now,
        last_active_at: now,
        deleted: 0,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  }

  async get(id: number): Promise<User | null> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toUser(r) : null;
  }

  /**
   * A live (not deleted) account by email (any case) or username, with its password hash and the
   * credential generation read with it (a token issued on this hash carries it: a password change
   * committed meanwhile makes that token invalid).
   */
  async credentials(login: string): Promise<Credentials | null> {
    const key = login.toLowerCase();
    const r = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('email', '=', key), eb('username', '=', login)]))
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return r ? { user: toUser(r), password_hash: r.password_hash, token_generation: n(r.token_generation) } : null;
  }

  /** The same for a live account by id (a password change re-checks the caller's password). */
  async credentialsById(id: number): Promise<Credentials | null> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    return r ? { user: toUser(r), password_hash: r.password_hash, token_generation: n(r.token_generation) } : null;
  }

  /** Sets a new password hash and moves the credential generation on (every earlier token is refused); returns it. */
  async setPassword(id: number, passwordHash: string): Promise<number> {
    const r = await this.db
      .updateTable('users')
      .set((eb) => ({ password_hash: passwordHash, token_generation: eb('token_generation', '+', 1) }))
      .where('id', '=', id)
      .returning('token_generation')
      .executeTakeFirstOrThrow();
    return n(r.token_generation);
  }

  /**
   * What authentication checks on every use of a token, in one query by primary keys: the user's name,
   * deleted flag and credential generation, and whether one of `tokenIds` was logged out.
   */
  async authState(id: number, tokenIds: readonly string[]): Promise<{ username: string; deleted: boolean; generation: number; revoked: boolean } | null> {
    // Every authenticated request runs it: compiled once per number of token ids (0, 1 or 2).
    const { rows } = await runCompiled(this.db, `users.authState.${tokenIds.length}`, [...tokenIds, id], () =>
      this.db
        .selectFrom('users')
        .select(['username', 'deleted', 'token_generation'])
        .select((eb) => {
          const revoked: Expression<SqlBool> = tokenIds.length === 0 ? sql<SqlBool>`1 = 0` : eb.exists(eb.selectFrom('revoked_tokens').select('jti').where('jti', 'in', [...tokenIds]));
          return sql<SqlBool>`${revoked}`.as('revoked');
        })
        .where('id', '=', id),
    );
    const r = rows[0];
    // SQLite answers EXISTS with 0/1, PostgreSQL with a boolean.
    return r ? { username: r.username, deleted: bool(r.deleted), generation: n(r.token_generation), revoked: Number(r.revoked) === 1 } : null;
  }

  /**
   * Logs a token (or a login session) out until `expiresAt` (ms), when it would expire anyway; rows past
   * their expiry are pruned on the way, so the table holds only tokens that could still be presented.
   */
  async revokeToken(jti: string, userId: number, expiresAt: number, now: number): Promise<void> {
    await this.db.deleteFrom('revoked_tokens').where('expires_at', '<=', now).execute();
    if (expiresAt <= now) return;
    await this.db.insertInto('revoked_tokens').values({ jti, user_id: userId, expires_at: expiresAt }).onConflict((oc) => oc.column('jti').doNothing()).execute();
  }

  /** Whether `jti` is logged out (tests and diagnostics; authentication uses `authState`). */
  async isRevoked(jti: string): Promise<boolean> {
    return (await this.db.selectFrom('revoked_tokens').select('jti').where('jti', '=', jti).executeTakeFirst()) !== undefined;
  }

  async exists(email: string, username: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('users')
      .select('id')
      .where((eb) => eb.or([eb('email', '=', email.toLowerCase()), eb('username', '=', username)]))
      .executeTakeFirst();
    return r !== undefined;
  }

  async refs(ids: readonly number[]): Promise<Map<number, UserRef>> {
    const out = new Map<number, UserRef>();
    if (ids.length === 0) return out;
    const rows = await this.db.selectFrom('users').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    for (const r of rows) out.set(n(r.id), toUserRef(r));
    return out;
  }

  /** One user's snapshot; null for no id (the server API key acting as itself) or an unknown id. */
  async ref(id: number | null): Promise<UserRef | null> {
    if (id === null) return null;
    return (await this.refs([id])).get(id) ?? null;
  }

  async byUsername(usernames: readonly string[]): Promise<UserRef[]> {
    if (usernames.length === 0) return [];
    const rows = await this.db.selectFrom('users').selectAll().where(sql<string>`lower(username)`, 'in', usernames).execute();
    return rows.map(toUserRef);
  }

  async update(id: number, patch: { display_name?: string; has_avatar?: boolean }, now: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({
        ...(patch.display_name !== undefined ? { display_name: patch.display_name } : {}),
        ...(patch.has_avatar !== undefined ? { has_avatar: patch.has_avatar ? 1 : 0 } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async touch(id: number, now: number): Promise<void> {
    await runCompiled(this.db, 'users.touch', [now, id], () => this.db.updateTable('users').set({ last_active_at: now }).where('id', '=', id), true);
    this.cache?.touchUser(id, now);
  }

  async setDeleted(id: number, deleted: boolean, now: number): Promise<void> {
    await this.db.updateTable('users').set({ deleted: deleted ? 1 : 0, updated_at: now }).where('id', '=', id).execute();
  }

  /** A live administrator account. */
  async isAdmin(id: number): Promise<boolean> {
    const r = await this.db.selectFrom('users').select('is_admin').where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    return r ? bool(r.is_admin) : false;
  }
}
