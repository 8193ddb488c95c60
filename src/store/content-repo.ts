// Queries for the Tracim tables (migration 002_tracim). Construct it with the transaction handle,
// `new ContentRepo(tx.db)` inside `store.write(tx => ...)`, so it shares the transaction.
import type { Selectable } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { DB } from './schema.js';
import type { UserRef } from '../core/model.js';
import type {
  CallState,
  CallView,
  ContentReactionView,
  ContentStatus,
  ContentType,
  ContentView,
  RevisionType,
  SpaceRef,
  SubscriptionState,
  SubscriptionView,
  TagView,
} from '../core/content-model.js';
import { bool, n, toUserRef, type Db } from './repo.js';

type ContentRow = Selectable<DB['contents']>;


export interface NewContent {
  space_id: number;
  parent_id: number | null;
  type: ContentType;
  label: string;
  raw_content: string;
  status?: ContentStatus;
  file_extension: string;
  mimetype?: string | null;
  size?: number | null;
  storage_key?: string | null;
  assignee_id?: number | null;
  author_id: number | null;
}

export function slugify(label: string): string {
  return (
    label
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'content'
  );
}

export class ContentRepo {
  constructor(readonly db: Db) {}

  // ---- users and spaces ---------------------------------------------------------------------------
  async userRef(id: number | null): Promise<UserRef | null> {
    if (id === null) return null;
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toUserRef(r) : null;
  }

  async userDeleted(id: number): Promise<boolean | null> {
    const r = await this.db.selectFrom('users').select('deleted').where('id', '=', id).executeTakeFirst();
    return r ? bool(r.deleted) : null;
  }

  async setUserDeleted(id: number, deleted: boolean, now: number): Promise<void> {
    await this.db.updateTable('users').set({ deleted: deleted ? 1 : 0, updated_at: now }).where('id', '=', id).execute();
  }

  async isAdmin(id: number): Promise<boolean> {
    const r = await this.db.selectFrom('users').select('is_admin').where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    return r ? bool(r.is_admin) : false;
  }

  async spaceRef(id: number): Promise<SpaceRef | null> {
    const s = await this.db.selectFrom('spaces').select(['id', 'name', 'description', 'access', 'deleted', 'kind']).where('id', '=', id).executeTakeFirst();
    if (!s) return null;
    return { id: n(s.id), name: s.name, description: s.description, access: s.kind === 'multi' ? s.access : 'confidential', deleted: bool(s.deleted) };
  }

  /** Owners and managers of a space (they evaluate subscriptions). */
  async managerIds(spaceId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('members').select('user_id').where('space_id', '=', spaceId).where('role', 'in', ['owner', 'manager']).execute();
    return rows.map((r) => r.user_id);
  }

  // ---- contents -----------------------------------------------------------------------------------
  async insertContent(c: NewContent, now: number): Promise<number> {
    const r = await this.db
      .insertInto('contents')
      .values({
        uuid: randomUUID(),
        space_id: c.space_id,
        parent_id: c.parent_id,
        type: c.type,
        label: c.label,
        raw_content: c.raw_content,
        status: c.status ?? 'open',
        is_archived: 0,
        deleted: 0,
        file_extension: c.file_extension,
        mimetype: c.mimetype ?? null,
        size: c.size ?? null,
        storage_key: c.storage_key ?? null,
        assignee_id: c.assignee_id ?? null,
        author_id: c.author_id,
        current_revision_id: 0,
        current_revision_type: 'creation',
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return n(r.id);
  }

  async contentRow(id: number): Promise<ContentRow | null> {
    return (await this.db.selectFrom('contents').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async updateContent(
    id: number,
    patch: Partial<Pick<ContentRow, 'label' | 'raw_content' | 'status' | 'deleted' | 'is_archived' | 'parent_id' | 'space_id' | 'assignee_id' | 'mimetype' | 'size' | 'storage_key' | 'file_extension'>>,
    now: number,
  ): Promise<void> {
    await this.db.updateTable('contents').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
  }

  /** Records a revision of the content's current state and makes it the current revision. */
  async addRevision(contentId: number, type: RevisionType, authorId: number | null, now: number): Promise<number> {
    const c = await this.contentRow(contentId);
    if (!c) throw new Error(`content ${contentId} vanished`);
    const r = await this.db
      .insertInto('content_revisions')
      .values({ content_id: contentId, revision_type: type, label: c.label, raw_content: c.raw_content, status: c.status, author_id: authorId, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.db.updateTable('contents').set({ current_revision_id: n(r.id), current_revision_type: type }).where('id', '=', contentId).execute();
    return n(r.id);
  }

  async revisions(contentId: number) {
    const rows = await this.db.selectFrom('content_revisions').selectAll().where('content_id', '=', contentId).orderBy('id').execute();
    const authors = new Map<number, UserRef | null>();
    for (const r of rows) if (r.author_id !== null && !authors.has(r.author_id)) authors.set(r.author_id, await this.userRef(r.author_id));
    return rows.map((r) => ({
      revision_id: n(r.id),
      content_id: r.content_id,
      revision_type: r.revision_type,
      label: r.label,
      raw_content: r.raw_content,
      status: r.status,
      author: r.author_id === null ? null : (authors.get(r.author_id) ?? null),
      created_at: n(r.created_at),
    }));
  }

  async contentView(id: number): Promise<ContentView | null> {
    const c = await this.contentRow(id);
    if (!c) return null;
    const parent = c.parent_id === null ? null : await this.contentRow(c.parent_id);
    const label = c.label;
    const ext = c.file_extension;
    return {
      id: n(c.id),
      uuid: c.uuid,
      space_id: c.space_id,
      parent_id: c.parent_id,
      parent_label: parent?.label ?? null,
      type: c.type as ContentType,
      label,
      raw_content: c.raw_content,
      status: c.status as ContentStatus,
      is_archived: bool(c.is_archived),
      is_deleted: bool(c.deleted),
      file_extension: ext,
      filename: label.endsWith(ext) ? label : label + ext,
      slug: slugify(label),
      mimetype: c.mimetype,
      size: c.size === null ? null : n(c.size),
      assignee_id: c.assignee_id,
      author: await this.userRef(c.author_id),
      current_revision_id: c.current_revision_id,
      current_revision_type: c.current_revision_type as RevisionType,
      created_at: n(c.created_at),
      updated_at: n(c.updated_at),
    };
  }

  async listContents(spaceId: number, parentId: number | null | undefined, includeDeleted: boolean): Promise<ContentView[]> {
    let q = this.db.selectFrom('contents').select('id').where('space_id', '=', spaceId);
    if (parentId !== undefined) q = parentId === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', parentId);
    if (!includeDeleted) q = q.where('deleted', '=', 0);
    const ids = (await q.orderBy('id').execute()).map((r) => n(r.id));
    const out: ContentView[] = [];
    for (const id of ids) out.push((await this.contentView(id))!);
    return out;
  }

  /** True when `ancestorId` is `id` or one of its ancestors (a folder cannot move into itself). */
  async isAncestor(ancestorId: number, id: number | null): Promise<boolean> {
    for (let cur = id, depth = 0; cur !== null && depth < 1000; depth++) {
      if (cur === ancestorId) return true;
      cur = (await this.contentRow(cur))?.parent_id ?? null;
    }
    return false;
  }

  // ---- reactions ----------------------------------------------------------------------------------
  async addReaction(contentId: number, userId: number, emoji: string, now: number): Promise<number | null> {
    const exists = await this.db.selectFrom('content_reactions').select('id').where('content_id', '=', contentId).where('user_id', '=', userId).where('emoji', '=', emoji).executeTakeFirst();
    if (exists) return null;
    const r = await this.db.insertInto('content_reactions').values({ content_id: contentId, user_id: userId, emoji, created_at: now }).returning('id').executeTakeFirstOrThrow();
    return n(r.id);
  }

  async reaction(id: number): Promise<ContentReactionView | null> {
    const r = await this.db.selectFrom('content_reactions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    const user = await this.userRef(r.user_id);
    return user ? { id: n(r.id), content_id: r.content_id, emoji: r.emoji, user, created_at: n(r.created_at) } : null;
  }

  async reactions(contentId: number): Promise<ContentReactionView[]> {
    const rows = await this.db.selectFrom('content_reactions').select('id').where('content_id', '=', contentId).orderBy('id').execute();
    const out: ContentReactionView[] = [];
    for (const r of rows) {
      const v = await this.reaction(n(r.id));
      if (v) out.push(v);
    }
    return out;
  }

  async deleteReaction(id: number): Promise<void> {
    await this.db.deleteFrom('content_reactions').where('id', '=', id).execute();
  }

  // ---- tags ---------------------------------------------------------------------------------------
  private toTag(r: Selectable<DB['tags']>): TagView {
    return { id: n(r.id), space_id: r.space_id, name: r.name, created_at: n(r.created_at) };
  }

  async insertTag(spaceId: number, name: string, authorId: number | null, now: number): Promise<TagView> {
    const r = await this.db.insertInto('tags').values({ space_id: spaceId, name, author_id: authorId, created_at: now }).returningAll().executeTakeFirstOrThrow();
    return this.toTag(r);
  }

  async tag(id: number): Promise<TagView | null> {
    const r = await this.db.selectFrom('tags').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? this.toTag(r) : null;
  }

  async tagByName(spaceId: number, name: string): Promise<TagView | null> {
    const r = await this.db.selectFrom('tags').selectAll().where('space_id', '=', spaceId).where('name', '=', name).executeTakeFirst();
    return r ? this.toTag(r) : null;
  }

  async tags(spaceId: number): Promise<TagView[]> {
    return (await this.db.selectFrom('tags').selectAll().where('space_id', '=', spaceId).orderBy('id').execute()).map((r) => this.toTag(r));
  }

  async renameTag(id: number, name: string): Promise<void> {
    await this.db.updateTable('tags').set({ name }).where('id', '=', id).execute();
  }

  /** Deletes a tag and its content associations; returns the contents that carried it. */
  async deleteTag(id: number): Promise<number[]> {
    const rows = await this.db.selectFrom('content_tags').select('content_id').where('tag_id', '=', id).execute();
    await this.db.deleteFrom('content_tags').where('tag_id', '=', id).execute();
    await this.db.deleteFrom('tags').where('id', '=', id).execute();
    return rows.map((r) => r.content_id);
  }

  async tagContent(contentId: number, tagId: number): Promise<boolean> {
    const exists = await this.db.selectFrom('content_tags').select('tag_id').where('content_id', '=', contentId).where('tag_id', '=', tagId).executeTakeFirst();
    if (exists) return false;
    await this.db.insertInto('content_tags').values({ content_id: contentId, tag_id: tagId }).execute();
    return true;
  }

  async untagContent(contentId: number, tagId: number): Promise<boolean> {
    const r = await this.db.deleteFrom('content_tags').where('content_id', '=', contentId).where('tag_id', '=', tagId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async contentTags(contentId: number): Promise<TagView[]> {
    const rows = await this.db.selectFrom('content_tags').innerJoin('tags', 'tags.id', 'content_tags.tag_id').selectAll('tags').where('content_tags.content_id', '=', contentId).orderBy('tags.id').execute();
    return rows.map((r) => this.toTag(r));
  }

  // ---- subscriptions ------------------------------------------------------------------------------
  async subscriptionRow(spaceId: number, authorId: number) {
    return (await this.db.selectFrom('subscriptions').selectAll().where('space_id', '=', spaceId).where('author_id', '=', authorId).executeTakeFirst()) ?? null;
  }

  async upsertSubscription(spaceId: number, authorId: number, now: number): Promise<number> {
    const existing = await this.subscriptionRow(spaceId, authorId);
    if (existing) {
      await this.db.updateTable('subscriptions').set({ state: 'pending', created_at: now, evaluator_id: null, evaluated_at: null }).where('id', '=', existing.id).execute();
      return n(existing.id);
    }
    const r = await this.db.insertInto('subscriptions').values({ space_id: spaceId, author_id: authorId, state: 'pending', created_at: now, evaluator_id: null, evaluated_at: null }).returning('id').executeTakeFirstOrThrow();
    return n(r.id);
  }

  async evaluateSubscription(id: number, state: SubscriptionState, evaluatorId: number | null, now: number): Promise<void> {
    await this.db.updateTable('subscriptions').set({ state, evaluator_id: evaluatorId, evaluated_at: now }).where('id', '=', id).execute();
  }

  async deleteSubscription(id: number): Promise<void> {
    await this.db.deleteFrom('subscriptions').where('id', '=', id).execute();
  }

  async subscriptionView(id: number): Promise<SubscriptionView | null> {
    const r = await this.db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    const space = await this.spaceRef(r.space_id);
    const author = await this.userRef(r.author_id);
    if (!space || !author) return null;
    return {
      id: n(r.id),
      space,
      author,
      state: r.state as SubscriptionState,
      created_at: n(r.created_at),
      evaluator: await this.userRef(r.evaluator_id),
      evaluated_at: r.evaluated_at === null ? null : n(r.evaluated_at),
    };
  }

  async subscriptionIds(filter: { spaceId?: number; authorId?: number }): Promise<number[]> {
    let q = this.db.selectFrom('subscriptions').select('id');
    if (filter.spaceId !== undefined) q = q.where('space_id', '=', filter.spaceId);
    if (filter.authorId !== undefined) q = q.where('author_id', '=', filter.authorId);
    return (await q.orderBy('id').execute()).map((r) => n(r.id));
  }

  // ---- calls --------------------------------------------------------------------------------------
  async insertCall(callerId: number, calleeId: number, url: string, now: number): Promise<number> {
    const r = await this.db.insertInto('calls').values({ caller_id: callerId, callee_id: calleeId, state: 'in_progress', url, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
    return n(r.id);
  }

  async setCallState(id: number, state: CallState, now: number): Promise<void> {
    await this.db.updateTable('calls').set({ state, updated_at: now }).where('id', '=', id).execute();
  }

  async deleteCall(id: number): Promise<void> {
    await this.db.deleteFrom('calls').where('id', '=', id).execute();
  }

  async callView(id: number): Promise<CallView | null> {
    const r = await this.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    const caller = await this.userRef(r.caller_id);
    const callee = await this.userRef(r.callee_id);
    if (!caller || !callee) return null;
    return { id: n(r.id), caller, callee, state: r.state as CallState, url: r.url, created_at: n(r.created_at), updated_at: n(r.updated_at) };
  }

  async callIds(userId: number, role: 'caller' | 'callee'): Promise<number[]> {
    const rows = await this.db.selectFrom('calls').select('id').where(role === 'caller' ? 'caller_id' : 'callee_id', '=', userId).orderBy('id').execute();
    return rows.map((r) => n(r.id));
  }

  // ---- TLM read state -----------------------------------------------------------------------------
  async readDates(userId: number, eventIds: readonly number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (eventIds.length === 0) return out;
    const rows = await this.db.selectFrom('tlm_reads').selectAll().where('user_id', '=', userId).where('event_id', 'in', [...eventIds]).execute();
    for (const r of rows) out.set(n(r.event_id), n(r.read_at));
    return out;
  }

  /** Marks these events read (those already read keep their first read date); returns how many changed. */
  async markRead(userId: number, eventIds: readonly number[], now: number): Promise<number> {
    const already = await this.readDates(userId, eventIds);
    const fresh = [...new Set(eventIds)].filter((id) => !already.has(id));
    for (let i = 0; i < fresh.length; i += 500) {
      await this.db.insertInto('tlm_reads').values(fresh.slice(i, i + 500).map((event_id) => ({ user_id: userId, event_id, read_at: now }))).execute();
    }
    return fresh.length;
  }
}
