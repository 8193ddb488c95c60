// Commands of the reactions aggregate: emoji on chat messages and on Tracim contents.
import { Type } from '@sinclair/typebox';
import { react } from '../service/reactions.js';
import { reactToContent, unreactToContent } from '../service/content-reactions.js';
import { command } from './command.js';
import { write } from './services.js';
import { Done, Emoji, Id } from './schemas.js';
import { ContentReactionSchema, MessageSchema } from './views.js';

const Reaction = Type.Object({ message_id: Id, emoji: Emoji });

export const REACTION_COMMANDS = [
  command({
    name: 'reactions.add',
    summary: 'React to a message; emits reaction.added (and an alert to the author)',
    input: Reaction,
    output: Type.Object({ message: MessageSchema }),
    run: write(async (c, d) => ({ message: await react(c, d.message_id, d.emoji, true) })),
  }),
  command({
    name: 'reactions.remove',
    summary: 'Remove your reaction; emits reaction.removed',
    input: Reaction,
    output: Type.Object({ message: MessageSchema }),
    run: write(async (c, d) => ({ message: await react(c, d.message_id, d.emoji, false) })),
  }),
  command({
    name: 'content_reactions.add',
    summary: 'React to a content; emits content_reaction.added',
    input: Type.Object({ space_id: Id, content_id: Id, emoji: Emoji }),
    output: Type.Object({ reaction: ContentReactionSchema }),
    run: write(async (c, d) => ({ reaction: await reactToContent(c, d.space_id, d.content_id, d.emoji) })),
  }),
  command({
    name: 'content_reactions.remove',
    summary: 'Remove your reaction from a content; emits content_reaction.removed',
    input: Type.Object({ space_id: Id, content_id: Id, reaction_id: Id }),
    output: Done,
    run: write(async (c, d) => (await unreactToContent(c, d.space_id, d.content_id, d.reaction_id), {})),
  }),
];
