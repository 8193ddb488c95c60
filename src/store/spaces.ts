// Spaces and their members: snapshots, roles, and membership over time (membership_log intervals of
// log positions, so "a member when the event happened" is exact for resume).
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { DB } from './schema.js';
import type { AccessMode, MemberView, Role, SpaceKind, SpaceSummary, SpaceView, UserRef } from '../core/model.js';
import type { SpaceRef } from '../core/content-model.js';
import { bool, n, type Db } from './db.js';
import { toUserRef } from './users.js';
import { runCompiled } from './fast.js';
import type { AccessCache, SpaceAccessRow } from './access-cache.js';

const toSummary = (s: Selectable<DB['spaces']>): SpaceSummary => ({
  id: n(s.id),
  uuid: s.uuid,
  name: s.name,
  description: s.description,
  kind: s.kind as SpaceKind,
  access: s.access as AccessMode,
  owner_id: s.owner_id,
  created_by: s.created_by,
  created_at: n(s.created_at),
  updated_at: n(s.updated_at),
  last_active_at: n(s.last_active_at),
  deleted: bool(s.deleted),
});

export interface NewSpace {
  name: string;
  description?: string;
  kind: SpaceKind;
  access: AccessMode;
  owner_id: number | null;
  created_by: number | null;
  direct_key?: string | null;
}

export class SpaceRepo {
  constructor(
    private readonly db: Db,
    /** The event log's head: membership intervals are positions in it. */
    private readonly logHead: () => Promise<number>,
    /** The writer's cache of `access` (null outside the writer, and in a cluster). */
    private readonly cache: AccessCache | null = null,
  ) {}

  async insert(s: NewSpace, now: number): Promise<number> {
    const r = await this.db
      .insertInto('spaces')
      .values({
        uuid: randomUUID(),
        name: s.name,
        description: s.description ?? '',
        kind: s.kind,
        access: s.access,
        owner_id: s.owner_id,
        created_by: s.created_by,
        created_at: now,
        updated_at: now,
        last_active_at: now,
        deleted: 0,
        direct_key: s.direct_key ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return n(r.id);
  }

  /** The live 1-to-1 space of a pair (`direct_key` is "lowId:highId"). */
  async direct(key: string): Promise<number | null> {
    const r = await this.db.selectFrom('spaces').select('id').where('direct_key', '=', key).where('deleted', '=', 0).executeTakeFirst();
    return r ? n(r.id) : null;
  }

  async update(id: number, patch: { name?: string; description?: string; access?: AccessMode; deleted?: boolean }, now: number): Promise<void> {
    await this.db
      .updateTable('spaces')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.access !== undefined ? { access: patch.access } : {}),
        ...(patch.deleted !== undefined ? { deleted: patch.deleted ? 1 : 0, direct_key: null } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async touch(id: number, now: number): Promise<void> {
    await runCompiled(this.db, 'spaces.touch', [now, id], () => this.db.updateTable('spaces').set({ last_active_at: now }).where('id', '=', id), true);
    this.touched(id, now);
  }

  /** Mirrors a touch made by another statement (a post's insert on PostgreSQL) in the writer's cache. */
  touched(id: number, now: number): void {
    this.cache?.touchSpace(id, now);
  }

  /** A space without its member list: what permission checks need, at a fixed cost whatever the space's size. */
  async summary(id: number): Promise<SpaceSummary | null> {
    const s = await this.db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst();
    return s ? toSummary(s) : null;
  }

  /**
   * A space's summary, `userId`'s role in it and `userId`'s snapshot, in one statement by primary keys
   * (a permission check, and a post's author, without three reads). Null when the space does not exist.
   */
  async access(spaceId: number, userId: number): Promise<SpaceAccessRow | null> {
    const cached = this.cache?.get(spaceId, userId);
    if (cached !== undefined) return cached;
    const { rows } = await runCompiled(this.db, 'spaces.access', [userId, userId, spaceId], () =>
      this.db
        .selectFrom('spaces as s')
        .leftJoin('members as m', (j) => j.onRef('m.space_id', '=', 's.id').on('m.user_id', '=', userId))
        .leftJoin('users as u', (j) => j.on('u.id', '=', userId))
        .selectAll('s')
        .select([
          'm.role as m_role',
          'u.id as u_id',
          'u.uuid as u_uuid',
          'u.username as u_username',
          'u.email as u_email',
          'u.display_name as u_display_name',
          'u.has_avatar as u_has_avatar',
          'u.is_admin as u_is_admin',
          'u.last_active_at as u_last_active_at',
        ])
        .where('s.id', '=', spaceId),
    );
    const r = rows[0];
    if (!r) return null;
    const user: UserRef | null =
      r.u_id === null
        ? null
        : {
            id: n(r.u_id),
            uuid: r.u_uuid!,
            username: r.u_username!,
            email: r.u_email!,
            display_name: r.u_display_name!,
            has_avatar: bool(r.u_has_avatar!),
            is_admin: bool(r.u_is_admin!),
            last_active_at: n(r.u_last_active_at),
          };
    const found = { space: toSummary(r), role: (r.m_role as Role | null) ?? null, user };
    this.cache?.put(spaceId, userId, found);
    return found;
  }

  /** The full snapshot events carry, members included. */
  async view(id: number): Promise<SpaceView | null> {
    const summary = await this.summary(id);
    return summary && { ...summary, members: await this.members(id) };
  }

  /** The small view Tracim events carry (a 1-to-1 space is always confidential). */
  async ref(id: number): Promise<SpaceRef | null> {
    const s = await this.db.selectFrom('spaces').select(['id', 'name', 'description', 'access', 'deleted', 'kind']).where('id', '=', id).executeTakeFirst();
    if (!s) return null;
    return { id: n(s.id), name: s.name, description: s.description, access: s.kind === 'multi' ? s.access : 'confidential', deleted: bool(s.deleted) };
  }

  /** Live spaces the user is a member of. */
  async idsOf(userId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('members')
      .innerJoin('spaces', 'spaces.id', 'members.space_id')
      .select('members.space_id')
      .where('members.user_id', '=', userId)
      .where('spaces.deleted', '=', 0)
      .orderBy('members.space_id')
      .execute();
    return rows.map((r) => r.space_id);
  }

  async members(spaceId: number): Promise<MemberView[]> {
    const rows = await this.db
      .selectFrom('members')
      .innerJoin('users', 'users.id', 'members.user_id')
      .selectAll('users')
      .select(['members.role', 'members.joined_at'])
      .where('members.space_id', '=', spaceId)
      .orderBy('members.joined_at')
      .orderBy('users.id')
      .execute();
    return rows.map((r) => ({ user: toUserRef(r), role: r.role as Role, joined_at: n(r.joined_at) }));
  }

  async memberIds(spaceId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('members').select('user_id').where('space_id', '=', spaceId).execute();
    return rows.map((r) => r.user_id);
  }

  /** Which of these users are members of the space. */
  async membersAmong(spaceId: number, userIds: readonly number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.db.selectFrom('members').select('user_id').where('space_id', '=', spaceId).where('user_id', 'in', [...userIds]).execute();
    return new Set(rows.map((r) => n(r.user_id)));
  }

  /** Owners and managers of a space (they evaluate subscriptions). */
  async managerIds(spaceId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('members').select('user_id').where('space_id', '=', spaceId).where('role', 'in', ['owner', 'manager']).execute();
    return rows.map((r) => r.user_id);
  }

  async role(spaceId: number, userId: number): Promise<Role | null> {
    const r = await this.db.selectFrom('members').select('role').where('space_id', '=', spaceId).where('user_id', '=', userId).executeTakeFirst();
    return (r?.role as Role | undefined) ?? null;
  }

  /** Adds a member; their feed includes every event appended after the current head. */
  async addMember(spaceId: number, userId: number, role: Role, now: number): Promise<void> {
    await this.db.insertInto('members').values({ space_id: spaceId, user_id: userId, role, joined_at: now, read_through: 0 }).execute();
    await this.db.insertInto('membership_log').values({ space_id: spaceId, user_id: userId, from_pos: await this.logHead(), to_pos: null }).execute();
  }

  async setRole(spaceId: number, userId: number, role: Role): Promise<void> {
    await this.db.updateTable('members').set({ role }).where('space_id', '=', spaceId).where('user_id', '=', userId).execute();
  }

  /** Removes a member; no event appended after the current head reaches them through the space. */
  async removeMember(spaceId: number, userId: number): Promise<void> {
    await this.db.deleteFrom('members').where('space_id', '=', spaceId).where('user_id', '=', userId).execute();
    await this.db
      .updateTable('membership_log')
      .set({ to_pos: await this.logHead() })
      .where('space_id', '=', spaceId)
      .where('user_id', '=', userId)
      .where('to_pos', 'is', null)
      .execute();
  }

  /** Everyone who shares at least one space with the user (themself included when a member anywhere). */
  async peersOf(userId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('members as a')
      .innerJoin('members as b', 'b.space_id', 'a.space_id')
      .select('b.user_id')
      .distinct()
      .where('a.user_id', '=', userId)
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** Whether two users are members of one live space (who may see each other's private profile). */
  async shareLiveSpace(a: number, b: number): Promise<boolean> {
    const r = await this.db
      .selectFrom('members as x')
      .innerJoin('members as y', 'y.space_id', 'x.space_id')
      .innerJoin('spaces', 'spaces.id', 'x.space_id')
      .select('x.space_id')
      .where('x.user_id', '=', a)
      .where('y.user_id', '=', b)
      .where('spaces.deleted', '=', 0)
      .executeTakeFirst();
    return r !== undefined;
  }
}
