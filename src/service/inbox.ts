// Read state of a user's Tracim live messages (their inbox), for the user themself or an administrator.
// Which messages a user has is their feed (rendered by the Tracim dialect); this only keeps what was read.
import { notFound } from '../core/errors.js';
import type { CommandContext, ReadContext } from './context.js';
import { markAllRead as markAllChatRead, markRead as markChatRead } from './reads.js';

/** A live message standing for a chat message (its creation, an edit, a mention in it). */
export interface ChatTlm {
  event_id: number;
  message_id: number;
}

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

export async function readState(c: ReadContext, userId: number, eventIds: readonly number[], chat: readonly ChatTlm[] = []): Promise<ReadState> {
  await checkAccess(c, userId);
  const dates = await c.tx.inbox.readDates(userId, eventIds);
  // A chat read (AirSend ws_read_notification, native read, ...) of the message reads its live messages too.
  if (chat.length) {
    const receipts = await c.tx.reads.receipts(userId, chat.map((x) => x.message_id));
    for (const x of chat) {
      const at = receipts.get(x.message_id);
      if (at !== undefined && !dates.has(x.event_id)) dates.set(x.event_id, at);
    }
  }
  const marks = await c.tx.inbox.marks(userId);
  return { read: [...dates].map(([event_id, read_at]) => ({ event_id, read_at })), all_read_through: marks.length ? marks[marks.length - 1].through : 0, head: await c.tx.logHead() };
}

/** Marks these messages read (the caller has checked they are the user's); first read dates are kept. */
export async function markRead(c: CommandContext, userId: number, eventIds: readonly number[], chat: readonly ChatTlm[] = []): Promise<number> {
  await checkAccess(c, userId);
  const marked = await c.tx.inbox.markRead(userId, eventIds, c.now);
  // Reading the live message of a chat message is the user's chat read of it (only the user reads for themself).
  if (c.actor.userId === userId) {
    for (const mid of new Set(chat.map((x) => x.message_id))) {
      const row = await c.tx.messages.row(mid);
      if (row && !row.deleted && (await c.tx.spaces.role(row.space_id, userId)) !== null && (await c.tx.messages.visibleTo(row, userId))) await markChatRead(c, mid);
    }
  }
  return marked;
}

/** Marks every message the user has so far read: one mark at the log head, whatever the feed's length. */
export async function markAllRead(c: CommandContext, userId: number): Promise<number> {
  await checkAccess(c, userId);
  const through = await c.tx.logHead();
  await c.tx.inbox.markAllRead(userId, through, c.now);
  // The user read every live message, chat messages included: their chat is all read too.
  if (c.actor.userId === userId) for (const { space_id } of await c.tx.reads.counts(userId)) await markAllChatRead(c, space_id);
  return through;
}
