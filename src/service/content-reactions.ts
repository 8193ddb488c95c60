// Reactions on Tracim contents; those on a chat comment (ids by rule, core/conversation.ts) are chat
// message reactions and go through the chat (service/conversation.ts).
import type { ContentReactionView } from '../core/content-model.js';
import { conflict, forbidden, notFound } from '../core/errors.js';
import { spaceRef } from '../core/projection.js';
import { chatRefOf } from '../core/conversation.js';
import type { CommandContext } from './context.js';
import { userOf } from './commit.js';
import * as chat from './conversation.js';

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
