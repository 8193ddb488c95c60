// Client frames of the Moobius document, validated with TypeBox: `{type, request_id, user_id, body}`.
// A frame that cannot be served is never a dropped connection: parsing yields a Refusal, which the
// session answers with a `copy` whose status is false (docs/dialects/moobius.md, "Refusals").
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { literals } from '../../commands/schemas.js';
import { HeraldError } from '../../core/errors.js';
import { parseJson } from '../../core/json.js';
import { MOOBIUS_SUBTYPES, type MoobiusErrorCode } from './render.js';

/** A request the server refuses: answered with `copy` status false, `context.code` and a message. */
export class Refusal extends Error {
  constructor(
    readonly code: MoobiusErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A core error as a refusal; `notFound` names what a not_found means for this request. */
export function refusalOf(e: HeraldError, notFound: MoobiusErrorCode = 'invalid_body'): Refusal {
  switch (e.code) {
    case 'bad_request':
    case 'conflict':
      return new Refusal('invalid_body', e.message);
    case 'not_found':
      return new Refusal(notFound, e.message);
    case 'forbidden':
    case 'unauthenticated':
    case 'too_large':
    case 'rate_limited':
      return new Refusal(e.code, e.message);
    case 'unavailable':
      return new Refusal('internal', 'the server cannot reach its database: try again shortly');
  }
}

// Ids are uuids in the document; Herald checks them by lookup, so any short string is accepted here.
const Ref = Type.String({ minLength: 1, maxLength: 128 });
const Context = Type.Record(Type.String(), Type.Unknown());
const Recipients = Type.Union([Ref, Type.Array(Ref, { maxItems: 1000 })]);

const TextContent = Type.Object({ text: Type.String({ minLength: 1, maxLength: 40_000 }) });
/** `filename` and `size` are what the client says; the stored upload's own values are what Herald keeps. */
const FileContent = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 1024 }),
  filename: Type.String({ minLength: 1, maxLength: 255 }),
  size: Type.Integer({ minimum: 0 }),
  text: Type.Optional(Type.String({ maxLength: 40_000 })),
});
const MediaContent = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 1024 }),
  filename: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  size: Type.Optional(Type.Integer({ minimum: 0 })),
  text: Type.Optional(Type.String({ maxLength: 40_000 })),
});

const bodyFields = {
  subtype: literals(MOOBIUS_SUBTYPES),
  content: Type.Record(Type.String(), Type.Unknown()),
  channel_id: Ref,
  recipients: Recipients,
  context: Type.Optional(Context),
};
const MessageBody = Type.Object({ ...bodyFields, timestamp: Type.Integer({ minimum: 0 }) });
/** A service's message_down: the same body; `timestamp` is optional (Herald's clock decides). */
const DownBody = Type.Object({ ...bodyFields, timestamp: Type.Optional(Type.Integer({ minimum: 0 })) });

const SCHEMAS = {
  message_up: Type.Object({ type: Type.Literal('message_up'), request_id: Ref, user_id: Ref, body: MessageBody }),
  roger: Type.Object({ type: Type.Literal('roger'), request_id: Ref, user_id: Ref, body: Type.Object({ message_id: Ref, context: Type.Optional(Context) }) }),
  heartbeat: Type.Object({ type: Type.Literal('heartbeat'), request_id: Ref, user_id: Type.Optional(Ref), body: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
  message_down: Type.Object({ type: Type.Literal('message_down'), request_id: Ref, user_id: Type.Optional(Ref), body: DownBody }),
} satisfies Record<string, TSchema>;

const CONTENT = { text: TypeCompiler.Compile(TextContent), file: TypeCompiler.Compile(FileContent), image: TypeCompiler.Compile(MediaContent), audio: TypeCompiler.Compile(MediaContent) };

type Schemas = typeof SCHEMAS;
export type FrameType = keyof Schemas;
export type MoobiusFrame = { [K in FrameType]: Static<Schemas[K]> }[FrameType];
export type FrameOf<K extends FrameType> = Static<Schemas[K]>;
export type MessageBodyIn = Static<typeof MessageBody> | Static<typeof DownBody>;
export type ContentIn = Static<typeof TextContent> | Static<typeof FileContent> | Static<typeof MediaContent>;

const CHECKS = Object.fromEntries(Object.entries(SCHEMAS).map(([k, s]) => [k, TypeCompiler.Compile(s)])) as { [K in FrameType]: ReturnType<typeof TypeCompiler.Compile<Schemas[K]>> };

/** What a refused frame is answered with: its own type and request id, when it had them. */
export interface FrameHead {
  type: string | null;
  request_id: string | null;
}

export type Parsed = { ok: true; frame: MoobiusFrame } | { ok: false; head: FrameHead; refusal: Refusal };

const str = (v: unknown): string | null => (typeof v === 'string' && v.length <= 128 ? v : null);

/** Parses one client frame (null: binary) and checks it against the types `accepted` on this endpoint. */
export function parseFrame(text: string | null, accepted: readonly FrameType[]): Parsed {
  const none: FrameHead = { type: null, request_id: null };
  if (text === null) return { ok: false, head: none, refusal: new Refusal('malformed', 'binary frames are not accepted: send JSON text') };
  let value: unknown;
  try {
    value = parseJson(text, { label: 'frame' });
  } catch (e) {
    return { ok: false, head: none, refusal: new Refusal('malformed', e instanceof Error ? e.message : 'frame is not valid JSON') };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, head: none, refusal: new Refusal('malformed', 'a frame is a JSON object {type, request_id, user_id, body}') };
  const o = value as Record<string, unknown>;
  const head: FrameHead = { type: str(o.type), request_id: str(o.request_id) };
  if (typeof o.type !== 'string') return { ok: false, head, refusal: new Refusal('malformed', 'a frame needs a string "type"') };
  const name = o.type;
  if (!(accepted as readonly string[]).includes(name)) {
    return { ok: false, head, refusal: new Refusal('unknown_type', `unknown type "${name.slice(0, 40)}" here; this endpoint accepts ${accepted.join(', ')}`) };
  }
  const check = CHECKS[name as FrameType];
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    return { ok: false, head, refusal: new Refusal('invalid_body', `invalid ${name}: ${first ? `${first.path || '/'} ${first.message}` : 'wrong shape'}`) };
  }
  return { ok: true, frame: value as MoobiusFrame };
}

/** The content of a message body, checked against its subtype (`text` for text; `path`… for files). */
export function checkContent(body: MessageBodyIn): ContentIn {
  const check = CONTENT[body.subtype];
  if (!check.Check(body.content)) {
    const first = check.Errors(body.content).First();
    throw new Refusal('invalid_body', `invalid ${body.subtype} content: ${first ? `/body/content${first.path} ${first.message}` : 'wrong shape'}`);
  }
  return body.content as ContentIn;
}

/** Recipients as a list (the document allows one id or a list). */
export const recipientList = (r: string | string[]): string[] => (typeof r === 'string' ? [r] : r);
