// AirSend value formats and object shapes (docs/dialects/airsend.md): timestamps, emoji ids, and the
// user / channel / message / action objects the AirSend RTM document shows. Pure functions of snapshots.
import type { ActionView, AlertView, FileView, LockView, MessageView, SpaceView, UnreadView, UserRef } from '../../core/model.js';
import { threadId, type SpaceStats } from '../../core/conversation.js';

/** AirSend's date-time form: `YYYY-MM-DD HH:MM:SS`, UTC. */
export function airTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** AirSend's `*_ts` fields: whole seconds since the epoch. */
export function airTs(ms: number): number {
  return Math.floor(ms / 1000);
}

/** AirSend message types (from AirSend's Message object). Herald uses 1 (new), 3 (quote) and 5 (bot). */
export const MESSAGE_TYPE = { new: 1, reply: 2, quote: 3, forward: 4, bot: 5 } as const;

/** The user id shown for messages and actions of the system (bot messages, the server API key). */
export const SYSTEM_USER_ID = 0;

// ---- emoji ----------------------------------------------------------------------------------------

const EMOJI_ID = /^U[+ ]?([0-9A-F]{1,6})((?:[ \-_]U?\+?[0-9A-F]{1,6})*)$/i;

/**
 * AirSend's "Unicode id" of an emoji → the emoji itself, e.g. `U 1F600` → 😀, `U 1F44D 1F3FB` → 👍🏻.
 * Anything else (a plain emoji, a shortcode) is kept as given, so every dialect shows the same reaction.
 */
export function emojiFromAirSend(value: string): string {
  const v = value.trim();
  const m = EMOJI_ID.exec(v);
  if (!m) return v;
  const points = [m[1], ...m[2].split(/[ \-_]+/).filter(Boolean).map((p) => p.replace(/^U?\+?/i, ''))].map((h) => parseInt(h, 16));
  if (points.some((p) => !Number.isInteger(p) || p > 0x10ffff || (p >= 0xd800 && p <= 0xdfff))) return v;
  return String.fromCodePoint(...points);
}

/** An emoji → AirSend's Unicode id (`😀` → `U 1F600`); pure ASCII values (shortcodes) are shown as stored. */
export function emojiToAirSend(emoji: string): string {
  if (/^[\x20-\x7e]*$/.test(emoji)) return emoji;
  return 'U ' + [...emoji].map((c) => c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')).join(' ');
}

// ---- users and members -------------------------------------------------------------------------------

export interface AirUser {
  id: number;
  email: string;
  display_name: string;
  last_active_on: string;
  online_status: boolean;
  last_active_on_ts: number;
  has_avatar: boolean;
}

/** In the public view (a recipient who shares no channel with the user) the email is blank. */
export function airUser(u: UserRef, online: boolean): AirUser {
  return {
    id: u.id,
    email: u.email ?? '',
    display_name: u.display_name,
    last_active_on: airTime(u.last_active_at),
    online_status: online,
    last_active_on_ts: airTs(u.last_active_at),
    has_avatar: u.has_avatar,
  };
}

// ---- channels ------------------------------------------------------------------------------------------

/** Status of a live channel (AirSend's `channel_status` 100). */
export const CHANNEL_STATUS_ACTIVE = 100;

/**
 * The channel's roots, where its files really are: `files` is the folder of the channel's files — the chat
 * thread of the workspace's content tree (core/conversation.ts), whose children are the chat files
 * (`GET /api/workspaces/<id>/contents?parent_id=<thread id>`); `wiki` is the workspace's content tree itself
 * (`GET /api/workspaces/<id>/contents`), whose root has no content id, so it is named by the channel id.
 */
export function channelRoots(spaceId: number): { type: string; location: string }[] {
  return [
    { type: 'files', location: `/cf/${threadId(spaceId)}` },
    { type: 'wiki', location: `/wf/${spaceId}` },
  ];
}

/**
 * The channel object. `createdByAsString` follows the document's `channel.update` example, which shows
 * `created_by` as a string ("91010001") where `channel.create` shows an integer. `stats` (the space's
 * latest message and file totals when the event was appended) fill `latest_message` and `total_*`; events
 * logged before they were recorded show null and 0.
 */
export function airChannel(s: SpaceView, isOnline: (userId: number) => boolean, createdByAsString: boolean, stats?: SpaceStats, botName = 'AirBot'): Record<string, unknown> {
  const createdBy = s.created_by ?? s.owner_id ?? SYSTEM_USER_ID;
  return {
    id: s.id,
    channel_name: s.name,
    channel_email: '',
    channel_status: CHANNEL_STATUS_ACTIVE,
    blurb: s.description,
    one_one: s.kind === 'direct',
    last_active_on: airTime(s.last_active_at),
    created_on: airTime(s.created_at),
    created_by: createdByAsString ? String(createdBy) : createdBy,
    created_on_ts: airTs(s.created_at),
    last_active_on_ts: airTs(s.last_active_at),
    latest_message: stats?.latest_message ? airMessage(stats.latest_message, botName) : null,
    members: s.members.map((m) => airUser(m.user, isOnline(m.user.id))),
    channel_roots: channelRoots(s.id),
    total_fs_count: stats ? stats.file_count + stats.folder_count : 0,
    total_file_count: stats?.file_count ?? 0,
    total_folder_count: stats?.folder_count ?? 0,
    total_fs_size: stats?.fs_size ?? 0,
  };
}

// ---- files, messages -----------------------------------------------------------------------------------

/** A file's path under its channel's file root (`channel_roots[type=files]`). */
export function airPath(spaceId: number, name: string): string {
  return `/cf/${threadId(spaceId)}/attachments/${name}`;
}

/** The file name in a Herald path (`/spaces/<s>/files/<f>/<name>`). */
export function fileNameOf(path: string): string {
  const m = /^\/spaces\/\d+\/files\/\d+\/(.*)$/s.exec(path);
  return m ? m[1] : path.slice(path.lastIndexOf('/') + 1);
}

function airAttachment(f: FileView): Record<string, unknown> {
  return {
    ctp: 'ATTACHMENT_TYPE_FILE',
    content: { file_id: f.id, path: airPath(f.space_id, f.name), name: f.name, size: f.size, mimetype: f.mimetype },
  };
}

/** A bot message's content: `{type, bot_message}` from the message meta, with safe fallbacks. */
export function botContent(m: MessageView): { type: number; bot_message: string } {
  const meta = m.meta ?? {};
  const type = typeof meta.type === 'number' && Number.isInteger(meta.type) ? meta.type : 0;
  const text = typeof meta.bot_message === 'string' ? meta.bot_message : m.content;
  return { type, bot_message: text };
}

/**
 * The message object. The document's `chat.postMessage` example carries `content` and `created_on_ts`;
 * its `chat.updateMessage` example carries `content_text` instead: every message object carries all three.
 */
export function airMessage(m: MessageView, botName: string): Record<string, unknown> {
  const bot = m.kind === 'bot';
  const content = bot ? botContent(m) : m.content;
  return {
    id: m.id,
    user_id: bot ? SYSTEM_USER_ID : (m.author?.id ?? SYSTEM_USER_ID),
    channel_id: m.space_id,
    display_name: bot || m.author === null ? botName : m.author.display_name,
    content,
    content_text: typeof content === 'string' ? content : content.bot_message,
    attachments: m.attachments.map(airAttachment),
    message_type: bot ? MESSAGE_TYPE.bot : m.parent_id !== null ? MESSAGE_TYPE.quote : MESSAGE_TYPE.new,
    is_edited: m.is_edited,
    parent_message: m.parent_id === null ? [] : [{ mid: m.parent_id }],
    emoticons: m.reactions.map((r) => ({ uid: r.user.id, dn: r.user.display_name, ev: emojiToAirSend(r.emoji) })),
    created_on: airTime(m.created_at),
    created_on_ts: airTs(m.created_at),
    read_user_count: String(m.read_by.length),
    read_users: m.read_by.map((r) => ({ uid: r.user.id, dn: r.user.display_name })),
  };
}

// ---- actions, alerts, unread counts, locks ----------------------------------------------------------------

export function airAction(a: ActionView): Record<string, unknown> {
  return {
    id: a.id,
    channel_id: a.space_id,
    action_name: a.name,
    action_desc: a.description,
    action_type: a.type,
    action_status: a.status,
    due_on: a.due_at === null ? null : airTime(a.due_at),
    created_on: airTime(a.created_at),
    created_by: a.created_by ?? SYSTEM_USER_ID,
    updated_on: a.updated_at === null ? null : airTime(a.updated_at),
    updated_by: a.updated_by,
    assignee_id: a.assignee_id,
  };
}

export function airAlert(a: AlertView, isOnline: (userId: number) => boolean): Record<string, unknown> {
  return {
    alert_id: a.id,
    from: a.from === null ? [] : [airUser(a.from, isOnline(a.from.id))],
    message_id: a.message_id,
    alert_text: a.text,
    channel_id: a.space_id,
    is_read: a.is_read,
    created_on: airTime(a.created_at),
  };
}

export function airUnread(u: UnreadView): Record<string, unknown> {
  return {
    total_unread_count: u.total_unread,
    channel_id: u.space_id,
    channel_unread_count: u.space_unread,
    oldest_unread_message_id: u.oldest_unread_id,
  };
}

export function airLock(l: LockView, userId: number): Record<string, unknown> {
  return { lock_id: l.id, channel_id: l.space_id, user_id: userId, path: airPath(l.space_id, fileNameOf(l.path)), file_id: l.file_id };
}
