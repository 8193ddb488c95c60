// Queries over one transaction (or the plain handle for reads). Written once with kysely for both drivers.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { DB } from './schema.js';
import type {
  AccessMode,
  ActionView,
  AlertKind,
  AlertView,
  FileView,
  LockView,
  MemberView,
  MessageKind,
  MessageView,
  Role,
  SpaceKind,
  SpaceSummary,
  SpaceView,
  UnreadView,
  User,
  UserRef,
} from '../core/model.js';
import type { Delivered, HeraldEvent } from '../events/types.js';
import { EventLog, type StoredEvent } from './log.js';

export type { StoredEvent } from './log.js';

/** A plain handle or a transaction: repositories run on either. */
export type Db = Kysely<DB> | Transaction<DB>;
type UserRow = Selectable<DB['users']>;
type MessageRow = Selectable<DB['messages']>;
type FileRow = Selectable<DB['files']>;
type ActionRow = Selectable<DB['actions']>;

export interface NewUser {
  username: string;
  email: string;
  password_hash: string;
  display_name: string;
  is_admin?: boolean;
}

export interface NewSpace {
  name: string;
  description?: string;
  kind: SpaceKind;
  access: AccessMode;
  owner_id: number | null;
  created_by: number | null;
  direct_key?: string | null;
}

export interface NewMessage {
  space_id: number;
  author_id: number | null;
  kind: MessageKind;
  content: string;
  meta?: Record<string, unknown> | null;
  parent_id?: number | null;
  mentions_all?: boolean;
}

export interface UnreadCount {
  space_id: number;
  count: number;
  oldest_unread_id: number;
}

/** 0/1 columns → booleans; int8 and counts → numbers (Postgres may return them as text). */
export const bool = (v: number) => v !== 0;
export const n = (v: unknown) => Number(v);

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

function toFile(r: FileRow): FileView {
  return {
    id: n(r.id),
    uuid: r.uuid,
    space_id: r.space_id,
    name: r.name,
    mimetype: r.mimetype,
    size: n(r.size),
    path: `/spaces/${r.space_id}/files/${r.id}/${r.name}`,
    uploaded_by: r.uploaded_by,
    created_at: n(r.created_at),
  };
}

function toAction(r: ActionRow): ActionView {
  return {
    id: r.id,
    uuid: r.uuid,
    space_id: r.space_id,
    name: r.name,
    description: r.description,
    type: r.type,
    status: r.status,
    due_at: r.due_at === null ? null : n(r.due_at),
    assignee_id: r.assignee_id,
    created_by: r.created_by,
    created_at: n(r.created_at),
    updated_by: r.updated_by,
    updated_at: r.updated_at === null ? null : n(r.updated_at),
  };
}

export class Repo {
  constructor(readonly db: Db) {
    this.log = new EventLog(db, this);
  }

  // ---- users ------------------------------------------------------------------------------------
  async insertUser(u: NewUser, now: number): Promise<User> {
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
    return this.toUser(row);
  }

  private toUser(r: UserRow): User {
    return { ...toUserRef(r), created_at: n(r.created_at), updated_at: n(r.updated_at), deleted: bool(r.deleted) };
  }

  async user(id: number): Promise<User | null> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? this.toUser(r) : null;
  }

  async userCredentials(login: string): Promise<{ user: User; password_hash: string } | null> {
    const key = login.toLowerCase();
    const r = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('email', '=', key), eb('username', '=', login)]))
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return r ? { user: this.toUser(r), password_hash: r.password_hash } : null;
  }

  async userExists(email: string, username: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('users')
      .select('id')
      .where((eb) => eb.or([eb('email', '=', email.toLowerCase()), eb('username', '=', username)]))
      .executeTakeFirst();
    return r !== undefined;
  }

  async userRefs(ids: readonly number[]): Promise<Map<number, UserRef>> {
    const out = new Map<number, UserRef>();
    if (ids.length === 0) return out;
    const rows = await this.db.selectFrom('users').selectAll().where('id', 'in', [...new Set(ids)]).execute();
    for (const r of rows) out.set(n(r.id), toUserRef(r));
    return out;
  }

  async usersByUsername(usernames: readonly string[]): Promise<UserRef[]> {
    if (usernames.length === 0) return [];
    const rows = await this.db.selectFrom('users').selectAll().where(sql<string>`lower(username)`, 'in', usernames).execute();
    return rows.map(toUserRef);
  }

  async updateUser(id: number, patch: { display_name?: string; has_avatar?: boolean }, now: number): Promise<void> {
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

  async touchUser(id: number, now: number): Promise<void> {
    await this.db.updateTable('users').set({ last_active_at: now }).where('id', '=', id).execute();
  }

  // ---- spaces and members -----------------------------------------------------------------------
  async insertSpace(s: NewSpace, now: number): Promise<number> {
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

  async directSpace(key: string): Promise<number | null> {
    const r = await this.db.selectFrom('spaces').select('id').where('direct_key', '=', key).where('deleted', '=', 0).executeTakeFirst();
    return r ? n(r.id) : null;
  }

  async updateSpace(id: number, patch: { name?: string; description?: string; access?: AccessMode; deleted?: boolean }, now: number) {
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

  async touchSpace(id: number, now: number): Promise<void> {
    await this.db.updateTable('spaces').set({ last_active_at: now }).where('id', '=', id).execute();
  }

  /** A space without its member list: what permission checks need, at a fixed cost whatever the space's size. */
  async spaceSummary(id: number): Promise<SpaceSummary | null> {
    const s = await this.db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s) return null;
    return {
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
    };
  }

  /** The full snapshot events carry, members included. */
  async space(id: number): Promise<SpaceView | null> {
    const summary = await this.spaceSummary(id);
    return summary && { ...summary, members: await this.members(id) };
  }

  async spaceIdsOf(userId: number): Promise<number[]> {
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

  async role(spaceId: number, userId: number): Promise<Role | null> {
    const r = await this.db
      .selectFrom('members')
      .select('role')
      .where('space_id', '=', spaceId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
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

  // ---- files ------------------------------------------------------------------------------------
  async insertFile(f: { space_id: number; name: string; mimetype: string; size: number; storage_key: string; uploaded_by: number | null }, now: number): Promise<FileView> {
    const r = await this.db
      .insertInto('files')
      .values({ ...f, uuid: randomUUID(), created_at: now, deleted: 0 })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toFile(r);
  }

  async file(id: number): Promise<(FileView & { storage_key: string; deleted: boolean }) | null> {
    const r = await this.db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? { ...toFile(r), storage_key: r.storage_key, deleted: bool(r.deleted) } : null;
  }

  async attachFiles(messageId: number, fileIds: readonly number[]): Promise<void> {
    if (fileIds.length === 0) return;
    await this.db
      .insertInto('message_files')
      .values(fileIds.map((file_id, position) => ({ message_id: messageId, file_id, position })))
      .execute();
  }

  /** Detaches a file from every message that carries it and marks it deleted; returns those message ids. */
  async deleteFile(fileId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('message_files').select('message_id').where('file_id', '=', fileId).execute();
    await this.db.deleteFrom('message_files').where('file_id', '=', fileId).execute();
    await this.db.updateTable('files').set({ deleted: 1 }).where('id', '=', fileId).execute();
    return rows.map((r) => r.message_id);
  }

  async detachFile(messageId: number, fileId: number): Promise<boolean> {
    const r = await this.db.deleteFrom('message_files').where('message_id', '=', messageId).where('file_id', '=', fileId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- messages ---------------------------------------------------------------------------------
  async insertMessage(m: NewMessage, now: number): Promise<number> {
    const r = await this.db
      .insertInto('messages')
      .values({
        uuid: randomUUID(),
        space_id: m.space_id,
        author_id: m.author_id,
        kind: m.kind,
        content: m.content,
        meta: m.meta ? JSON.stringify(m.meta) : null,
        parent_id: m.parent_id ?? null,
        mentions_all: m.mentions_all ? 1 : 0,
        is_edited: 0,
        created_at: now,
        updated_at: now,
        deleted: 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return n(r.id);
  }

  async messageRow(id: number): Promise<MessageRow | null> {
    return (await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async editMessage(id: number, content: string, mentionsAll: boolean, now: number): Promise<void> {
    await this.db.updateTable('messages').set({ content, is_edited: 1, mentions_all: mentionsAll ? 1 : 0, updated_at: now }).where('id', '=', id).execute();
  }

  async deleteMessage(id: number, now: number): Promise<void> {
    await this.db.updateTable('messages').set({ deleted: 1, updated_at: now }).where('id', '=', id).execute();
  }

  async setMentions(messageId: number, userIds: readonly number[]): Promise<void> {
    await this.db.deleteFrom('mentions').where('message_id', '=', messageId).execute();
    if (userIds.length) await this.db.insertInto('mentions').values(userIds.map((user_id) => ({ message_id: messageId, user_id }))).execute();
  }

  async addReaction(messageId: number, userId: number, emoji: string, now: number): Promise<boolean> {
    const exists = await this.db
      .selectFrom('reactions')
      .select('message_id')
      .where('message_id', '=', messageId)
      .where('user_id', '=', userId)
      .where('emoji', '=', emoji)
      .executeTakeFirst();
    if (exists) return false;
    await this.db.insertInto('reactions').values({ message_id: messageId, user_id: userId, emoji, created_at: now }).execute();
    return true;
  }

  async removeReaction(messageId: number, userId: number, emoji: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('reactions')
      .where('message_id', '=', messageId)
      .where('user_id', '=', userId)
      .where('emoji', '=', emoji)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async addReceipt(messageId: number, userId: number, now: number): Promise<boolean> {
    const exists = await this.db
      .selectFrom('read_receipts')
      .select('message_id')
      .where('message_id', '=', messageId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (exists) return false;
    await this.db.insertInto('read_receipts').values({ message_id: messageId, user_id: userId, read_at: now }).execute();
    return true;
  }

  async markAllRead(spaceId: number, userId: number): Promise<void> {
    const r = await this.db.selectFrom('messages').select((eb) => eb.fn.max('id').as('max')).where('space_id', '=', spaceId).executeTakeFirst();
    await this.db
      .updateTable('members')
      .set({ read_through: n(r?.max ?? 0) })
      .where('space_id', '=', spaceId)
      .where('user_id', '=', userId)
      .execute();
  }

  /** Unread messages per space for a user: not by them, not deleted, not read one by one nor by "all read". */
  async unreadCounts(userId: number): Promise<UnreadCount[]> {
    const rows = await this.db
      .selectFrom('members as m')
      .innerJoin('messages as msg', (j) => j.onRef('msg.space_id', '=', 'm.space_id').onRef('msg.id', '>', 'm.read_through'))
      .leftJoin('read_receipts as r', (j) => j.onRef('r.message_id', '=', 'msg.id').onRef('r.user_id', '=', 'm.user_id'))
      .select(['m.space_id', (eb) => eb.fn.count<number>('msg.id').as('count'), (eb) => eb.fn.min<number>('msg.id').as('oldest')])
      .where('m.user_id', '=', userId)
      .where('msg.deleted', '=', 0)
      .where('r.message_id', 'is', null)
      .where((eb) => eb.or([eb('msg.author_id', 'is', null), eb('msg.author_id', '!=', userId)]))
      .groupBy('m.space_id')
      .execute();
    return rows.map((r) => ({ space_id: r.space_id, count: n(r.count), oldest_unread_id: n(r.oldest) }));
  }

  async unread(userId: number, spaceId: number): Promise<UnreadView> {
    const all = await this.unreadCounts(userId);
    const here = all.find((c) => c.space_id === spaceId);
    return {
      user_id: userId,
      space_id: spaceId,
      space_unread: here?.count ?? 0,
      total_unread: all.reduce((s, c) => s + c.count, 0),
      oldest_unread_id: here?.oldest_unread_id ?? 0,
    };
  }

  async listMessages(spaceId: number, beforeId: number | null, limit: number): Promise<MessageView[]> {
    let q = this.db.selectFrom('messages').select('id').where('space_id', '=', spaceId).where('deleted', '=', 0);
    if (beforeId !== null) q = q.where('id', '<', beforeId);
    const ids = (await q.orderBy('id', 'desc').limit(limit).execute()).map((r) => n(r.id));
    return this.messageViews(ids);
  }

  async messageView(id: number): Promise<MessageView | null> {
    return (await this.messageViews([id]))[0] ?? null;
  }

  /** Full message snapshots (author, attachments, reactions, receipts, mentions), in the order of `ids`. */
  async messageViews(ids: readonly number[]): Promise<MessageView[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('messages')
      .innerJoin('spaces', 'spaces.id', 'messages.space_id')
      .selectAll('messages')
      .select('spaces.kind as space_kind')
      .where('messages.id', 'in', ids)
      .execute();
    const files = await this.db
      .selectFrom('message_files')
      .innerJoin('files', 'files.id', 'message_files.file_id')
      .selectAll('files')
      .select('message_files.message_id')
      .where('message_files.message_id', 'in', ids)
      .orderBy('message_files.position')
      .execute();
    const reactions = await this.db.selectFrom('reactions').selectAll().where('message_id', 'in', ids).orderBy('created_at').execute();
    const receipts = await this.db.selectFrom('read_receipts').selectAll().where('message_id', 'in', ids).orderBy('read_at').execute();
    const mentions = await this.db.selectFrom('mentions').selectAll().where('message_id', 'in', ids).execute();
    const users = await this.userRefs([
      ...rows.flatMap((r) => (r.author_id === null ? [] : [r.author_id])),
      ...reactions.map((r) => r.user_id),
      ...receipts.map((r) => r.user_id),
    ]);
    const byId = new Map(
      rows.map((r): [number, MessageView] => [
        n(r.id),
        {
          id: n(r.id),
          uuid: r.uuid,
          space_id: r.space_id,
          space_kind: r.space_kind as SpaceKind,
          author: r.author_id === null ? null : (users.get(r.author_id) ?? null),
          kind: r.kind as MessageKind,
          content: r.content,
          meta: r.meta === null ? null : (JSON.parse(r.meta) as Record<string, unknown>),
          parent_id: r.parent_id,
          attachments: [],
          reactions: [],
          read_by: [],
          mentions: [],
          mentions_all: bool(r.mentions_all),
          is_edited: bool(r.is_edited),
          created_at: n(r.created_at),
          updated_at: n(r.updated_at),
        },
      ]),
    );
    for (const f of files) byId.get(f.message_id)?.attachments.push(toFile(f));
    for (const r of reactions) {
      const user = users.get(r.user_id);
      if (user) byId.get(r.message_id)?.reactions.push({ emoji: r.emoji, user, at: n(r.created_at) });
    }
    for (const r of receipts) {
      const user = users.get(r.user_id);
      if (user) byId.get(r.message_id)?.read_by.push({ user, at: n(r.read_at) });
    }
    for (const m of mentions) byId.get(m.message_id)?.mentions.push(m.user_id);
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  // ---- locks, actions, alerts --------------------------------------------------------------------
  async lock(fileId: number): Promise<LockView | null> {
    const r = await this.db
      .selectFrom('locks')
      .innerJoin('files', 'files.id', 'locks.file_id')
      .selectAll('locks')
      .select('files.name')
      .where('locks.file_id', '=', fileId)
      .executeTakeFirst();
    if (!r) return null;
    return { id: r.id, file_id: r.file_id, space_id: r.space_id, user_id: r.user_id, acquired_at: n(r.acquired_at), path: `/spaces/${r.space_id}/files/${r.file_id}/${r.name}` };
  }

  async insertLock(file: FileView, userId: number, now: number): Promise<LockView> {
    const r = await this.db
      .insertInto('locks')
      .values({ file_id: file.id, space_id: file.space_id, user_id: userId, acquired_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: n(r.id), file_id: file.id, space_id: file.space_id, user_id: userId, acquired_at: now, path: file.path };
  }

  async deleteLock(lockId: number): Promise<void> {
    await this.db.deleteFrom('locks').where('id', '=', lockId).execute();
  }

  async insertAction(a: { space_id: number; name: string; description: string; type: number; status: number; due_at: number | null; assignee_id: number | null; created_by: number | null }, now: number): Promise<ActionView> {
    const r = await this.db
      .insertInto('actions')
      .values({ ...a, uuid: randomUUID(), created_at: now, updated_by: null, updated_at: null, deleted: 0 })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAction(r);
  }

  async action(id: number): Promise<ActionView | null> {
    const r = await this.db.selectFrom('actions').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    return r ? toAction(r) : null;
  }

  async listActions(spaceId: number): Promise<ActionView[]> {
    const rows = await this.db.selectFrom('actions').selectAll().where('space_id', '=', spaceId).where('deleted', '=', 0).orderBy('id').execute();
    return rows.map(toAction);
  }

  async updateAction(id: number, patch: Partial<Pick<ActionView, 'name' | 'description' | 'status' | 'due_at' | 'assignee_id'>>, by: number | null, now: number): Promise<void> {
    await this.db.updateTable('actions').set({ ...patch, updated_by: by, updated_at: now }).where('id', '=', id).execute();
  }

  async deleteAction(id: number): Promise<void> {
    await this.db.updateTable('actions').set({ deleted: 1 }).where('id', '=', id).execute();
  }

  async insertAlert(a: { user_id: number; kind: AlertKind; from: UserRef | null; space_id: number; message_id: number; text: string }, now: number): Promise<AlertView> {
    const r = await this.db
      .insertInto('alerts')
      .values({ user_id: a.user_id, kind: a.kind, from_user_id: a.from?.id ?? null, space_id: a.space_id, message_id: a.message_id, text: a.text, is_read: 0, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: n(r.id), user_id: a.user_id, kind: a.kind, from: a.from, space_id: a.space_id, message_id: a.message_id, text: a.text, is_read: false, created_at: now };
  }

  async alerts(userId: number, limit: number): Promise<AlertView[]> {
    const rows = await this.db.selectFrom('alerts').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(limit).execute();
    const users = await this.userRefs(rows.flatMap((r) => (r.from_user_id === null ? [] : [r.from_user_id])));
    return rows.map((r) => ({
      id: n(r.id),
      user_id: r.user_id,
      kind: r.kind as AlertKind,
      from: r.from_user_id === null ? null : (users.get(r.from_user_id) ?? null),
      space_id: r.space_id,
      message_id: r.message_id,
      text: r.text,
      is_read: bool(r.is_read),
      created_at: n(r.created_at),
    }));
  }

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

  // ---- event log (store/log.ts) -----------------------------------------------------------------
  readonly log: EventLog;

  meta(key: string): Promise<string | null> {
    return this.log.meta(key);
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.log.setMeta(key, value);
  }

  logHead(): Promise<number> {
    return this.log.head();
  }

  append(ev: HeraldEvent, at: number): Promise<Delivered> {
    return this.log.append(ev, at);
  }

  feed(userId: number, after: number, limit: number): Promise<StoredEvent[]> {
    return this.log.feed(userId, after, limit);
  }

  prune(before: number): Promise<number> {
    return this.log.prune(before);
  }
}
