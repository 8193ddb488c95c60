// Read receipts and unread counts. A read that changes nothing (already read, the reader's own message,
// nothing unread) appends no event, so a client repeating reads cannot grow the log.
import type { UnreadView } from '../core/model.js';
import type { CommandContext, ReadContext } from './context.js';
import { userOf } from './commit.js';

export async function markRead(c: CommandContext, messageId: number): Promise<UnreadView> {
  const userId = userOf(c.actor);
  const { row, space, actorRef } = await c.access.message(messageId, 'read');
  if (await c.tx.reads.addReceipt(messageId, userId, c.now)) {
    const readThrough = await c.tx.reads.readThrough(row.space_id, userId);
    // The reader's snapshot came with the permission check, unless the server API key acts as them.
    const user = actorRef ?? (await c.tx.users.ref(userId))!;
    await c.emit({ type: 'message.read', data: { message: (await c.tx.messages.view(messageId))!, space, user, at: c.now } });
    const unread = await c.tx.reads.unread(userId, row.space_id);
    // Only a message that counted as unread changes the counts.
    if (row.author_id !== userId && readThrough !== null && row.id > readThrough) await c.emit({ type: 'unread.updated', data: { unread, all_read: false } });
    return unread;
  }
  return c.tx.reads.unread(userId, row.space_id);
}

export async function markAllRead(c: CommandContext, spaceId: number): Promise<UnreadView> {
  const userId = userOf(c.actor);
  await c.access.space(spaceId, 'read');
  const before = await c.tx.reads.unread(userId, spaceId);
  if (before.space_unread === 0) return before;
  await c.tx.reads.markAllRead(spaceId, userId);
  const unread = await c.tx.reads.unread(userId, spaceId);
  await c.emit({ type: 'unread.updated', data: { unread, all_read: true } });
  return unread;
}

export interface UnreadSummary {
  total_unread: number;
  spaces: { space_id: number; unread: number; oldest_unread_id: number }[];
}

export async function unread(c: ReadContext): Promise<UnreadSummary> {
  const counts = await c.tx.reads.counts(userOf(c.actor));
  return {
    total_unread: counts.reduce((s, x) => s + x.count, 0),
    spaces: counts.map((x) => ({ space_id: x.space_id, unread: x.count, oldest_unread_id: x.oldest_unread_id })),
  };
}
