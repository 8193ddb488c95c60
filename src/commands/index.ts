// The command table. UNFINISHED (restructure in progress): only the commands the realtime dialects run
// are declared here so far, over the Chat service; every chat and content command moves here, split by
// aggregate, with real result schemas.
import { Type, type TSchema } from '@sinclair/typebox';
import type { Chat } from '../service/chat.js';
import type { Ephemeral } from '../service/ephemeral.js';
import { command, CommandTable, type CommandDef } from './command.js';

export interface Services {
  chat: Chat;
  ephemeral: Ephemeral;
}

const Id = Type.Integer({ minimum: 1 });
const Emoji = Type.String({ minLength: 1, maxLength: 64 });

const DEFS = [
  command({
    name: 'typing.start',
    summary: 'Tell the space you are typing (ephemeral, throttled)',
    input: Type.Object({ space_id: Id }),
    output: Type.Object({ delivered: Type.Boolean() }),
    run: async (s: Services, actor, d) => ({ delivered: await s.ephemeral.typing(actor, d.space_id) }),
  }),
  command({
    name: 'reads.mark',
    summary: 'Mark one message read',
    input: Type.Object({ message_id: Id }),
    output: Type.Unknown(),
    run: (s: Services, actor, d) => s.chat.markRead(actor, d.message_id),
  }),
  command({
    name: 'reads.mark_all',
    summary: 'Mark every message of a space read',
    input: Type.Object({ space_id: Id }),
    output: Type.Unknown(),
    run: (s: Services, actor, d) => s.chat.markAllRead(actor, d.space_id),
  }),
  command({
    name: 'reactions.add',
    summary: 'React to a message',
    input: Type.Object({ message_id: Id, emoji: Emoji }),
    output: Type.Object({ message: Type.Unknown() }),
    run: async (s: Services, actor, d) => ({ message: await s.chat.react(actor, d.message_id, d.emoji, true) }),
  }),
  command({
    name: 'reactions.remove',
    summary: 'Remove your reaction',
    input: Type.Object({ message_id: Id, emoji: Emoji }),
    output: Type.Object({ message: Type.Unknown() }),
    run: async (s: Services, actor, d) => ({ message: await s.chat.react(actor, d.message_id, d.emoji, false) }),
  }),
] as unknown as CommandDef<TSchema, TSchema, Services>[];

export function commandTable(services: Services): CommandTable<Services> {
  return new CommandTable(DEFS, services);
}
