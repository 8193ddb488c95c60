// Messages: posts, edits, deletes, mentions, reactions, and the full snapshots events carry
// (author, attachments, reactions, read receipts, mentions).
import { PostgresAdapter, type Selectable } from 'kysely';
import { newMessageUuid } from '../core/ids.js';
import type { DB } from './schema.js';
import type { FileView, MessageKind, MessageView, SpaceKind, UserRef } from '../core/model.js';
import { runCompiled } from './fast.js';
import { bool, n, type Db } from './db.js';
import { toFile } from './files.js';
import { visibleTo } from './visibility.js';
import type { UserRepo } from './users.js';
import type { SpaceRepo } from './spaces.js';

export type MessageRow = Selectable<DB['messages']>;

export interface NewMessage {
  /** Chosen by the caller when it builds the snapshot itself (`freshView`); random otherwise. */
  uuid?: string;
  space_id: number;
  author_id: number | null;
  kind: MessageKind;
  content: string;
  meta?: Record<string, unknown> | null;
  parent_id?: number | null;
  mentions_all?: boolean;
  /** The users who may see it, author included, deduplicated; absent or null: every member of the space. */
  audience?: readonly number[] | null;
}

/**
 * Whose view of a space's messages: a user (unrestricted messages and those whose audience lists them),
 * every message (the server API key), or the unrestricted ones only (what every member may be shown, such
 * as a space's latest message in an event that goes to all of them).
 */
export type Viewer = { user: number } | 'all' | 'public';

export class MessageRepo {
  constructor(
    private readonly db: Db,
    private readonly users: UserRepo,
    /** Marks a space active: what posting a message also does (`touched` when the insert did it). */
    private readonly spaces: Pick<SpaceRepo, 'touch' | 'touched'>,
  ) {}

  /**
   * Inserts a message and marks its space active. On PostgreSQL that is one statement (the touch as a
   * data-modifying WITH): every statement of a post is a round trip under the writer lock. SQLite has no
   * DML in WITH, and a statement there costs no round trip.
   */
  async post(m: NewMessage, now: number): Promise<number> {
    if (!(this.db.getExecutor().adapter instanceof PostgresAdapter)) {
      const id = await this.insert(m, now);
      await this.spaces.touch(m.space_id, now);
      return id;
    }
    const id = await this.insert(m, now, true);
    this.spaces.touched(m.space_id, now);
    return id;
  }

  async insert(m: NewMessage, now: number, touchingSpace = false): Promise<number> {
    const values = {
      uuid: m.uuid ?? newMessageUuid(),
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
      restricted: m.audience ? 1 : 0,
    };
    const { rows } = touchingSpace
      ? await runCompiled(this.db, 'messages.insertTouching', [now, m.space_id, ...Object.values(values)], () =>
          this.db
            .with('touched', (db) => db.updateTable('spaces').set({ last_active_at: now }).where('id', '=', m.space_id))
            .insertInto('messages')
            .values(values)
            .returning('id'),
          true,
        )
      : await runCompiled(this.db, 'messages.insert', Object.values(values), () => this.db.insertInto('messages').values(values).returning('id'));
    if (!rows[0]) throw new Error('message insert returned no id');
    const id = n(rows[0].id);
    if (m.audience) await this.db.insertInto('message_audience').values(m.audience.map((user_id) => ({ message_id: id, user_id }))).execute();
    return id;
  }

  /** Whether a user is in the audience of a message row (always, for an unrestricted one). Membership is the caller's check. */
  async visibleTo(row: MessageRow, userId: number): Promise<boolean> {
    if (!row.restricted) return true;
    const r = await this.db.selectFrom('message_audience').select('user_id').where('message_id', '=', row.id).where('user_id', '=', userId).executeTakeFirst();
    return r !== undefined;
  }

  async row(id: number): Promise<MessageRow | null> {
    // Every command on a message (edit, delete, react, read) starts here: compiled once.
    const { rows } = await runCompiled(this.db, 'messages.row', [id], () => this.db.selectFrom('messages').selectAll().where('id', '=', id));
    return rows[0] ?? null;
  }

  async edit(id: number, content: string, mentionsAll: boolean, now: number): Promise<void> {
    await this.db.updateTable('messages').set({ content, is_edited: 1, mentions_all: mentionsAll ? 1 : 0, updated_at: now }).where('id', '=', id).execute();
  }

  async delete(id: number, now: number): Promise<void> {
    await this.db.updateTable('messages').set({ deleted: 1, updated_at: now }).where('id', '=', id).execute();
  }

  async setMentions(messageId: number, userIds: readonly number[]): Promise<void> {
    await this.db.deleteFrom('mentions').where('message_id', '=', messageId).execute();
    if (userIds.length) await this.db.insertInto('mentions').values(userIds.map((user_id) => ({ message_id: messageId, user_id }))).execute();
  }

  /** False when the user already reacted with this emoji. */
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
    const r = await this.db.deleteFrom('reactions').where('message_id', '=', messageId).where('user_id', '=', userId).where('emoji', '=', emoji).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Live messages of a space the viewer may see, newest first, before `beforeId` when given. */
  async list(spaceId: number, beforeId: number | null, limit: number, viewer: Viewer): Promise<MessageView[]> {
    let q = this.db.selectFrom('messages').select('id').where('space_id', '=', spaceId).where('deleted', '=', 0);
    if (beforeId !== null) q = q.where('id', '<', beforeId);
    if (viewer === 'public') q = q.where('restricted', '=', 0);
    else if (viewer !== 'all') q = q.where(visibleTo('messages', viewer.user));
    const ids = (await q.orderBy('id', 'desc').limit(limit).execute()).map((r) => n(r.id));
    return this.views(ids);
  }

  /**
   * The snapshot of a message inserted by this transaction, from what the caller already holds: a new
   * message has no reactions or receipts yet, so this costs at most one read (the author, unless the
   * caller passes the snapshot it read with the permission check) instead of six.
   */
  async freshView(
    id: number,
    m: NewMessage & { uuid: string },
    now: number,
    spaceKind: SpaceKind,
    attachments: FileView[],
    mentions: readonly number[],
    knownAuthor?: UserRef | null,
  ): Promise<MessageView> {
    const author =
      m.author_id === null ? null : knownAuthor !== undefined && knownAuthor?.id === m.author_id ? knownAuthor : ((await this.users.refs([m.author_id])).get(m.author_id) ?? null);
    return {
      id,
      uuid: m.uuid,
      space_id: m.space_id,
      space_kind: spaceKind,
      author,
      kind: m.kind,
      content: m.content,
      meta: m.meta ?? null,
      parent_id: m.parent_id ?? null,
      attachments,
      reactions: [],
      read_by: [],
      mentions: [...mentions],
      mentions_all: m.mentions_all ?? false,
      is_edited: false,
      created_at: now,
      updated_at: now,
      ...(m.audience ? { audience: [...m.audience].sort((a, b) => a - b) } : {}),
    };
  }

  async view(id: number): Promise<MessageView | null> {
    return (await this.views([id]))[0] ?? null;
  }

  /** Full message snapshots (author, attachments, reactions, receipts, mentions), in the order of `ids`. */
  async views(ids: readonly number[]): Promise<MessageView[]> {
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
    // Audiences of the restricted ones, narrowed to the users still members (they are whom events go to).
    const restricted = rows.filter((r) => r.restricted).map((r) => r.id);
    const audience =
      restricted.length === 0
        ? []
        : await this.db
            .selectFrom('message_audience as a')
            .innerJoin('messages as m', 'm.id', 'a.message_id')
            .innerJoin('members as mb', (j) => j.onRef('mb.space_id', '=', 'm.space_id').onRef('mb.user_id', '=', 'a.user_id'))
            .select(['a.message_id', 'a.user_id'])
            .where('a.message_id', 'in', restricted)
            .orderBy('a.user_id')
            .execute();
    const users = await this.users.refs([
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
          ...(r.restricted ? { audience: [] } : {}),
        },
      ]),
    );
    for (const a of audience) byId.get(a.message_id)?.audience?.push(n(a.user_id));
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
}
