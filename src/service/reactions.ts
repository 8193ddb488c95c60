// Reactions: emoji on chat messages (the author gets an alert) and on Tracim contents.
import type { MessageView } from '../core/model.js';
import type { ContentReactionView } from '../core/content-model.js';
import { conflict, forbidden, notFound } from '../core/errors.js';
import { spaceRef } from '../core/projection.js';
import type { CommandContext } from './context.js';
import { userOf } from './commit.js';
import { chatRefOf } from '../core/conversation.js';
import * as chat from './conversation.js';

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

export async function reactToContent(c: CommandContext, spaceId: number, contentId: number, emoji: string): Promise<ContentReactionView> {
  const ref = chatRefOf(contentId);
  if (ref !== null) return chat.addReaction(c, spaceId, ref, emoji);
  const userId = userOf(c.actor);
  const { space } = await c.access.content(spaceId, contentId, 'read');
  const id = await c.tx.content.addReaction(contentId, userId, emoji, c.now);
  if (id === null) throw conflict('you already reacted with this emoji');
  const reaction = (await c.tx.content.reaction(id))!;
  await c.emit({ type: 'content_reaction.added', data: { content: (await c.tx.content.view(contentId))!, space: spaceRef(space), author: await c.tx.users.ref(c.actor.userId), reaction } });
  return reaction;
}

export async function unreactToContent(c: CommandContext, spaceId: number, contentId: number, reactionId: number): Promise<void> {
  const ref = chatRefOf(contentId);
  if (ref !== null) return chat.removeReaction(c, spaceId, ref, reactionId);
  const { space } = await c.access.content(spaceId, contentId, 'read');
  const reaction = await c.tx.content.reaction(reactionId);
  if (!reaction || reaction.content_id !== contentId) throw notFound('reaction');
  if (!c.actor.server && reaction.user.id !== c.actor.userId) throw forbidden('you may only remove your own reactions');
  await c.tx.content.deleteReaction(reactionId);
  await c.emit({ type: 'content_reaction.removed', data: { content: (await c.tx.content.view(contentId))!, space: spaceRef(space), author: await c.tx.users.ref(c.actor.userId), reaction } });
}
