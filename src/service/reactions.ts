// Reactions: emoji on chat messages (the author gets an alert). Tracim content reactions: content-reactions.ts.
import type { MessageView } from '../core/model.js';
import type { CommandContext } from './context.js';
import { userOf } from './commit.js';

/** Adds or removes the actor's reaction; a repeated add or a missing remove changes nothing and emits nothing. */
export async function react(c: CommandContext, messageId: number, emoji: string, add: boolean): Promise<MessageView> {
  const userId = userOf(c.actor);
  const { row, space } = await c.access.message(messageId, 'post');
  const changed = add ? await c.tx.messages.addReaction(messageId, userId, emoji, c.now) : await c.tx.messages.removeReaction(messageId, userId, emoji);
  const message = (await c.tx.messages.view(messageId))!;
  if (!changed) return message;
  const user = (await c.tx.users.ref(userId))!;
  await c.emit({ type: add ? 'reaction.added' : 'reaction.removed', data: { message, user, emoji, space } });
  if (add && row.author_id !== null && row.author_id !== userId) {
    const alert = await c.tx.alerts.insert({ user_id: row.author_id, kind: 'reaction', from: user, space_id: row.space_id, message_id: messageId, text: `${user.display_name} reacted ${emoji}` }, c.now);
    await c.emit({ type: 'alert.created', data: { alert, message, space } });
  }
  return message;
}
