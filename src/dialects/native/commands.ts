// Commands a native client sends over WebSocket: {type, request_id, data}. Each is answered with
// `command.ack` or `command.error` carrying the request id.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Commands } from '../../commands/command.js';
import type { Actor } from '../../core/actor.js';
import { badRequest } from '../../core/errors.js';
import { parseJson } from '../../core/json.js';

export const CommandEnvelopeSchema = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 }),
  request_id: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Integer()])),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type CommandEnvelope = Static<typeof CommandEnvelopeSchema>;
const Envelope = TypeCompiler.Compile(CommandEnvelopeSchema);

/** Native wire names → command table names; `ping` is answered by the protocol itself. */
const WIRE = new Map<string, string>([
  // Posting over the socket spares a chat client an HTTP request per message: same input and result as REST.
  ['post', 'messages.post'],
  ['edit', 'messages.edit'],
  ['delete', 'messages.delete'],
  ['typing', 'typing.start'],
  ['typing_stop', 'typing.stop'],
  ['read', 'reads.mark'],
  ['read_all', 'reads.mark_all'],
  ['react', 'reactions.add'],
  ['unreact', 'reactions.remove'],
]);

export const COMMAND_NAMES = ['ping', ...WIRE.keys()];

/** Parses one text frame into a validated envelope; throws bad_request with what is wrong. */
export function parseEnvelope(text: string): CommandEnvelope {
  const value = parseJson(text, { label: 'frame' });
  if (!Envelope.Check(value)) {
    const first = Envelope.Errors(value).First();
    throw badRequest(`invalid command envelope: ${first ? `${first.path || '/'} ${first.message}` : 'expected an object'}`);
  }
  return value as CommandEnvelope;
}

export async function runCommand(commands: Commands, actor: Actor, env: CommandEnvelope): Promise<unknown> {
  if (env.type === 'ping') return { pong: true };
  const name = WIRE.get(env.type);
  if (name === undefined) throw badRequest(`unknown command "${env.type}"; known: ${COMMAND_NAMES.join(', ')}`);
  return commands.run(name, actor, env.data ?? {});
}
