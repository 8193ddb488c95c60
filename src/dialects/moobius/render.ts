// Canonical events → Moobius frames (docs/dialects/moobius.md): `message_down` for users, the document's
// "service receive format" (`message_up` with message_id and sender) for channel services, and the
// `copy` acknowledgements and refusals. Pure; message frames are rendered once per event.
import type { HeraldEvent } from '../../events/types.js';
import type { FileView, MessageKind, MessageView, SpaceSummary } from '../../core/model.js';

/** A canonical event with its feed position (null when ephemeral) and time. */
export type MoobiusInput = HeraldEvent & { id: number | null; at: number };

export const MOOBIUS_SUBTYPES = ['text', 'file', 'audio', 'image'] as const;
export type MoobiusSubtype = (typeof MOOBIUS_SUBTYPES)[number];

/** The sender of messages without a user (bot messages, the server API key). */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * The key of a message's `meta` where the Moobius session keeps what message_up carried and Herald's
 * message has no field for: `{recipients, context, sender?}` (see `MoobiusMessageMeta`).
 */
export const MOOBIUS_META_KEY = 'moobius';

export interface MoobiusMessageMeta {
  /** As the sender gave them: one user uuid or a list. */
  recipients?: string | string[];
  context?: Record<string, unknown>;
  /** A service's chosen sender uuid for messages it sends down (messages with a Herald author ignore it). */
  sender?: string;
}

export interface MoobiusFile {
  path: string;
  filename: string;
  size: number;
}

export type MoobiusContent =
  | { text: string }
  /** `text`: the caption of a message that has both; `files`: every attachment when there are several. */
  | (MoobiusFile & { text?: string; files?: MoobiusFile[] });

export interface MoobiusMessageBody {
  subtype: MoobiusSubtype;
  content: MoobiusContent;
  channel_id: string;
  /** Milliseconds, Herald's clock. */
  timestamp: number;
  message_id: string;
  sender: string;
  recipients: string | string[];
  context: Record<string, unknown>;
}

export interface MoobiusMessageFrame<T extends 'message_down' | 'message_up'> {
  type: T;
  body: MoobiusMessageBody;
}

// ---- subtypes and kinds -------------------------------------------------------------------------------

const SUBTYPE_KIND: Readonly<Record<MoobiusSubtype, MessageKind>> = { text: 'message', file: 'file', audio: 'audio', image: 'image' };

/** The Herald message kind a message_up of this subtype is stored as. */
export function kindForSubtype(subtype: MoobiusSubtype): MessageKind {
  return SUBTYPE_KIND[subtype];
}

/**
 * The subtype a Herald message is shown as: `text` without attachments; with attachments the kind's
 * subtype (file, audio, image), and for other kinds the first attachment's mimetype decides.
 */
export function moobiusSubtype(m: MessageView): MoobiusSubtype {
  const first = m.attachments[0];
  if (first === undefined) return 'text';
  if (m.kind === 'file' || m.kind === 'audio' || m.kind === 'image') return m.kind;
  if (first.mimetype.startsWith('image/')) return 'image';
  if (first.mimetype.startsWith('audio/')) return 'audio';
  return 'file';
}

function moobiusFile(f: FileView): MoobiusFile {
  return { path: f.path, filename: f.name, size: f.size };
}

export function moobiusContent(m: MessageView): MoobiusContent {
  const [first, ...rest] = m.attachments;
  if (first === undefined) return { text: m.content };
  return {
    ...moobiusFile(first),
    ...(m.content === '' ? {} : { text: m.content }),
    ...(rest.length === 0 ? {} : { files: m.attachments.map(moobiusFile) }),
  };
}

/** The Moobius part of a message's meta, with anything malformed ignored. */
export function moobiusMeta(m: MessageView): { recipients: string | string[] | null; context: Record<string, unknown>; sender: string | null } {
  const raw = m.meta?.[MOOBIUS_META_KEY];
  const o = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const r = o.recipients;
  const recipients = typeof r === 'string' ? r : Array.isArray(r) && r.every((x) => typeof x === 'string') ? (r as string[]) : null;
  const c = o.context;
  const context = typeof c === 'object' && c !== null && !Array.isArray(c) ? (c as Record<string, unknown>) : {};
  return { recipients, context, sender: typeof o.sender === 'string' ? o.sender : null };
}

// ---- message frames -----------------------------------------------------------------------------------

/** The space summary the lead adds to message events (absent today: channel_id falls back to the integer id). */
const channelId = (data: object, spaceId: number): string => (data as { space?: SpaceSummary }).space?.uuid ?? String(spaceId);

function messageBody(m: MessageView, channel: string, listRecipients: boolean): MoobiusMessageBody {
  const meta = moobiusMeta(m);
  const recipients = meta.recipients ?? [];
  return {
    subtype: moobiusSubtype(m),
    content: moobiusContent(m),
    channel_id: channel,
    timestamp: m.created_at,
    message_id: m.uuid,
    sender: m.kind !== 'bot' && m.author !== null ? m.author.uuid : (meta.sender ?? NIL_UUID),
    recipients: listRecipients && typeof recipients === 'string' ? [recipients] : recipients,
    context: meta.context,
  };
}

/** What users receive for a new message of a channel, or null (Moobius shows nothing else). */
export function renderMoobiusDown(ev: MoobiusInput): MoobiusMessageFrame<'message_down'> | null {
  if (ev.type !== 'message.created') return null;
  return { type: 'message_down', body: messageBody(ev.data.message, channelId(ev.data, ev.data.message.space_id), true) };
}

/** What a channel service receives for a user message (the document's "service receive format"), or null. */
export function renderMoobiusService(ev: MoobiusInput): MoobiusMessageFrame<'message_up'> | null {
  if (ev.type !== 'message.created') return null;
  return { type: 'message_up', body: messageBody(ev.data.message, channelId(ev.data, ev.data.message.space_id), false) };
}

export function renderMoobiusDownJson(ev: MoobiusInput): string | null {
  const f = renderMoobiusDown(ev);
  return f === null ? null : JSON.stringify(f);
}

export function renderMoobiusServiceJson(ev: MoobiusInput): string | null {
  const f = renderMoobiusService(ev);
  return f === null ? null : JSON.stringify(f);
}

// ---- copy frames --------------------------------------------------------------------------------------

/** Why a request was refused (`context.code` of a copy with `status: false`). */
export const MOOBIUS_ERROR_CODES = [
  /** Not JSON, not an object, or no string `type`. */
  'malformed',
  'unknown_type',
  /** A known type whose body misses fields or has wrong types (the message says which). */
  'invalid_body',
  /** The frame's `user_id` is not the authenticated user. */
  'user_mismatch',
  'unauthenticated',
  'forbidden',
  'not_member',
  'unknown_channel',
  'unknown_message',
  /** A recipient that is not a member of the channel. */
  'invalid_recipients',
  /** A `path` that is not a file this user uploaded. */
  'invalid_path',
  'too_large',
  'rate_limited',
  'internal',
] as const;
export type MoobiusErrorCode = (typeof MOOBIUS_ERROR_CODES)[number];

export interface MoobiusCopy {
  type: 'copy';
  body: {
    context: Record<string, unknown>;
    /** The request's `type`; null when the frame had none. */
    origin_type: string | null;
    /** The request's `request_id`; null when the frame had none. */
    request_id: string | null;
    status: boolean;
  };
}

/** The answer to an accepted message_up: the document's copy, with the new message's uuid. */
export function copyMessageUp(requestId: string, messageId: string): MoobiusCopy {
  return { type: 'copy', body: { context: { message: 'Message received', message_id: messageId }, origin_type: 'message_up', request_id: requestId, status: true } };
}

/** The answer to a heartbeat (the document's key order). */
export function copyHeartbeat(requestId: string): MoobiusCopy {
  return { type: 'copy', body: { request_id: requestId, origin_type: 'heartbeat', status: true, context: {} } };
}

/** An accepted request of another type (roger, …). */
export function copyOk(originType: string, requestId: string, context: Record<string, unknown> = {}): MoobiusCopy {
  return { type: 'copy', body: { context, origin_type: originType, request_id: requestId, status: true } };
}

/** A refused request: `status: false`, a typed code and a message a developer can act on. */
export function copyRefusal(originType: string | null, requestId: string | null, code: MoobiusErrorCode, message: string): MoobiusCopy {
  return { type: 'copy', body: { context: { code, message }, origin_type: originType, request_id: requestId, status: false } };
}
