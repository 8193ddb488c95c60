// The Tracim content tree: contents (with revisions), their reactions, and the stored files they point at.
import type { Selectable } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { DB } from './schema.js';
import type { UserRef } from '../core/model.js';
import type { ContentReactionView, ContentStatus, ContentType, ContentView, RevisionType } from '../core/content-model.js';
import { bool, n, type Db } from './db.js';
import type { UserRepo } from './users.js';

export type ContentRow = Selectable<DB['contents']>;

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

export interface Revision {
  revision_id: number;
  content_id: number;
  revision_type: string;
  label: string;
  raw_content: string;
  status: string;
  author: UserRef | null;
  created_at: number;
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
  constructor(
    private readonly db: Db,
    private readonly users: UserRepo,
  ) {}

  async insert(c: NewContent, now: number): Promise<number> {
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

  async row(id: number): Promise<ContentRow | null> {
    return (await this.db.selectFrom('contents').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async update(
    id: number,
    patch: Partial<Pick<ContentRow, 'label' | 'raw_content' | 'status' | 'deleted' | 'is_archived' | 'parent_id' | 'space_id' | 'assignee_id' | 'mimetype' | 'size' | 'storage_key' | 'file_extension'>>,
    now: number,
  ): Promise<void> {
    await this.db.updateTable('contents').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
  }

  /** Records a revision of the content's current state and makes it the current revision. */
  async addRevision(contentId: number, type: RevisionType, authorId: number | null, now: number): Promise<number> {
    const c = await this.row(contentId);
    if (!c) throw new Error(`content ${contentId} vanished`);
    const r = await this.db
      .insertInto('content_revisions')
      .values({ content_id: contentId, revision_type: type, label: c.label, raw_content: c.raw_content, status: c.status, author_id: authorId, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.db.updateTable('contents').set({ current_revision_id: n(r.id), current_revision_type: type }).where('id', '=', contentId).execute();
    return n(r.id);
  }

  async revisions(contentId: number): Promise<Revision[]> {
    const rows = await this.db.selectFrom('content_revisions').selectAll().where('content_id', '=', contentId).orderBy('id').execute();
    const authors = await this.users.refs(rows.flatMap((r) => (r.author_id === null ? [] : [r.author_id])));
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

  async view(id: number): Promise<ContentView | null> {
    const c = await this.row(id);
    if (!c) return null;
    const parent = c.parent_id === null ? null : await this.row(c.parent_id);
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
      author: await this.users.ref(c.author_id),
      current_revision_id: c.current_revision_id,
      current_revision_type: c.current_revision_type as RevisionType,
      created_at: n(c.created_at),
      updated_at: n(c.updated_at),
    };
  }

  /** Contents of a space (under `parentId`: null for the root, undefined for any parent), oldest first. */
  async list(spaceId: number, parentId: number | null | undefined, includeDeleted: boolean, type?: ContentType): Promise<ContentView[]> {
    let q = this.db.selectFrom('contents').select('id').where('space_id', '=', spaceId);
    if (parentId !== undefined) q = parentId === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', parentId);
    if (!includeDeleted) q = q.where('deleted', '=', 0);
    if (type !== undefined) q = q.where('type', '=', type);
    const ids = (await q.orderBy('id').execute()).map((r) => n(r.id));
    const out: ContentView[] = [];
    for (const id of ids) out.push((await this.view(id))!);
    return out;
  }

  /** Live files and folders of a space's tree, and the files' bytes (AirSend's channel totals). */
  async totals(spaceId: number): Promise<{ files: number; folders: number; bytes: number }> {
    const rows = await this.db
      .selectFrom('contents')
      .select(['type', (eb) => eb.fn.count<number>('id').as('count'), (eb) => eb.fn.sum<number>('size').as('bytes')])
      .where('space_id', '=', spaceId)
      .where('deleted', '=', 0)
      .where('type', 'in', ['file', 'folder'])
      .groupBy('type')
      .execute();
    const of = (t: string) => rows.find((r) => r.type === t);
    return { files: n(of('file')?.count ?? 0), folders: n(of('folder')?.count ?? 0), bytes: n(of('file')?.bytes ?? 0) };
  }

  async childIds(parentId: number): Promise<number[]> {
    return (await this.db.selectFrom('contents').select('id').where('parent_id', '=', parentId).execute()).map((r) => n(r.id));
  }

  /** True when `ancestorId` is `id` or one of its ancestors (a folder cannot move into itself). */
  async isAncestor(ancestorId: number, id: number | null): Promise<boolean> {
    for (let cur = id, depth = 0; cur !== null && depth < 1000; depth++) {
      if (cur === ancestorId) return true;
      cur = (await this.row(cur))?.parent_id ?? null;
    }
    return false;
  }

  // ---- stored files -------------------------------------------------------------------------------
  /** Whether any content (a copy shares its original's file) still points at this stored file. */
  async storageInUse(key: string): Promise<boolean> {
    return (await this.db.selectFrom('contents').select('id').where('storage_key', '=', key).executeTakeFirst()) !== undefined;
  }

  /** File contents deleted (trashed) before `before` that still hold a stored file. */
  async trashedFiles(before: number): Promise<{ id: number; storage_key: string }[]> {
    const rows = await this.db
      .selectFrom('contents')
      .select(['id', 'storage_key'])
      .where('deleted', '=', 1)
      .where('storage_key', 'is not', null)
      .where('updated_at', '<', before)
      .orderBy('id')
      .limit(1000)
      .execute();
    return rows.map((r) => ({ id: n(r.id), storage_key: r.storage_key! }));
  }

  async dropStorage(id: number): Promise<void> {
    await this.db.updateTable('contents').set({ storage_key: null }).where('id', '=', id).execute();
  }

  // ---- reactions ----------------------------------------------------------------------------------
  /** The new reaction's id; null when the user already reacted with this emoji. */
  async addReaction(contentId: number, userId: number, emoji: string, now: number): Promise<number | null> {
    const exists = await this.db.selectFrom('content_reactions').select('id').where('content_id', '=', contentId).where('user_id', '=', userId).where('emoji', '=', emoji).executeTakeFirst();
    if (exists) return null;
    const r = await this.db.insertInto('content_reactions').values({ content_id: contentId, user_id: userId, emoji, created_at: now }).returning('id').executeTakeFirstOrThrow();
    return n(r.id);
  }

  async reaction(id: number): Promise<ContentReactionView | null> {
    const r = await this.db.selectFrom('content_reactions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    const user = await this.users.ref(r.user_id);
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
}
