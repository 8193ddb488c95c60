// Commands for Tracim's side of a space: the content tree (with revisions), comments, todos, files,
// mentions, content reactions, tags, workspace subscriptions, calls, and user/space (un)deletion.
// Same rules as service/chat.ts: check permissions, change state and append events in one
// transaction, publish once committed (in commit order).
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Repo } from '../store/repo.js';
import type { Bus } from '../bus/bus.js';
import type { Role, SpaceView, User, UserRef } from '../core/model.js';
import type { CallState, ContentStatus, ContentType, ContentView, ContentReactionView, SpaceRef, SubscriptionView, TagView, CallView } from '../core/content-model.js';
import { ContentRepo } from '../store/content-repo.js';
import { badRequest, conflict, forbidden, notFound } from '../core/errors.js';
import { ensure, mayAssignRole, type SpaceAction } from '../core/permissions.js';
import { parseMentions } from '../core/mentions.js';
import type { Actor } from '../core/actor.js';
import { commitEvents, userOf, type Emit } from './commit.js';


export interface ContentOptions {
  now?: () => number;
  /** Base of the meeting URL handed out for calls. */
  callUrlBase?: string;
}

export interface NewContentInput {
  content_type: ContentType;
  label: string;
  raw_content?: string;
  parent_id?: number | null;
  assignee_id?: number | null;
  /** Files (uploads): */
  mimetype?: string;
  size?: number;
  storage_key?: string;
  file_extension?: string;
}

const EXTENSIONS: Record<ContentType, string> = {
  thread: '.thread.html',
  'html-document': '.document.html',
  folder: '',
  file: '',
  comment: '',
  kanban: '.kanban',
  todo: '',
};

/** Content types whose text can mention users. */
const MENTIONING: ReadonlySet<ContentType> = new Set(['thread', 'html-document', 'comment', 'todo']);

export class ContentService {
  private readonly now: () => number;
  private readonly callUrlBase: string;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    opts: ContentOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.callUrlBase = opts.callUrlBase ?? 'https://meet.jit.si/herald-';
  }

  private commit<T>(fn: (tx: Repo, cr: ContentRepo, emit: Emit) => Promise<T>): Promise<T> {
    return commitEvents(this.store, this.bus, this.now, (tx, emit) => fn(tx, new ContentRepo(tx.db), emit));
  }

  private read<T>(fn: (r: Repo, cr: ContentRepo) => Promise<T>): Promise<T> {
    return this.store.read((r) => fn(r, new ContentRepo(r.db)));
  }

  /** The acting user's snapshot; null for the server API key acting as itself (Tracim's "tracimcli"). */
  private author(cr: ContentRepo, actor: Actor): Promise<UserRef | null> {
    return cr.userRef(actor.userId);
  }


  private async isAdmin(cr: ContentRepo, actor: Actor): Promise<boolean> {
    return actor.server || (actor.userId !== null && (await cr.isAdmin(actor.userId)));
  }

  /** Loads a live space and checks the actor may do `action` there; non-members learn nothing about it. */
  private async spaceFor(tx: Repo, cr: ContentRepo, actor: Actor, spaceId: number, action: SpaceAction): Promise<{ space: SpaceRef; role: Role }> {
    const role: Role | null = actor.server ? 'owner' : actor.userId === null ? null : await tx.role(spaceId, actor.userId);
    const space = await cr.spaceRef(spaceId);
    if (!space || space.deleted || role === null) throw notFound('workspace');
    ensure(role, action);
    return { space, role };
  }

  private async contentFor(tx: Repo, cr: ContentRepo, actor: Actor, spaceId: number, contentId: number, action: SpaceAction, allowDeleted = false) {
    const { space, role } = await this.spaceFor(tx, cr, actor, spaceId, action);
    const row = await cr.contentRow(contentId);
    if (!row || row.space_id !== spaceId || (row.deleted && !allowDeleted)) throw notFound('content');
    return { space, role, row };
  }

  // ---- users --------------------------------------------------------------------------------------
  /** Profile change through the Tracim API; unlike Chat.updateProfile it records who made it. */
  async updateUser(actor: Actor, userId: number, patch: { display_name?: string }): Promise<User> {
    return this.commit(async (tx, cr, emit) => {
      if (actor.userId !== userId && !(await this.isAdmin(cr, actor))) throw forbidden('you may only change your own profile');
      const before = await tx.user(userId);
      if (!before || before.deleted) throw notFound('user');
      await tx.updateUser(userId, patch, this.now());
      const user = (await tx.user(userId))!;
      const data = { user, actor_id: actor.userId, author: await this.author(cr, actor) };
      await emit({ type: 'user.updated', data });
      return user;
    });
  }

  /** Disables (deleted) or re-enables a user account: administrators and the server API key only. */
  async setUserDeleted(actor: Actor, userId: number, deleted: boolean): Promise<User> {
    return this.commit(async (tx, cr, emit) => {
      if (!(await this.isAdmin(cr, actor))) throw forbidden('only administrators may delete or restore users');
      if (actor.userId === userId) throw badRequest('you cannot delete yourself');
      const state = await cr.userDeleted(userId);
      if (state === null) throw notFound('user');
      if (state === deleted) throw conflict(deleted ? 'user is already deleted' : 'user is not deleted');
      await cr.setUserDeleted(userId, deleted, this.now());
      const user = (await tx.user(userId))!;
      await emit({ type: deleted ? 'user.deleted' : 'user.undeleted', data: { user, actor_id: actor.userId, author: await this.author(cr, actor) } });
      return user;
    });
  }

  // ---- spaces -------------------------------------------------------------------------------------
  /** Restores a deleted space (its owners, administrators, or the server API key). */
  async undeleteSpace(actor: Actor, spaceId: number): Promise<SpaceView> {
    return this.commit(async (tx, cr, emit) => {
      const space = await tx.space(spaceId);
      if (!space || space.kind !== 'multi') throw notFound('workspace');
      const role = actor.userId === null ? null : await tx.role(spaceId, actor.userId);
      if (!actor.server && role !== 'owner' && !(await this.isAdmin(cr, actor))) throw notFound('workspace');
      if (!space.deleted) throw conflict('workspace is not deleted');
      await tx.updateSpace(spaceId, { deleted: false }, this.now());
      const restored = (await tx.space(spaceId))!;
      await emit({ type: 'space.undeleted', data: { space: restored, actor_id: actor.userId } });
      return restored;
    });
  }

  // ---- content tree -------------------------------------------------------------------------------
  private async view(cr: ContentRepo, id: number): Promise<ContentView> {
    return (await cr.contentView(id))!;
  }

  /** Mentions new in `text` (compared with `previous`): one mention.created per recipient, "all" for @all. */
  private async mentions(tx: Repo, cr: ContentRepo, space: SpaceRef, content: ContentView, text: string, previous: string, author: UserRef | null, emit: Emit): Promise<void> {
    if (!MENTIONING.has(content.type)) return;
    const now = parseMentions(text);
    const before = parseMentions(previous);
    const members = await tx.members(space.id);
    if (now.all && !before.all) {
      await emit({ type: 'mention.created', data: { content, space, author, recipient: 'all', user_ids: members.map((m) => m.user.id) } });
    }
    const old = new Set(before.usernames);
    for (const name of now.usernames) {
      if (old.has(name)) continue;
      const m = members.find((x) => x.user.username.toLowerCase() === name);
      if (m) await emit({ type: 'mention.created', data: { content, space, author, recipient: m.user.username, user_ids: [m.user.id] } });
    }
  }

  async createContent(actor: Actor, spaceId: number, input: NewContentInput): Promise<ContentView> {
    return this.commit(async (tx, cr, emit) => {
      const { space } = await this.spaceFor(tx, cr, actor, spaceId, 'post');
      return this.insert(tx, cr, actor, space, input, emit);
    });
  }

  private async insert(tx: Repo, cr: ContentRepo, actor: Actor, space: SpaceRef, input: NewContentInput, emit: Emit): Promise<ContentView> {
    const now = this.now();
    const parentId = input.parent_id ?? null;
    if (parentId !== null) {
      const parent = await cr.contentRow(parentId);
      if (!parent || parent.space_id !== space.id || parent.deleted) throw badRequest('parent_id is not a content of this workspace');
      if (input.content_type !== 'comment' && input.content_type !== 'todo' && parent.type !== 'folder') throw badRequest('only folders contain contents; comments and todos go under any content');
    } else if (input.content_type === 'comment' || input.content_type === 'todo') {
      throw badRequest(`a ${input.content_type} needs a parent content`);
    }
    if (input.assignee_id != null && (await tx.role(space.id, input.assignee_id)) === null) throw badRequest('assignee_id is not a member of this workspace');
    const raw = input.raw_content ?? '';
    const isKanban = input.content_type === 'kanban';
    const id = await cr.insertContent(
      {
        space_id: space.id,
        parent_id: parentId,
        type: input.content_type,
        label: input.label,
        raw_content: raw,
        file_extension: input.file_extension ?? EXTENSIONS[input.content_type],
        mimetype: input.mimetype ?? (isKanban ? 'application/json' : null),
        size: input.size ?? (isKanban ? Buffer.byteLength(raw) : null),
        storage_key: input.storage_key ?? null,
        assignee_id: input.assignee_id ?? null,
        author_id: actor.userId,
      },
      now,
    );
    await cr.addRevision(id, 'creation', actor.userId, now);
    if (parentId !== null) await tx.touchSpace(space.id, now);
    const content = await this.view(cr, id);
    const author = await this.author(cr, actor);
    await emit({ type: 'content.created', data: { content, space, author } });
    await this.mentions(tx, cr, space, content, raw, '', author, emit);
    return content;
  }

  async addComment(actor: Actor, spaceId: number, contentId: number, raw: string): Promise<ContentView> {
    return this.commit(async (tx, cr, emit) => {
      const { space } = await this.contentFor(tx, cr, actor, spaceId, contentId, 'post');
      return this.insert(tx, cr, actor, space, { content_type: 'comment', label: '', raw_content: raw, parent_id: contentId }, emit);
    });
  }

  async addTodo(actor: Actor, spaceId: number, contentId: number, input: { raw_content: string; assignee_id?: number | null }): Promise<ContentView> {
    return this.commit(async (tx, cr, emit) => {
      const { space } = await this.contentFor(tx, cr, actor, spaceId, contentId, 'post');
      return this.insert(tx, cr, actor, space, { content_type: 'todo', label: input.raw_content.slice(0, 200), raw_content: input.raw_content, parent_id: contentId, assignee_id: input.assignee_id ?? null }, emit);
    });
  }

  async content(actor: Actor, spaceId: number, contentId: number): Promise<ContentView & { reactions: ContentReactionView[]; tags: TagView[] }> {
    return this.read(async (r, cr) => {
      await this.contentFor(r, cr, actor, spaceId, contentId, 'read', true);
      return { ...(await this.view(cr, contentId)), reactions: await cr.reactions(contentId), tags: await cr.contentTags(contentId) };
    });
  }

  async contents(actor: Actor, spaceId: number, parentId: number | null | undefined, includeDeleted: boolean): Promise<ContentView[]> {
    return this.read(async (r, cr) => {
      await this.spaceFor(r, cr, actor, spaceId, 'read');
      return cr.listContents(spaceId, parentId, includeDeleted);
    });
  }

  async revisions(actor: Actor, spaceId: number, contentId: number) {
    return this.read(async (r, cr) => {
      await this.contentFor(r, cr, actor, spaceId, contentId, 'read', true);
      return cr.revisions(contentId);
    });
  }

  /** Label / text / status / assignee change: one new revision, one content.modified. */
  async updateContent(
    actor: Actor,
    spaceId: number,
    contentId: number,
    patch: { label?: string; raw_content?: string; status?: ContentStatus; assignee_id?: number | null; mimetype?: string; size?: number; storage_key?: string; file_extension?: string },
  ): Promise<ContentView> {
    return this.commit(async (tx, cr, emit) => {
      const { space, row } = await this.contentFor(tx, cr, actor, spaceId, contentId, 'post');
      if (!actor.server && row.type === 'comment' && row.author_id !== actor.userId) throw forbidden('only the author may edit a comment');
      if (patch.assignee_id != null && (await tx.role(spaceId, patch.assignee_id)) === null) throw badRequest('assignee_id is not a member of this workspace');
      const now = this.now();
      const raw = patch.raw_content ?? row.raw_content;
      await cr.updateContent(
        contentId,
        {
          ...(patch.label !== undefined ? { label: patch.label } : {}),
          ...(patch.raw_content !== undefined ? { raw_content: patch.raw_content } : {}),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(patch.assignee_id !== undefined ? { assignee_id: patch.assignee_id } : {}),
          ...(patch.mimetype !== undefined ? { mimetype: patch.mimetype } : {}),
          ...(patch.size !== undefined ? { size: patch.size } : {}),
          ...(patch.storage_key !== undefined ? { storage_key: patch.storage_key } : {}),
          ...(patch.file_extension !== undefined ? { file_extension: patch.file_extension } : {}),
          ...(row.type === 'kanban' && patch.raw_content !== undefined ? { size: Buffer.byteLength(patch.raw_content) } : {}),
        },
        now,
      );
      const onlyStatus = patch.status !== undefined && patch.label === undefined && patch.raw_content === undefined;
      await cr.addRevision(contentId, onlyStatus ? 'status-update' : 'edition', actor.userId, now);
      const content = await this.view(cr, contentId);
      const author = await this.author(cr, actor);
      await emit({ type: 'content.updated', data: { content, space, author } });
      await this.mentions(tx, cr, space, content, raw, row.raw_content, author, emit);
      return content;
    });
  }

  async setDeleted(actor: Actor, spaceId: number, contentId: number, deleted: boolean): Promise<ContentView> {
    return this.commit(async (tx, cr, emit) => {
      const { space, row, role } = await this.contentFor(tx, cr, actor, spaceId, contentId, 'post', true);
      if (bool(row.deleted) === deleted) throw conflict(deleted ? 'content is already deleted' : 'content is not deleted');
      if (!actor.server && row.author_id !== actor.userId && role !== 'owner' && role !== 'manager') throw forbidden('only the author or a manager may delete a content');
      const now = this.now();
      await cr.updateContent(contentId, { deleted: deleted ? 1 : 0 }, now);
      await cr.addRevision(contentId, deleted ? 'deletion' : 'undeletion', actor.userId, now);
      const content = await this.view(cr, contentId);
      await emit({ type: deleted ? 'content.deleted' : 'content.undeleted', data: { content, space, author: await this.author(cr, actor) } });
      return content;
    });
  }

  /** Moves a content under another folder (or the root), possibly of another workspace the actor may post in. */
  async move(actor: Actor, spaceId: number, contentId: number, to: { new_parent_id: number | null; new_workspace_id?: number }): Promise<ContentView> {
    return this.commit(async (tx, cr, emit) => {
      const { row } = await this.contentFor(tx, cr, actor, spaceId, contentId, 'post');
      const targetSpaceId = to.new_workspace_id ?? spaceId;
      const { space: target } = await this.spaceFor(tx, cr, actor, targetSpaceId, 'post');
      if (row.type === 'comment' || row.type === 'todo') throw badRequest('comments and todos move with their parent');
      if (to.new_parent_id !== null) {
        const parent = await cr.contentRow(to.new_parent_id);
        if (!parent || parent.space_id !== targetSpaceId || parent.deleted || parent.type !== 'folder') throw badRequest('new_parent_id is not a folder of the target workspace');
        if (await cr.isAncestor(contentId, to.new_parent_id)) throw badRequest('a folder cannot move into itself');
      }
      const now = this.now();
      await cr.updateContent(contentId, { parent_id: to.new_parent_id, space_id: targetSpaceId }, now);
      if (targetSpaceId !== spaceId) await this.moveDescendants(cr, contentId, targetSpaceId, now);
      await cr.addRevision(contentId, 'move', actor.userId, now);
      const content = await this.view(cr, contentId);
      await emit({ type: 'content.moved', data: { content, space: target, author: await this.author(cr, actor), from_space_id: spaceId, from_parent_id: row.parent_id } });
      return content;
    });
  }

  private async moveDescendants(cr: ContentRepo, parentId: number, spaceId: number, now: number): Promise<void> {
    const rows = await cr.db.selectFrom('contents').select('id').where('parent_id', '=', parentId).execute();
    for (const r of rows) {
      await cr.updateContent(r.id, { space_id: spaceId }, now);
      await this.moveDescendants(cr, r.id, spaceId, now);
    }
  }

  /** Copies one content (not its children, comments or todos) as a new content: one content.copied. */
  async copy(actor: Actor, spaceId: number, contentId: number, to: { new_label?: string; new_parent_id?: number | null; new_workspace_id?: number }): Promise<ContentView> {
    return this.commit(async (tx, cr, emit) => {
      const { row } = await this.contentFor(tx, cr, actor, spaceId, contentId, 'read');
      const targetSpaceId = to.new_workspace_id ?? spaceId;
      const { space: target } = await this.spaceFor(tx, cr, actor, targetSpaceId, 'post');
      if (row.type === 'comment' || row.type === 'todo') throw badRequest('comments and todos cannot be copied alone');
      const parentId = to.new_parent_id !== undefined ? to.new_parent_id : targetSpaceId === spaceId ? row.parent_id : null;
      if (parentId !== null) {
        const parent = await cr.contentRow(parentId);
        if (!parent || parent.space_id !== targetSpaceId || parent.deleted || parent.type !== 'folder') throw badRequest('new_parent_id is not a folder of the target workspace');
      }
      const now = this.now();
      const id = await cr.insertContent(
        {
          space_id: targetSpaceId,
          parent_id: parentId,
          type: row.type as ContentType,
          label: to.new_label ?? row.label,
          raw_content: row.raw_content,
          status: row.status as ContentStatus,
          file_extension: row.file_extension,
          mimetype: row.mimetype,
          size: row.size,
          storage_key: row.storage_key,
          assignee_id: null,
          author_id: actor.userId,
        },
        now,
      );
      await cr.addRevision(id, 'copy', actor.userId, now);
      const content = await this.view(cr, id);
      await emit({ type: 'content.copied', data: { content, space: target, author: await this.author(cr, actor), source_id: contentId } });
      return content;
    });
  }

  // ---- reactions ----------------------------------------------------------------------------------
  async react(actor: Actor, spaceId: number, contentId: number, emoji: string): Promise<ContentReactionView> {
    const userId = userOf(actor);
    return this.commit(async (tx, cr, emit) => {
      const { space } = await this.contentFor(tx, cr, actor, spaceId, contentId, 'read');
      const id = await cr.addReaction(contentId, userId, emoji, this.now());
      if (id === null) throw conflict('you already reacted with this emoji');
      const reaction = (await cr.reaction(id))!;
      await emit({ type: 'content_reaction.added', data: { content: await this.view(cr, contentId), space, author: await this.author(cr, actor), reaction } });
      return reaction;
    });
  }

  async unreact(actor: Actor, spaceId: number, contentId: number, reactionId: number): Promise<void> {
    await this.commit(async (tx, cr, emit) => {
      const { space } = await this.contentFor(tx, cr, actor, spaceId, contentId, 'read');
      const reaction = await cr.reaction(reactionId);
      if (!reaction || reaction.content_id !== contentId) throw notFound('reaction');
      if (!actor.server && reaction.user.id !== actor.userId) throw forbidden('you may only remove your own reactions');
      await cr.deleteReaction(reactionId);
      await emit({ type: 'content_reaction.removed', data: { content: await this.view(cr, contentId), space, author: await this.author(cr, actor), reaction } });
    });
  }

  // ---- tags ---------------------------------------------------------------------------------------
  async tags(actor: Actor, spaceId: number): Promise<TagView[]> {
    return this.read(async (r, cr) => {
      await this.spaceFor(r, cr, actor, spaceId, 'read');
      return cr.tags(spaceId);
    });
  }

  async createTag(actor: Actor, spaceId: number, name: string): Promise<TagView> {
    return this.commit(async (tx, cr, emit) => {
      const { space } = await this.spaceFor(tx, cr, actor, spaceId, 'post');
      return this.newTag(cr, actor, space, name, emit);
    });
  }

  private async newTag(cr: ContentRepo, actor: Actor, space: SpaceRef, name: string, emit: Emit): Promise<TagView> {
    if (await cr.tagByName(space.id, name)) throw conflict('a tag with this name already exists in this workspace');
    const tag = await cr.insertTag(space.id, name, actor.userId, this.now());
    await emit({ type: 'tag.created', data: { tag, space, author: await this.author(cr, actor) } });
    return tag;
  }

  async renameTag(actor: Actor, spaceId: number, tagId: number, name: string): Promise<TagView> {
    return this.commit(async (tx, cr, emit) => {
      const { space } = await this.spaceFor(tx, cr, actor, spaceId, 'manage');
      const tag = await cr.tag(tagId);
      if (!tag || tag.space_id !== spaceId) throw notFound('tag');
      const clash = await cr.tagByName(spaceId, name);
      if (clash && clash.id !== tagId) throw conflict('a tag with this name already exists in this workspace');
      await cr.renameTag(tagId, name);
      const updated = (await cr.tag(tagId))!;
      await emit({ type: 'tag.updated', data: { tag: updated, space, author: await this.author(cr, actor) } });
      return updated;
    });
  }

  async deleteTag(actor: Actor, spaceId: number, tagId: number): Promise<void> {
    await this.commit(async (tx, cr, emit) => {
      const { space } = await this.spaceFor(tx, cr, actor, spaceId, 'manage');
      const tag = await cr.tag(tagId);
      if (!tag || tag.space_id !== spaceId) throw notFound('tag');
      await cr.deleteTag(tagId);
      await emit({ type: 'tag.deleted', data: { tag, space, author: await this.author(cr, actor) } });
    });
  }

  /** Tags a content with an existing tag (by id) or by name (creating the tag, one tag.created first). */
  async tagContent(actor: Actor, spaceId: number, contentId: number, by: { tag_id?: number; tag_name?: string }): Promise<TagView> {
    return this.commit(async (tx, cr, emit) => {
      const { space } = await this.contentFor(tx, cr, actor, spaceId, contentId, 'post');
      let tag: TagView | null;
      if (by.tag_id !== undefined) {
        tag = await cr.tag(by.tag_id);
        if (!tag || tag.space_id !== spaceId) throw notFound('tag');
      } else if (by.tag_name !== undefined) {
        tag = (await cr.tagByName(spaceId, by.tag_name)) ?? (await this.newTag(cr, actor, space, by.tag_name, emit));
      } else throw badRequest('give tag_id or tag_name');
      if (!(await cr.tagContent(contentId, tag.id))) throw conflict('content already has this tag');
      await emit({ type: 'content_tag.added', data: { tag, content: await this.view(cr, contentId), space, author: await this.author(cr, actor) } });
      return tag;
    });
  }

  async untagContent(actor: Actor, spaceId: number, contentId: number, tagId: number): Promise<void> {
    await this.commit(async (tx, cr, emit) => {
      const { space } = await this.contentFor(tx, cr, actor, spaceId, contentId, 'post');
      const tag = await cr.tag(tagId);
      if (!tag || tag.space_id !== spaceId || !(await cr.untagContent(contentId, tagId))) throw notFound('content tag');
      await emit({ type: 'content_tag.removed', data: { tag, content: await this.view(cr, contentId), space, author: await this.author(cr, actor) } });
    });
  }

  async contentTags(actor: Actor, spaceId: number, contentId: number): Promise<TagView[]> {
    return this.read(async (r, cr) => {
      await this.contentFor(r, cr, actor, spaceId, contentId, 'read');
      return cr.contentTags(contentId);
    });
  }

  // ---- workspace subscriptions --------------------------------------------------------------------
  /** A user asks to join an on-request workspace (state pending; a rejected request may be renewed). */
  async subscribe(actor: Actor, userId: number, spaceId: number): Promise<SubscriptionView> {
    return this.commit(async (tx, cr, emit) => {
      if (actor.userId !== userId && !actor.server) throw forbidden('you may only subscribe yourself');
      const space = await cr.spaceRef(spaceId);
      if (!space || space.deleted || space.access !== 'on_request') throw notFound('on-request workspace');
      if (await tx.role(spaceId, userId)) throw conflict('already a member');
      const existing = await cr.subscriptionRow(spaceId, userId);
      if (existing?.state === 'pending') throw conflict('a subscription is already pending');
      const id = await cr.upsertSubscription(spaceId, userId, this.now());
      const subscription = (await cr.subscriptionView(id))!;
      const data = { subscription, author: await this.author(cr, actor), manager_ids: await cr.managerIds(spaceId) };
      await emit(existing ? { type: 'subscription.updated', data } : { type: 'subscription.created', data });
      return subscription;
    });
  }

  /** A manager accepts (the user joins with `role`: member.added follows) or rejects a pending subscription. */
  async evaluate(actor: Actor, spaceId: number, userId: number, accept: boolean, role: Role = 'member'): Promise<SubscriptionView> {
    return this.commit(async (tx, cr, emit) => {
      const { role: actorRole } = await this.spaceFor(tx, cr, actor, spaceId, 'manage');
      const row = await cr.subscriptionRow(spaceId, userId);
      if (!row) throw notFound('subscription');
      if (row.state !== 'pending') throw conflict(`subscription is already ${row.state}`);
      const now = this.now();
      await cr.evaluateSubscription(row.id, accept ? 'accepted' : 'rejected', actor.userId, now);
      const author = await this.author(cr, actor);
      const subscription = (await cr.subscriptionView(row.id))!;
      await emit({ type: 'subscription.updated', data: { subscription, author, manager_ids: await cr.managerIds(spaceId) } });
      if (accept && !(await tx.role(spaceId, userId))) {
        if (!mayAssignRole(actorRole, role)) throw forbidden(`role ${actorRole} may not grant ${role}`);
        await tx.addMember(spaceId, userId, role, now);
        const updated = (await tx.space(spaceId))!;
        const member = updated.members.find((m) => m.user.id === userId)!;
        await emit({ type: 'member.added', data: { space: updated, member, actor_id: actor.userId } });
      }
      return subscription;
    });
  }

  /** The author withdraws a pending subscription. */
  async withdraw(actor: Actor, userId: number, spaceId: number): Promise<void> {
    await this.commit(async (_tx, cr, emit) => {
      if (actor.userId !== userId && !actor.server) throw forbidden('you may only withdraw your own subscription');
      const row = await cr.subscriptionRow(spaceId, userId);
      if (!row || row.state !== 'pending') throw notFound('pending subscription');
      const subscription = (await cr.subscriptionView(row.id))!;
      const manager_ids = await cr.managerIds(spaceId);
      await cr.deleteSubscription(row.id);
      await emit({ type: 'subscription.deleted', data: { subscription, author: await this.author(cr, actor), manager_ids } });
    });
  }

  async subscriptions(actor: Actor, filter: { spaceId?: number; userId?: number }): Promise<SubscriptionView[]> {
    return this.read(async (r, cr) => {
      if (filter.spaceId !== undefined) await this.spaceFor(r, cr, actor, filter.spaceId, 'manage');
      else if (filter.userId !== actor.userId && !(await this.isAdmin(cr, actor))) throw forbidden('you may only list your own subscriptions');
      const out: SubscriptionView[] = [];
      for (const id of await cr.subscriptionIds({ spaceId: filter.spaceId, authorId: filter.userId })) {
        const v = await cr.subscriptionView(id);
        if (v) out.push(v);
      }
      return out;
    });
  }

  // ---- calls --------------------------------------------------------------------------------------
  async createCall(actor: Actor, callerId: number, calleeId: number): Promise<CallView> {
    return this.commit(async (tx, cr, emit) => {
      if (actor.userId !== callerId && !actor.server) throw forbidden('you may only call as yourself');
      if (callerId === calleeId) throw badRequest('you cannot call yourself');
      const callee = await tx.user(calleeId);
      if (!callee || callee.deleted) throw notFound('callee');
      const id = await cr.insertCall(callerId, calleeId, this.callUrlBase + randomUUID(), this.now());
      const call = (await cr.callView(id))!;
      await emit({ type: 'call.created', data: { call, author: await this.author(cr, actor) } });
      return call;
    });
  }

  /** State change by the caller (cancelled, unanswered) or the callee (accepted, rejected, declined). */
  async setCallState(actor: Actor, userId: number, callId: number, side: 'caller' | 'callee', state: CallState): Promise<CallView> {
    return this.commit(async (_tx, cr, emit) => {
      if (actor.userId !== userId && !actor.server) throw forbidden('you may only change your own calls');
      const call = await cr.callView(callId);
      if (!call || (side === 'caller' ? call.caller.id : call.callee.id) !== userId) throw notFound('call');
      const allowed: CallState[] = side === 'caller' ? ['cancelled', 'unanswered', 'in_progress'] : ['accepted', 'rejected', 'declined', 'unanswered'];
      if (!allowed.includes(state)) throw badRequest(`the ${side} may set the state to ${allowed.join(', ')}`);
      await cr.setCallState(callId, state, this.now());
      const updated = (await cr.callView(callId))!;
      await emit({ type: 'call.updated', data: { call: updated, author: await this.author(cr, actor) } });
      return updated;
    });
  }

  async deleteCall(actor: Actor, userId: number, callId: number): Promise<void> {
    await this.commit(async (_tx, cr, emit) => {
      if (actor.userId !== userId && !actor.server) throw forbidden('you may only delete your own calls');
      const call = await cr.callView(callId);
      if (!call || call.caller.id !== userId) throw notFound('call');
      await cr.deleteCall(callId);
      await emit({ type: 'call.deleted', data: { call, author: await this.author(cr, actor) } });
    });
  }

  async calls(actor: Actor, userId: number, side: 'caller' | 'callee'): Promise<CallView[]> {
    return this.read(async (_r, cr) => {
      if (actor.userId !== userId && !(await this.isAdmin(cr, actor))) throw forbidden('you may only list your own calls');
      const out: CallView[] = [];
      for (const id of await cr.callIds(userId, side)) {
        const v = await cr.callView(id);
        if (v) out.push(v);
      }
      return out;
    });
  }

  // ---- TLM read state -----------------------------------------------------------------------------
  async markTlmsRead(userId: number, eventIds: readonly number[]): Promise<number> {
    return this.store.write((tx) => new ContentRepo(tx.db).markRead(userId, eventIds, this.now()));
  }

  async tlmReadDates(userId: number, eventIds: readonly number[]): Promise<Map<number, number>> {
    return this.read((_r, cr) => cr.readDates(userId, eventIds));
  }

  async isAdminActor(actor: Actor): Promise<boolean> {
    return this.read((_r, cr) => this.isAdmin(cr, actor));
  }
}

const bool = (v: number) => v !== 0;
