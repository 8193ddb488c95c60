// Canonical events → Dino MQTT event payloads (docs/dialects/dino.md). Pure: runs once per event for
// every Dino connection (the MQTT session puts the same bytes in each PUBLISH); `acceptsDino` narrows
// group events to the group's members; `renderDinoGroupUpdate` is the `group` that follows a join/leave.
import type { HeraldEvent } from '../../events/types.js';
import type { FileView, MessageView, SpaceSummary, SpaceView } from '../../core/model.js';
import {
  MESSAGE_TYPE,
  SYSTEM_USER_ID,
  dinoMs,
  dinoSeconds,
  fileId,
  groupType,
  isActionLog,
  nullIfEmpty,
  overview,
  senderId,
  type DinoRenderOptions,
} from './format.js';

export type { DinoRenderOptions } from './format.js';

/** A canonical event with its feed position (null when ephemeral) and time. */
export type DinoInput = HeraldEvent & { id: number | null; at: number };

export interface DinoGroupEvent {
  event_type: 'group';
  group_id: string;
  name: string;
  /** Float seconds. */
  created_at: number;
  updated_at: number;
  last_message_time: number;
  group_type: 0 | 1;
  owner_id: number | null;
  user_ids: number[];
  /** Herald additions. */
  description: string | null;
  status: 'deleted' | null;
}

export interface DinoEmbeddedGroup {
  group_id: string;
  name: string;
  description: string | null;
  /** Integer milliseconds. */
  updated_at: number;
  created_at: number;
  last_message_time: number;
  last_message_overview: string;
  last_message_type: number;
  last_message_user_id: number;
  status: null;
  group_type: 0 | 1;
  owner_id: number | null;
  meta: null;
}

export interface DinoMessageEvent {
  event_type: 'message';
  group_id: string;
  sender_id: number;
  /** Only on the attachment variant. */
  file_id?: string;
  notification: { author: { username: string; avatar_url: string | null } };
  message_id: string;
  message_payload: string;
  message_type: number;
  /** 0 until the message is edited. */
  updated_at: number;
  created_at: number;
  group: DinoEmbeddedGroup;
  /** Herald addition on the attachment variant: every attachment, in order. */
  file_ids?: string[];
}

export interface DinoEditEvent {
  event_type: 'edit';
  group_id: string;
  sender_id: number;
  file_id: string | null;
  message_id: string;
  message_payload: string;
  message_type: number;
  created_at: number;
  /** Herald additions. */
  updated_at: number;
  file_ids: string[];
}

export interface DinoActionLogEvent extends Omit<DinoEditEvent, 'event_type' | 'updated_at'> {
  event_type: 'action_log';
}

export interface DinoReadEvent {
  event_type: 'read';
  group_id: string;
  user_id: number;
  read_at: number;
  /** Herald addition: the message that was read. */
  message_id: string;
}

export interface DinoDeleteAttachmentEvent {
  event_type: 'delete_attachment';
  created_at: number;
  group_id: string;
  message_ids: string[];
  file_ids: string[];
}

export interface DinoDeleteMessageEvent {
  event_type: 'delete_message';
  created_at: number;
  group_id: string;
  message_id: string;
  sender_id: number;
  /** Who deleted it (0: the server API key). */
  user_id: number;
}

export interface DinoMembershipEvent {
  event_type: 'join' | 'leave';
  created_at: number;
  group_id: string;
  group_type: 0 | 1;
  /** The user who joined or left. */
  user_id: number;
  /** Who did it: `user_id` itself for a self-join or a leave, another member for an add or a removal, 0 for the server API key. */
  sender_id: number;
}

export interface DinoAttachmentEvent {
  event_type: 'attachment';
  created_at: number;
  group_id: string;
  sender_id: number;
  file_id: string;
  file_name: string;
  file_mimetype: string;
  file_size: number;
}

export type DinoEvent =
  | DinoGroupEvent
  | DinoMessageEvent
  | DinoEditEvent
  | DinoActionLogEvent
  | DinoReadEvent
  | DinoDeleteAttachmentEvent
  | DinoDeleteMessageEvent
  | DinoMembershipEvent
  | DinoAttachmentEvent;

/** The payload of one canonical event, or null when Dino clients never see it. */
export function renderDino(ev: DinoInput, o: DinoRenderOptions = {}): DinoEvent | null {
  switch (ev.type) {
    case 'space.created':
    case 'space.updated':
    case 'space.undeleted':
    case 'member.updated':
      return dinoGroup(ev.data.space, false);
    case 'space.deleted':
      return dinoGroup(ev.data.space, true);
    case 'member.added':
    case 'member.removed':
      return {
        event_type: ev.type === 'member.added' ? 'join' : 'leave',
        created_at: dinoMs(ev.at),
        group_id: ev.data.space.uuid,
        group_type: groupType(ev.data.space.kind),
        user_id: ev.data.member.user.id,
        sender_id: ev.data.actor_id ?? SYSTEM_USER_ID,
      };
    case 'message.created': {
      const m = ev.data.message;
      return isActionLog(m) ? dinoActionLog(m, ev.data.space) : dinoMessage(m, ev.data.space, o);
    }
    case 'message.updated':
      return dinoEdit(ev.data.message, ev.data.space);
    case 'message.deleted': {
      const m = ev.data.message;
      return {
        event_type: 'delete_message',
        created_at: dinoMs(ev.at),
        group_id: ev.data.space.uuid,
        message_id: m.uuid,
        sender_id: senderId(m),
        user_id: ev.data.actor_id ?? SYSTEM_USER_ID,
      };
    }
    case 'message.read': {
      // "Read receipts are only broadcasted in 1-to-1 conversations, not in multi-user groups."
      const m = ev.data.message;
      if (m.space_kind !== 'direct') return null;
      return { event_type: 'read', group_id: ev.data.space.uuid, user_id: ev.data.user.id, read_at: dinoMs(ev.data.at), message_id: m.uuid };
    }
    case 'attachment.deleted':
      return {
        event_type: 'delete_attachment',
        created_at: dinoMs(ev.at),
        group_id: ev.data.space.uuid,
        message_ids: [...ev.data.message_uuids],
        file_ids: ev.data.files.map(fileId),
      };
    case 'file.created':
      return dinoAttachment(ev.data.file, ev.data.space);
    default:
      return null;
  }
}

/** The JSON text of `renderDino` (what goes in the PUBLISH payload), or null. */
export function renderDinoJson(ev: DinoInput, o: DinoRenderOptions = {}): string | null {
  const p = renderDino(ev, o);
  return p === null ? null : JSON.stringify(p);
}

/**
 * The `group` event (with the new `user_ids`) that follows a `join` or `leave`, for the group's members.
 * The removed user does not get it (see `acceptsDinoGroupUpdate`).
 */
export function renderDinoGroupUpdate(ev: DinoInput): DinoGroupEvent | null {
  if (ev.type !== 'member.added' && ev.type !== 'member.removed') return null;
  return dinoGroup(ev.data.space, false);
}

export function acceptsDinoGroupUpdate(ev: DinoInput, userId: number): boolean {
  return !(ev.type === 'member.removed' && ev.data.member.user.id === userId);
}

// ---- per-recipient selection ---------------------------------------------------------------------------

const memberSets = new WeakMap<SpaceView, Set<number>>();

function membersOf(space: SpaceView): Set<number> {
  let s = memberSets.get(space);
  if (s === undefined) memberSets.set(space, (s = new Set(space.members.map((m) => m.user.id))));
  return s;
}

/**
 * "A group you're part of": group events go to its members only, even for open spaces that other dialects
 * announce to every user; a removed user still gets their `leave`.
 */
export function acceptsDino(ev: DinoInput, userId: number): boolean {
  switch (ev.type) {
    case 'space.created':
    case 'space.updated':
    case 'space.deleted':
    case 'space.undeleted':
    case 'member.added':
    case 'member.updated':
      return membersOf(ev.data.space).has(userId);
    case 'member.removed':
      return userId === ev.data.member.user.id || membersOf(ev.data.space).has(userId);
    default:
      return true;
  }
}

// ---- payloads -----------------------------------------------------------------------------------------

function dinoGroup(s: SpaceView, deleted: boolean): DinoGroupEvent {
  return {
    event_type: 'group',
    group_id: s.uuid,
    name: s.name,
    created_at: dinoSeconds(s.created_at),
    updated_at: dinoSeconds(s.updated_at),
    last_message_time: dinoSeconds(s.last_active_at),
    group_type: groupType(s.kind),
    owner_id: s.owner_id,
    user_ids: s.members.map((m) => m.user.id),
    description: nullIfEmpty(s.description),
    status: deleted ? 'deleted' : null,
  };
}

function embeddedGroup(m: MessageView, s: SpaceSummary): DinoEmbeddedGroup {
  return {
    group_id: s.uuid,
    name: s.name,
    description: nullIfEmpty(s.description),
    updated_at: dinoMs(s.updated_at),
    created_at: dinoMs(s.created_at),
    // This message is the group's last one; the group's own activity time when it is later (as in the example).
    last_message_time: dinoMs(Math.max(s.last_active_at, m.created_at)),
    last_message_overview: overview(m.content),
    last_message_type: MESSAGE_TYPE[m.kind],
    last_message_user_id: senderId(m),
    status: null,
    group_type: groupType(m.space_kind),
    owner_id: s.owner_id,
    meta: null,
  };
}

function dinoMessage(m: MessageView, space: SpaceSummary, o: DinoRenderOptions): DinoMessageEvent {
  const first = m.attachments[0];
  const author = m.author === null ? { username: o.systemUsername ?? 'system', avatar_url: null } : { username: m.author.username, avatar_url: o.avatarUrl?.(m.author) ?? null };
  return {
    event_type: 'message',
    group_id: space.uuid,
    sender_id: senderId(m),
    ...(first === undefined ? {} : { file_id: fileId(first) }),
    notification: { author },
    message_id: m.uuid,
    message_payload: m.content,
    message_type: MESSAGE_TYPE[m.kind],
    updated_at: m.is_edited ? dinoMs(m.updated_at) : 0,
    created_at: dinoMs(m.created_at),
    group: embeddedGroup(m, space),
    ...(first === undefined ? {} : { file_ids: m.attachments.map(fileId) }),
  };
}

/** The fields `edit` and `action_log` share, in the document's order. */
function dinoMessageFields<T extends 'edit' | 'action_log'>(type: T, m: MessageView, space: SpaceSummary) {
  const first = m.attachments[0];
  return {
    event_type: type,
    group_id: space.uuid,
    sender_id: senderId(m),
    file_id: first === undefined ? null : fileId(first),
    message_id: m.uuid,
    message_payload: m.content,
    message_type: MESSAGE_TYPE[m.kind],
    created_at: dinoMs(m.created_at),
  };
}

function dinoEdit(m: MessageView, space: SpaceSummary): DinoEditEvent {
  return { ...dinoMessageFields('edit', m, space), updated_at: dinoMs(m.updated_at), file_ids: m.attachments.map(fileId) };
}

function dinoActionLog(m: MessageView, space: SpaceSummary): DinoActionLogEvent {
  return { ...dinoMessageFields('action_log', m, space), file_ids: m.attachments.map(fileId) };
}

function dinoAttachment(f: FileView, space: SpaceSummary): DinoAttachmentEvent {
  return {
    event_type: 'attachment',
    created_at: dinoMs(f.created_at),
    group_id: space.uuid,
    sender_id: f.uploaded_by ?? SYSTEM_USER_ID,
    file_id: fileId(f),
    file_name: f.name,
    file_mimetype: f.mimetype,
    file_size: f.size,
  };
}
