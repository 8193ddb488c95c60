// Commands a native client sends over WebSocket: {type, request_id, data}. Each is answered with
// `command.ack` or `command.error` carrying the request id.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Chat } from '../../service/chat.js';
import type { Actor } from '../../core/actor.js';
import { badRequest } from '../../core/errors.js';

const Id = Type.Integer({ minimum: 1 });
const Emoji = Type.String({ minLength: 1, maxLength: 64 });

export const CommandEnvelopeSchema = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 }),
  request_id: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Integer()])),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type CommandEnvelope = Static<typeof CommandEnvelopeSchema>;
const Envelope = TypeCompiler.Compile(CommandEnvelopeSchema);

function command<S extends TSchema>(schema: S, run: (chat: Chat, actor: Actor, data: Static<S>) => Promise<unknown>) {
  return { check: TypeCompiler.Compile(schema), run };
}

const COMMANDS = {
  ping: command(Type.Object({}), async () => ({ pong: true })),
  typing: command(Type.Object({ space_id: Id }), async (chat, actor, d) => ({ delivered: await chat.typing(actor, d.space_id) })),
  read: command(Type.Object({ message_id: Id }), (chat, actor, d) => chat.markRead(actor, d.message_id)),
  read_all: command(Type.Object({ space_id: Id }), (chat, actor, d) => chat.markAllRead(actor, d.space_id)),
  react: command(Type.Object({ message_id: Id, emoji: Emoji }), async (chat, actor, d) => ({ message: await chat.react(actor, d.message_id, d.emoji, true) })),
  unreact: command(Type.Object({ message_id: Id, emoji: Emoji }), async (chat, actor, d) => ({ message: await chat.react(actor, d.message_id, d.emoji, false) })),
} as const;

export const COMMAND_NAMES = Object.keys(COMMANDS);

/** Parses one text frame into a validated envelope; throws bad_request with what is wrong. */
export function parseEnvelope(text: string): CommandEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('frame is not valid JSON');
  }
  if (!Envelope.Check(value)) {
    const first = Envelope.Errors(value).First();
    throw badRequest(`invalid command envelope: ${first ? `${first.path || '/'} ${first.message}` : 'expected an object'}`);
  }
  return value as CommandEnvelope;
}

export async function runCommand(chat: Chat, actor: Actor, env: CommandEnvelope): Promise<unknown> {
  const cmd = (COMMANDS as Record<string, (typeof COMMANDS)[keyof typeof COMMANDS]>)[env.type];
  if (!cmd) throw badRequest(`unknown command "${env.type}"; known: ${COMMAND_NAMES.join(', ')}`);
  const data = env.data ?? {};
  if (!cmd.check.Check(data)) {
    const first = cmd.check.Errors(data).First();
    throw badRequest(`invalid data for ${env.type}: ${first ? `${first.path || '/'} ${first.message}` : 'wrong shape'}`);
  }
  // Each entry validated `data` against its own schema just above.
  return (cmd.run as (c: Chat, a: Actor, d: unknown) => Promise<unknown>)(chat, actor, data);
}
