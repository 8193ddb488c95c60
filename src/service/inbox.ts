// Read state of a user's Tracim live messages (their inbox), for the user themself or an administrator.
// Which messages a user has is their feed (rendered by the Tracim dialect); this only keeps what was read.
import { notFound } from '../core/errors.js';
import type { CommandContext, ReadContext } from './context.js';

/** Throws unless the actor may read `userId`'s live messages: themself, an administrator or the server API key. */
export async function checkAccess(c: ReadContext, userId: number): Promise<void> {
  await c.access.selfOrAdmin(userId, "only the user themself or an administrator may read this user's live messages");
  const u = await c.tx.users.get(userId);
  if (!u || u.deleted) throw notFound('user');
}

export interface ReadState {
  read: { event_id: number; read_at: number }[];
  /** Every message at or below this position is read (0: none marked all read). */
  all_read_through: number;
  /** The log's head now: no message is newer. */
  head: number;
}

export async function readState(c: ReadContext, userId: number, eventIds: readonly number[]): Promise<ReadState> {
  await checkAccess(c, userId);
  const dates = await c.tx.inbox.readDates(userId, eventIds);
  const marks = await c.tx.inbox.marks(userId);
  return { read: [...dates].map(([event_id, read_at]) => ({ event_id, read_at })), all_read_through: marks.length ? marks[marks.length - 1].through : 0, head: await c.tx.logHead() };
}

/** Marks these messages read (the caller has checked they are the user's); first read dates are kept. */
export async function markRead(c: CommandContext, userId: number, eventIds: readonly number[]): Promise<number> {
  await checkAccess(c, userId);
  return c.tx.inbox.markRead(userId, eventIds, c.now);
}

/** Marks every message the user has so far read: one mark at the log head, whatever the feed's length. */
export async function markAllRead(c: CommandContext, userId: number): Promise<number> {
  await checkAccess(c, userId);
  const through = await c.tx.logHead();
  await c.tx.inbox.markAllRead(userId, through, c.now);
  return through;
}
