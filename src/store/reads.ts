// Read receipts, "all read" marks and unread counts of chat messages.
import type { UnreadView } from '../core/model.js';
import { sql } from 'kysely';
import { n, type Db } from './db.js';
import { visibleTo } from './visibility.js';
import { runCompiled } from './fast.js';

export interface UnreadCount {
  space_id: number;
  count: number;
  oldest_unread_id: number;
}

export class ReadRepo {
  constructor(private readonly db: Db) {}

  /** False when the user had already read the message. */
  async addReceipt(messageId: number, userId: number, now: number): Promise<boolean> {
    // One statement: the first receipt stays (its time is when the message was read).
    const r = await this.db
      .insertInto('read_receipts')
      .values({ message_id: messageId, user_id: userId, read_at: now })
      .onConflict((oc) => oc.columns(['message_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** When the user read each of these messages (those they read one by one). */
  async receipts(userId: number, messageIds: readonly number[]): Promise<Map<number, number>> {
    if (messageIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('read_receipts').select(['message_id', 'read_at']).where('user_id', '=', userId).where('message_id', 'in', [...new Set(messageIds)]).execute();
    return new Map(rows.map((r) => [n(r.message_id), n(r.read_at)]));
  }

  /** The newest message id the member marked read with "all read" (0: never); null for a non-member. */
  async readThrough(spaceId: number, userId: number): Promise<number | null> {
    const r = await this.db.selectFrom('members').select('read_through').where('space_id', '=', spaceId).where('user_id', '=', userId).executeTakeFirst();
    return r ? n(r.read_through) : null;
  }

  /** Marks every message of the space up to its newest read; false when that was already so. */
  async markAllRead(spaceId: number, userId: number): Promise<boolean> {
    const r = await this.db.selectFrom('messages').select((eb) => eb.fn.max('id').as('max')).where('space_id', '=', spaceId).executeTakeFirst();
    const through = n(r?.max ?? 0);
    // It changes no column the writer's access cache holds, so it keeps the cache (clients mark read often).
    const res = await runCompiled(
      this.db,
      'reads.markAllRead',
      [through, spaceId, userId, through],
      () => this.db.updateTable('members').set({ read_through: through }).where('space_id', '=', spaceId).where('user_id', '=', userId).where('read_through', '<', through),
      true,
    );
    return Number(res.numAffectedRows ?? 0) > 0;
  }

  /** Unread messages per space for a user: seen by them, not by them, not deleted, not read one by one nor by "all read". */
  async counts(userId: number): Promise<UnreadCount[]> {
    const rows = await this.db
      .selectFrom('members as m')
      .innerJoin('messages as msg', (j) => j.onRef('msg.space_id', '=', 'm.space_id').onRef('msg.id', '>', 'm.read_through'))
      .leftJoin('read_receipts as r', (j) => j.onRef('r.message_id', '=', 'msg.id').onRef('r.user_id', '=', 'm.user_id'))
      .select(['m.space_id', (eb) => eb.fn.count<number>('msg.id').as('count'), (eb) => eb.fn.min<number>('msg.id').as('oldest')])
      .where('m.user_id', '=', userId)
      .where('msg.deleted', '=', 0)
      .where('r.message_id', 'is', null)
      .where((eb) => eb.or([eb('msg.author_id', 'is', null), eb('msg.author_id', '!=', userId)]))
      // Restricted messages count only for their audience.
      .where(visibleTo('msg', sql.ref('m.user_id')))
      .groupBy('m.space_id')
      .execute();
    return rows.map((r) => ({ space_id: r.space_id, count: n(r.count), oldest_unread_id: n(r.oldest) }));
  }

  async unread(userId: number, spaceId: number): Promise<UnreadView> {
    const all = await this.counts(userId);
    const here = all.find((c) => c.space_id === spaceId);
    return {
      user_id: userId,
      space_id: spaceId,
      space_unread: here?.count ?? 0,
      total_unread: all.reduce((s, c) => s + c.count, 0),
      oldest_unread_id: here?.oldest_unread_id ?? 0,
    };
  }
}
