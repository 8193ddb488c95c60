// Commands: each checks permissions, changes state and appends its events in one transaction, then
// publishes them on the bus in commit order. Transports and dialects call these; nothing else writes.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Store } from '../store/store.js';
import type { Repo } from '../store/repo.js';
import type { Bus } from '../bus/bus.js';
import type { Delivered } from '../events/types.js';
import type {
  AccessMode,
  ActionView,
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
import { HeraldError, badRequest, conflict, forbidden, notFound } from '../core/errors.js';
import { ensure, mayAssignRole, can } from '../core/permissions.js';
import { parseMentions } from '../core/mentions.js';
import { commitEvents, userOf, type Emit } from './commit.js';
import type { Actor } from '../core/actor.js';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;


export interface ChatOptions {
  openSignup: boolean;
  now?: () => number;
}

export interface PostMessageInput {
  content: string;
  kind?: MessageKind;
  meta?: Record<string, unknown> | null;
  parent_id?: number | null;
  attachment_ids?: number[];
}

async function hashPassword(pw: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pw, salt, 32);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

async function verifyPassword(pw: string, stored: string): Promise<boolean> {
  const [scheme, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(pw, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(expected, actual);
}

export class Chat {
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly opts: ChatOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Runs a write and publishes the events it appended once committed, in commit order. */
  private commit<T>(fn: (tx: Repo, emit: Emit) => Promise<T>): Promise<T> {
    return commitEvents(this.store, this.bus, this.now, fn);
  }

  // ---- users ------------------------------------------------------------------------------------
  async register(actor: Actor | null, input: { email: string; username?: string; password: string; display_name?: string; is_admin?: boolean }): Promise<User> {
    if (!this.opts.openSignup && !actor?.server) throw forbidden('sign-up is closed; ask an administrator');
    if (input.is_admin && !actor?.server) throw forbidden('only the server API key can create administrators');
    const username = input.username ?? input.email.split('@')[0].replace(/[^A-Za-z0-9_.-]/g, '_');
    const password_hash = await hashPassword(input.password);
    return this.commit(async (tx, emit) => {
      if (await tx.userExists(input.email, username)) throw conflict('a user with this email or username already exists');
      const user = await tx.insertUser({ username, email: input.email, password_hash, display_name: input.display_name ?? input.email, is_admin: input.is_admin }, this.now());
      await emit({ type: 'user.created', data: { user } });
      return user;
    });
  }

  async login(login: string, password: string): Promise<User> {
    const found = await this.store.read((r) => r.userCredentials(login));
    if (!found || !(await verifyPassword(password, found.password_hash))) {
      throw new HeraldError('unauthenticated', 'wrong login or password');
    }
    return found.user;
  }

  async user(id: number): Promise<User> {
    const u = await this.store.read((r) => r.user(id));
    if (!u || u.deleted) throw notFound('user');
    return u;
  }

  async updateProfile(actor: Actor, userId: number, patch: { display_name?: string; has_avatar?: boolean }): Promise<User> {
    if (!actor.server && actor.userId !== userId) throw forbidden('you may only change your own profile');
    return this.commit(async (tx, emit) => {
      if (!(await tx.user(userId))) throw notFound('user');
      await tx.updateUser(userId, patch, this.now());
      const user = (await tx.user(userId))!;
      await emit({ type: 'user.updated', data: { user } });
      return user;
    });
  }

  // ---- spaces -----------------------------------------------------------------------------------
  private async roleIn(tx: Repo, actor: Actor, spaceId: number): Promise<Role | null> {
    if (actor.server) return 'owner';
    return actor.userId === null ? null : tx.role(spaceId, actor.userId);
  }

  /**
   * Checks the actor may do `action` in a live space; non-members learn nothing about it. Returns the space
   * without its member list, so the check costs the same in a 2-member and a 10,000-member space.
   */
  private async spaceFor(tx: Repo, actor: Actor, spaceId: number, action: 'read' | 'post' | 'manage' | 'delete'): Promise<{ space: SpaceSummary; role: Role }> {
    const role = await this.roleIn(tx, actor, spaceId);
    const space = role === null ? null : await tx.spaceSummary(spaceId);
    if (!space || space.deleted || role === null) throw notFound('space');
    ensure(role, action);
    return { space, role };
  }

  async createSpace(actor: Actor, input: { name?: string; description?: string; kind: SpaceKind; access?: AccessMode; member_ids?: number[]; owner_id?: number }): Promise<{ space: SpaceView; created: boolean }> {
    const ownerId = actor.server ? (input.owner_id ?? null) : actor.userId;
    const others = [...new Set(input.member_ids ?? [])].filter((id) => id !== ownerId);
    if (input.kind === 'direct') {
      if (ownerId === null || others.length !== 1) throw badRequest('a 1-to-1 space has exactly two users: you and one member_id');
    }
    return this.commit(async (tx, emit) => {
      const users = await tx.userRefs(ownerId === null ? others : [ownerId, ...others]);
      for (const id of others) if (!users.has(id)) throw notFound(`user ${id}`);
      let direct_key: string | null = null;
      if (input.kind === 'direct') {
        const pair = [ownerId!, others[0]].sort((a, b) => a - b);
        direct_key = `${pair[0]}:${pair[1]}`;
        const existing = await tx.directSpace(direct_key);
        if (existing !== null) return { space: (await tx.space(existing))!, created: false };
      }
      const now = this.now();
      const name = input.name ?? (input.kind === 'direct' ? [...users.values()].map((u) => u.display_name).join(', ') : '');
      if (!name) throw badRequest('name is required for a multi-user space');
      const id = await tx.insertSpace(
        { name, description: input.description, kind: input.kind, access: input.kind === 'direct' ? 'confidential' : (input.access ?? 'confidential'), owner_id: ownerId, created_by: actor.userId, direct_key },
        now,
      );
      if (ownerId !== null) await tx.addMember(id, ownerId, input.kind === 'direct' ? 'member' : 'owner', now);
      for (const uid of others) await tx.addMember(id, uid, 'member', now);
      const space = (await tx.space(id))!;
      await emit({ type: 'space.created', data: { space, actor_id: actor.userId } });
      return { space, created: true };
    });
  }

  async space(actor: Actor, spaceId: number): Promise<SpaceView> {
    return this.store.read(async (r) => {
      await this.spaceFor(r, actor, spaceId, 'read');
      return (await r.space(spaceId))!;
    });
  }

  async spaces(actor: Actor): Promise<SpaceView[]> {
    if (actor.userId === null) throw badRequest('act as a user to list spaces');
    const uid = actor.userId;
    return this.store.read(async (r) => {
      const out: SpaceView[] = [];
      for (const id of await r.spaceIdsOf(uid)) out.push((await r.space(id))!);
      return out;
    });
  }

  async updateSpace(actor: Actor, spaceId: number, patch: { name?: string; description?: string; access?: AccessMode }): Promise<SpaceView> {
    return this.commit(async (tx, emit) => {
      const { space } = await this.spaceFor(tx, actor, spaceId, 'manage');
      if (space.kind === 'direct' && patch.access && patch.access !== 'confidential') throw badRequest('a 1-to-1 space is always confidential');
      await tx.updateSpace(spaceId, patch, this.now());
      const updated = (await tx.space(spaceId))!;
      await emit({ type: 'space.updated', data: { space: updated, actor_id: actor.userId } });
      return updated;
    });
  }

  async deleteSpace(actor: Actor, spaceId: number): Promise<void> {
    await this.commit(async (tx, emit) => {
      await this.spaceFor(tx, actor, spaceId, 'delete');
      await tx.updateSpace(spaceId, { deleted: true }, this.now());
      await emit({ type: 'space.deleted', data: { space: (await tx.space(spaceId))!, actor_id: actor.userId } });
    });
  }

  async addMember(actor: Actor, spaceId: number, userId: number, role: Role = 'member'): Promise<MemberView> {
    return this.commit(async (tx, emit) => {
      const { space, role: actorRole } = await this.spaceFor(tx, actor, spaceId, 'read');
      if (space.kind === 'direct') throw conflict('a 1-to-1 space cannot get more members');
      ensure(actorRole, 'manage');
      if (!mayAssignRole(actorRole, role)) throw forbidden(`role ${actorRole} may not grant ${role}`);
      if (!(await tx.user(userId))) throw notFound('user');
      if (await tx.role(spaceId, userId)) throw conflict('already a member');
      await tx.addMember(spaceId, userId, role, this.now());
      const updated = (await tx.space(spaceId))!;
      const member = updated.members.find((m) => m.user.id === userId)!;
      await emit({ type: 'member.added', data: { space: updated, member, actor_id: actor.userId } });
      const added = actor.userId === null ? `@${userId} was added to this channel` : `@${actor.userId} has added @${userId} to this channel`;
      await this.botMessage(tx, emit, spaceId, 2, added);
      return member;
    });
  }

  async setRole(actor: Actor, spaceId: number, userId: number, role: Role): Promise<MemberView> {
    return this.commit(async (tx, emit) => {
      const { role: actorRole } = await this.spaceFor(tx, actor, spaceId, 'manage');
      const members = await tx.members(spaceId);
      const current = members.find((m) => m.user.id === userId);
      if (!current) throw notFound('member');
      if (!mayAssignRole(actorRole, role) || !mayAssignRole(actorRole, current.role)) throw forbidden(`role ${actorRole} may not change a ${current.role} to ${role}`);
      if (current.role === 'owner' && role !== 'owner' && members.filter((m) => m.role === 'owner').length === 1) {
        throw conflict('a space keeps at least one owner');
      }
      await tx.setRole(spaceId, userId, role);
      const updated = (await tx.space(spaceId))!;
      const member = updated.members.find((m) => m.user.id === userId)!;
      await emit({ type: 'member.updated', data: { space: updated, member, actor_id: actor.userId } });
      return member;
    });
  }

  /** Leave (actor removes themself) or kick (a manager removes someone). */
  async removeMember(actor: Actor, spaceId: number, userId: number): Promise<void> {
    await this.commit(async (tx, emit) => {
      const leaving = actor.userId === userId;
      const { role: actorRole } = await this.spaceFor(tx, actor, spaceId, leaving ? 'read' : 'manage');
      const members = await tx.members(spaceId);
      const member = members.find((m) => m.user.id === userId);
      if (!member) throw notFound('member');
      if (!leaving && !mayAssignRole(actorRole, member.role)) throw forbidden(`role ${actorRole} may not remove a ${member.role}`);
      if (member.role === 'owner' && members.filter((m) => m.role === 'owner').length === 1 && members.length > 1) {
        throw conflict('the last owner cannot leave; make someone else owner first');
      }
      await tx.removeMember(spaceId, userId);
      await emit({ type: 'member.removed', data: { space: (await tx.space(spaceId))!, member, actor_id: actor.userId } });
    });
  }

  // ---- messages -----------------------------------------------------------------------------------
  private async messageFor(tx: Repo, actor: Actor, messageId: number, action: 'read' | 'post') {
    const row = await tx.messageRow(messageId);
    if (!row || row.deleted) throw notFound('message');
    const { space, role } = await this.spaceFor(tx, actor, row.space_id, action).catch((e: unknown) => {
      throw e instanceof HeraldError && e.code === 'not_found' ? notFound('message') : e;
    });
    return { row, space, role };
  }

  /** Who a message mentions (members only), and who gets an alert: mentioned users, or the quoted author. */
  private async mentionTargets(tx: Repo, spaceId: number, content: string, parentId: number | null): Promise<{ mentioned: number[]; alerts: Map<number, 'mention' | 'quote'> }> {
    const parsed = parseMentions(content);
    const alerts = new Map<number, 'mention' | 'quote'>();
    if (!parsed.all && parsed.ids.length === 0 && parsed.usernames.length === 0 && parentId === null) return { mentioned: [], alerts };
    const memberIds = new Set(await tx.memberIds(spaceId));
    const byName = await tx.usersByUsername(parsed.usernames);
    const mentioned = [...new Set([...parsed.ids, ...byName.map((u) => u.id)])].filter((id) => memberIds.has(id));
    for (const id of parsed.all ? [...memberIds] : mentioned) alerts.set(id, 'mention');
    if (parentId !== null) {
      const parent = await tx.messageRow(parentId);
      if (parent?.author_id != null && !alerts.has(parent.author_id) && memberIds.has(parent.author_id)) alerts.set(parent.author_id, 'quote');
    }
    return { mentioned, alerts };
  }

  /** Alerts go out after the message they point at, never to its author or to someone already alerted. */
  private async raiseAlerts(tx: Repo, emit: Emit, message: MessageView, alerts: Map<number, 'mention' | 'quote'>, previous: ReadonlySet<number>): Promise<void> {
    const now = this.now();
    for (const [userId, kind] of alerts) {
      if (userId === message.author?.id || previous.has(userId)) continue;
      const alert = await tx.insertAlert({ user_id: userId, kind, from: message.author, space_id: message.space_id, message_id: message.id, text: message.content.slice(0, 200) }, now);
      await emit({ type: 'alert.created', data: { alert } });
    }
  }

  async postMessage(actor: Actor, spaceId: number, input: PostMessageInput): Promise<MessageView> {
    return this.commit(async (tx, emit) => {
      await this.spaceFor(tx, actor, spaceId, 'post');
      const now = this.now();
      if (input.parent_id != null) {
        const parent = await tx.messageRow(input.parent_id);
        if (!parent || parent.space_id !== spaceId || parent.deleted) throw badRequest('parent_id is not a message of this space');
      }
      const fileIds = [...new Set(input.attachment_ids ?? [])];
      for (const fid of fileIds) {
        const f = await tx.file(fid);
        if (!f || f.deleted || f.space_id !== spaceId) throw badRequest(`attachment ${fid} is not a file of this space`);
      }
      const id = await tx.insertMessage(
        { space_id: spaceId, author_id: actor.userId, kind: input.kind ?? (fileIds.length ? 'file' : 'message'), content: input.content, meta: input.meta ?? null, parent_id: input.parent_id ?? null, mentions_all: parseMentions(input.content).all },
        now,
      );
      await tx.attachFiles(id, fileIds);
      await tx.touchSpace(spaceId, now);
      const { mentioned, alerts } = await this.mentionTargets(tx, spaceId, input.content, input.parent_id ?? null);
      if (mentioned.length) await tx.setMentions(id, mentioned);
      const message = (await tx.messageView(id))!;
      await emit({ type: 'message.created', data: { message } });
      await this.raiseAlerts(tx, emit, message, alerts, new Set());
      return message;
    });
  }

  async message(actor: Actor, messageId: number): Promise<MessageView> {
    return this.store.read(async (r) => {
      await this.messageFor(r, actor, messageId, 'read');
      return (await r.messageView(messageId))!;
    });
  }

  async messages(actor: Actor, spaceId: number, before: number | null, limit: number): Promise<MessageView[]> {
    return this.store.read(async (r) => {
      await this.spaceFor(r, actor, spaceId, 'read');
      return r.listMessages(spaceId, before, limit);
    });
  }

  async editMessage(actor: Actor, messageId: number, content: string): Promise<MessageView> {
    return this.commit(async (tx, emit) => {
      const { row } = await this.messageFor(tx, actor, messageId, 'read');
      if (!actor.server && row.author_id !== actor.userId) throw forbidden('only the author may edit a message');
      const before = await tx.messageView(messageId);
      await tx.editMessage(messageId, content, parseMentions(content).all, this.now());
      const { mentioned, alerts } = await this.mentionTargets(tx, row.space_id, content, row.parent_id);
      await tx.setMentions(messageId, mentioned);
      const message = (await tx.messageView(messageId))!;
      await emit({ type: 'message.updated', data: { message, actor_id: actor.userId } });
      // An edit alerts only users it newly mentions; the quoted author was alerted when it was posted.
      const already = new Set(before?.mentions ?? []);
      for (const [id, kind] of alerts) if (kind === 'quote') already.add(id);
      await this.raiseAlerts(tx, emit, message, alerts, already);
      return message;
    });
  }

  async deleteMessage(actor: Actor, messageId: number): Promise<void> {
    await this.commit(async (tx, emit) => {
      const { row, role } = await this.messageFor(tx, actor, messageId, 'read');
      if (row.author_id !== actor.userId && !can(role, 'manage')) throw forbidden('only the author or a manager may delete a message');
      await tx.deleteMessage(messageId, this.now());
      await emit({ type: 'message.deleted', data: { message: (await tx.messageView(messageId))!, actor_id: actor.userId } });
    });
  }

  async react(actor: Actor, messageId: number, emoji: string, add: boolean): Promise<MessageView> {
    const userId = userOf(actor);
    return this.commit(async (tx, emit) => {
      const { row } = await this.messageFor(tx, actor, messageId, 'post');
      const now = this.now();
      const changed = add ? await tx.addReaction(messageId, userId, emoji, now) : await tx.removeReaction(messageId, userId, emoji);
      const message = (await tx.messageView(messageId))!;
      if (!changed) return message;
      const user = (await tx.userRefs([userId])).get(userId)!;
      await emit({ type: add ? 'reaction.added' : 'reaction.removed', data: { message, user, emoji } });
      if (add && row.author_id !== null && row.author_id !== userId) {
        const alert = await tx.insertAlert({ user_id: row.author_id, kind: 'reaction', from: user, space_id: row.space_id, message_id: messageId, text: `${user.display_name} reacted ${emoji}` }, now);
        await emit({ type: 'alert.created', data: { alert } });
      }
      return message;
    });
  }


  // ---- reads and unread counts --------------------------------------------------------------------
  async markRead(actor: Actor, messageId: number): Promise<UnreadView> {
    const userId = userOf(actor);
    return this.commit(async (tx, emit) => {
      const { row } = await this.messageFor(tx, actor, messageId, 'read');
      const now = this.now();
      if (await tx.addReceipt(messageId, userId, now)) {
        const user = (await tx.userRefs([userId])).get(userId)!;
        await emit({ type: 'message.read', data: { message: (await tx.messageView(messageId))!, user, at: now } });
      }
      const unread = await tx.unread(userId, row.space_id);
      await emit({ type: 'unread.updated', data: { unread, all_read: false } });
      return unread;
    });
  }

  async markAllRead(actor: Actor, spaceId: number): Promise<UnreadView> {
    const userId = userOf(actor);
    return this.commit(async (tx, emit) => {
      await this.spaceFor(tx, actor, spaceId, 'read');
      await tx.markAllRead(spaceId, userId);
      const unread = await tx.unread(userId, spaceId);
      await emit({ type: 'unread.updated', data: { unread, all_read: true } });
      return unread;
    });
  }

  async unread(actor: Actor): Promise<{ total_unread: number; spaces: { space_id: number; unread: number; oldest_unread_id: number }[] }> {
    const userId = userOf(actor);
    const counts = await this.store.read((r) => r.unreadCounts(userId));
    return {
      total_unread: counts.reduce((s, c) => s + c.count, 0),
      spaces: counts.map((c) => ({ space_id: c.space_id, unread: c.count, oldest_unread_id: c.oldest_unread_id })),
    };
  }

  // ---- files, attachments, locks --------------------------------------------------------------------
  async checkCanUpload(actor: Actor, spaceId: number): Promise<void> {
    await this.store.read((r) => this.spaceFor(r, actor, spaceId, 'post'));
  }

  async addFile(actor: Actor, spaceId: number, f: { name: string; mimetype: string; size: number; storage_key: string }): Promise<FileView> {
    return this.commit(async (tx, emit) => {
      await this.spaceFor(tx, actor, spaceId, 'post');
      const file = await tx.insertFile({ ...f, space_id: spaceId, uploaded_by: actor.userId }, this.now());
      await emit({ type: 'file.created', data: { file, actor_id: actor.userId } });
      const added = actor.userId === null ? `The file ${file.name} was added to this channel` : `@${actor.userId} has added the file ${file.name} to this channel`;
      await this.botMessage(tx, emit, spaceId, 1, added);
      return file;
    });
  }

  /**
   * A system message of kind 'bot' (no author) with meta {type, bot_message}, in the transaction of the
   * change it reports. Types (AirSend's): 1 a file was added to the space, 2 a user was added.
   */
  private async botMessage(tx: Repo, emit: Emit, spaceId: number, type: 1 | 2, text: string): Promise<void> {
    const now = this.now();
    const id = await tx.insertMessage({ space_id: spaceId, author_id: null, kind: 'bot', content: text, meta: { type, bot_message: text } }, now);
    await tx.touchSpace(spaceId, now);
    await emit({ type: 'message.created', data: { message: (await tx.messageView(id))! } });
  }

  async file(actor: Actor, fileId: number): Promise<FileView & { storage_key: string }> {
    return this.store.read(async (r) => {
      const f = await r.file(fileId);
      if (!f || f.deleted) throw notFound('file');
      await this.spaceFor(r, actor, f.space_id, 'read').catch(() => {
        throw notFound('file');
      });
      return f;
    });
  }

  /** Removes one attachment from a message (author or manager). */
  async deleteAttachment(actor: Actor, messageId: number, fileId: number): Promise<void> {
    await this.commit(async (tx, emit) => {
      const { row, role } = await this.messageFor(tx, actor, messageId, 'read');
      if (row.author_id !== actor.userId && !can(role, 'manage')) throw forbidden('only the author or a manager may delete an attachment');
      const file = await tx.file(fileId);
      if (!file || !(await tx.detachFile(messageId, fileId))) throw notFound('attachment');
      const { storage_key: _k, deleted: _d, ...view } = file;
      await emit({ type: 'attachment.deleted', data: { space_id: row.space_id, message_ids: [messageId], message_uuids: [row.uuid], files: [view], actor_id: actor.userId } });
    });
  }

  async lockFile(actor: Actor, fileId: number): Promise<LockView> {
    const userId = userOf(actor);
    return this.commit(async (tx, emit) => {
      const file = await tx.file(fileId);
      if (!file || file.deleted) throw notFound('file');
      await this.spaceFor(tx, actor, file.space_id, 'post');
      const existing = await tx.lock(fileId);
      if (existing) {
        if (existing.user_id === userId) return existing;
        throw conflict(`file is locked by user ${existing.user_id}`);
      }
      const lock = await tx.insertLock(file, userId, this.now());
      await emit({ type: 'lock.acquired', data: { lock } });
      return lock;
    });
  }

  async releaseFile(actor: Actor, fileId: number): Promise<void> {
    await this.commit(async (tx, emit) => {
      const file = await tx.file(fileId);
      if (!file) throw notFound('file');
      const { role } = await this.spaceFor(tx, actor, file.space_id, 'post');
      const lock = await tx.lock(fileId);
      if (!lock) throw notFound('lock');
      if (lock.user_id !== actor.userId && !can(role, 'manage')) throw forbidden('only the holder or a manager may release a lock');
      await tx.deleteLock(lock.id);
      await emit({ type: 'lock.released', data: { lock, actor_id: actor.userId } });
    });
  }

  // ---- action items ---------------------------------------------------------------------------------
  async createAction(actor: Actor, spaceId: number, input: { name: string; description?: string; type?: number; due_at?: number | null; assignee_id?: number | null }): Promise<ActionView> {
    return this.commit(async (tx, emit) => {
      await this.spaceFor(tx, actor, spaceId, 'post');
      if (input.assignee_id != null && !(await tx.role(spaceId, input.assignee_id))) throw badRequest('assignee is not a member of this space');
      const action = await tx.insertAction(
        { space_id: spaceId, name: input.name, description: input.description ?? '', type: input.type ?? 1, status: 0, due_at: input.due_at ?? null, assignee_id: input.assignee_id ?? null, created_by: actor.userId },
        this.now(),
      );
      await emit({ type: 'action.created', data: { action } });
      return action;
    });
  }

  async actions(actor: Actor, spaceId: number): Promise<ActionView[]> {
    return this.store.read(async (r) => {
      await this.spaceFor(r, actor, spaceId, 'read');
      return r.listActions(spaceId);
    });
  }

  async updateAction(actor: Actor, actionId: number, patch: { name?: string; description?: string; status?: number; due_at?: number | null; assignee_id?: number | null }): Promise<ActionView> {
    return this.commit(async (tx, emit) => {
      const a = await tx.action(actionId);
      if (!a) throw notFound('action');
      await this.spaceFor(tx, actor, a.space_id, 'post').catch(() => {
        throw notFound('action');
      });
      if (patch.assignee_id != null && !(await tx.role(a.space_id, patch.assignee_id))) throw badRequest('assignee is not a member of this space');
      await tx.updateAction(actionId, patch, actor.userId, this.now());
      const action = (await tx.action(actionId))!;
      await emit({ type: 'action.updated', data: { action } });
      return action;
    });
  }

  async deleteAction(actor: Actor, actionId: number): Promise<void> {
    await this.commit(async (tx, emit) => {
      const a = await tx.action(actionId);
      if (!a) throw notFound('action');
      const { role } = await this.spaceFor(tx, actor, a.space_id, 'post').catch(() => {
        throw notFound('action');
      });
      if (a.created_by !== actor.userId && !can(role, 'manage')) throw forbidden('only the creator or a manager may delete an action item');
      await tx.deleteAction(actionId);
      await emit({ type: 'action.deleted', data: { action: a, actor_id: actor.userId } });
    });
  }

  async alerts(actor: Actor, limit: number): Promise<AlertView[]> {
    const userId = userOf(actor);
    return this.store.read((r) => r.alerts(userId, limit));
  }

  // ---- custom events from an app's backend -------------------------------------------------------------
  async publishCustom(actor: Actor, name: string, spaceId: number | null, payload: Record<string, unknown>): Promise<Delivered> {
    if (!actor.server) throw forbidden('custom events need the server API key');
    if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(name)) throw badRequest('custom event names are lowercase letters, digits, _ . -');
    return this.commit(async (tx, emit) => {
      if (spaceId !== null) {
        const s = await tx.space(spaceId);
        if (!s || s.deleted) throw notFound('space');
      }
      return emit({ type: `custom.${name}`, data: { space_id: spaceId, payload, actor_id: actor.userId } });
    });
  }

  userRefs(ids: readonly number[]): Promise<Map<number, UserRef>> {
    return this.store.read((r) => r.userRefs(ids));
  }
}
