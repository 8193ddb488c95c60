// Client frames of the AirSend RTM document, validated with typebox. Ids arrive as strings or numbers
// (the document's examples use both). A frame that is not a known, well-formed command ends the
// connection with one of AIRSEND_CLOSE's codes and a reason the client can log. Handlers: handlers.ts.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parseJson } from '../../core/json.js';

/** WebSocket close codes of the AirSend endpoint (4000-4999 is the application range). */
export const AIRSEND_CLOSE = {
  /** Server shutting down: reconnect (rtm.connect, then ws_auth). */
  shutdown: 1001,
  /** Unexpected server error while starting the session. */
  internal: 1011,
  /** ws_auth token is invalid, forged, expired, not an RTM token, or its user is gone. */
  auth_failed: 4001,
  /** No pong answered the previous ping. */
  heartbeat_timeout: 4002,
  /** The first frame was not ws_auth, or no ws_auth arrived in time. */
  not_authenticated: 4003,
  /** A command the document does not define. */
  unknown_command: 4004,
  /** Not JSON text, not an object with a `command` string, or a known command with invalid fields. */
  malformed: 4005,
  /** The client does not read fast enough; the outgoing buffer is full. */
  slow_consumer: 4008,
  /** The account was deleted (or its access revoked): do not reconnect with the same credentials. */
  revoked: 4009,
} as const;

const Id = Type.Union([Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), Type.String({ pattern: '^[1-9][0-9]{0,14}$' })]);
const Emoji = Type.String({ minLength: 1, maxLength: 64 });

const SCHEMAS = {
  ws_auth: Type.Object({ command: Type.Literal('ws_auth'), auth_token: Type.String({ minLength: 1, maxLength: 8192 }) }),
  ws_ephemeral_typing: Type.Object({ command: Type.Literal('ws_ephemeral_typing'), channel_id: Id, user_email: Type.Optional(Type.String({ maxLength: 254 })) }),
  ws_read_notification: Type.Object({ command: Type.Literal('ws_read_notification'), channel_id: Id, message_id: Id }),
  ws_all_read_notification: Type.Object({ command: Type.Literal('ws_all_read_notification'), channel_id: Id }),
  ws_add_reaction: Type.Object({ command: Type.Literal('ws_add_reaction'), message_id: Id, emoji_value: Emoji, channel_id: Type.Optional(Id) }),
  ws_remove_reaction: Type.Object({ command: Type.Literal('ws_remove_reaction'), message_id: Id, emoji_value: Emoji, channel_id: Type.Optional(Id) }),
  /** Extension (AirSend's own web client sends it): answered with a `pong` event. */
  ws_ping: Type.Object({ command: Type.Literal('ws_ping') }),
} satisfies Record<string, TSchema>;

type Schemas = typeof SCHEMAS;
export type CommandName = keyof Schemas;
export type AirSendCommand = { [K in CommandName]: Static<Schemas[K]> }[CommandName];

const CHECKS = Object.fromEntries(Object.entries(SCHEMAS).map(([k, s]) => [k, TypeCompiler.Compile(s)])) as { [K in CommandName]: ReturnType<typeof TypeCompiler.Compile<Schemas[K]>> };

export const COMMAND_NAMES = Object.keys(SCHEMAS) as CommandName[];

export type Parsed = { ok: true; command: AirSendCommand } | { ok: false; code: number; reason: string };

const fail = (code: number, reason: string): Parsed => ({ ok: false, code, reason });

/** Parses and validates one client frame (null: a binary frame). */
export function parseFrame(text: string | null): Parsed {
  if (text === null) return fail(AIRSEND_CLOSE.malformed, 'binary frames are not accepted: send JSON text');
  let value: unknown;
  try {
    value = parseJson(text, { label: 'frame' });
  } catch (e) {
    return fail(AIRSEND_CLOSE.malformed, e instanceof Error ? e.message : 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { command?: unknown }).command !== 'string') {
    return fail(AIRSEND_CLOSE.malformed, 'frame must be a JSON object with a "command" string');
  }
  const name = (value as { command: string }).command;
  if (!Object.hasOwn(SCHEMAS, name)) return fail(AIRSEND_CLOSE.unknown_command, `unknown command "${name.slice(0, 40)}"`);
  const check = CHECKS[name as CommandName];
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    return fail(AIRSEND_CLOSE.malformed, `invalid ${name}: ${first ? `${first.path || '/'} ${first.message}` : 'wrong shape'}`);
  }
  return { ok: true, command: value as AirSendCommand };
}

export const toId = (v: number | string): number => Number(v);
