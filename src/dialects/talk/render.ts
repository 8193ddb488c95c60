// Canonical events → Talk-and-Travel STOMP payloads (docs/dialects/talk-and-travel.md): the document's
// `{id, authorId, chatId, eventType, eventTime}` events on /countries/{chatId}/events, message snapshots on
// /countries/{chatId}/messages and the chat's other changes on /countries/{chatId}/updates. Rendered once
// per event; the STOMP session frames the JSON once (SharedBody) and adds each subscriber's headers.
import type { HeraldEvent } from '../../events/types.js';
import type { FileView, MessageView, Role, UserRef } from '../../core/model.js';

/** A canonical event with its feed position (null when ephemeral) and time. */
export type TalkInput = HeraldEvent & { id: number | null; at: number };

/** `typing.stopped` as the renderer reads it (ephemeral, published by service/ephemeral.ts). */
export interface TypingStopped {
  type: 'typing.stopped';
  data: { space_id: number; user: UserRef };
}

export type TalkEventType = 'JOIN' | 'LEAVE' | 'START_TYPING' | 'STOP_TYPING';

/** The document's event. */
export interface TalkEvent {
  id: number;
  authorId: number;
  chatId: number;
  eventType: TalkEventType;
  eventTime: string;
}

export interface TalkAttachment {
  id: number;
  name: string;
  mimeType: string;
  size: number;
}

/** A message snapshot, in the document's style (camelCase, integer ids, local date-times). */
export interface TalkMessage {
  id: number;
  content: string;
  creationDate: string;
  /** null for system messages (bot messages, the server API key). */
  senderId: number | null;
  senderName: string | null;
  chatId: number;
  repliedMessageId: number | null;
  /** Herald's message kind in upper case: MESSAGE, IMAGE, FILE, AUDIO, BOT, ACTION, NO_THANKS, … */
  type: string;
  /** null until the message is edited. */
  updateDate: string | null;
  deleted: boolean;
  attachments: TalkAttachment[];
  reactions: { emoji: string; userId: number }[];
  readBy: number[];
}

export type TalkUpdateType = 'CHAT_UPDATED' | 'CHAT_DELETED' | 'CHAT_RESTORED' | 'ROLE_CHANGED' | 'FILE_ADDED' | 'ATTACHMENTS_DELETED' | 'ONLINE' | 'OFFLINE';

/** Other changes of a chat: the document's event fields plus the details of each type. */
export interface TalkUpdate {
  id: number;
  /** Who did it; null for the server API key. */
  authorId: number | null;
  chatId: number;
  eventType: TalkUpdateType;
  eventTime: string;
  name?: string;
  description?: string;
  userId?: number;
  role?: Role;
  file?: TalkAttachment;
  messageIds?: number[];
  fileIds?: number[];
}

export type TalkChannel = 'events' | 'messages' | 'updates';

export interface TalkFrame {
  destination: string;
  channel: TalkChannel;
  chatId: number;
  /** The Talk id of this delivery (the payload's `id`, or for a message snapshot the event's): resume after it. */
  id: number;
  payload: TalkEvent | TalkMessage | TalkUpdate;
}

/** `/countries/{chatId}/{channel}`. */
export function talkDestination(chatId: number, channel: TalkChannel): string {
  return `/countries/${chatId}/${channel}`;
}

/**
 * `eventTime` and the other date-times: the document's local date-time with microseconds and no zone,
 * always in UTC. Herald keeps milliseconds, so the last three digits are 0: `2024-08-11T08:50:59.607000`.
 */
export function talkTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23) + '000';
}

/** Ids are feed positions times this, so ephemeral events fit between two positions. */
export const TALK_ID_SCALE = 1000;

/**
 * Ids of what a destination delivers (docs/dialects/talk-and-travel.md, "Ids"), unique and increasing.
 * Logged events: their feed position × 1000. Ephemeral events (typing, presence) are never stored and
 * have no position: they take the newest logged position this node rendered × 1000 + k, where k counts
 * 1..999 and starts again when that position advances (past 999 it stays at 999: ids still never
 * decrease). So `floor(id / 1000)` is always a position to resume after that misses nothing.
 */
export class TalkIds {
  private k = 0;

  constructor(private head = 0) {}

  idOf(ev: { id: number | null }): number {
    if (ev.id === null) {
      if (this.k < TALK_ID_SCALE - 1) this.k++;
      return this.head * TALK_ID_SCALE + this.k;
    }
    if (ev.id > this.head) {
      this.head = ev.id;
      this.k = 0;
    }
    return ev.id * TALK_ID_SCALE;
  }

  /** The newest logged position rendered (or the seed). */
  get position(): number {
    return this.head;
  }
}

/** The feed position to resume after, from any id a Talk-and-Travel client saw. */
export function positionOfTalkId(id: number): number {
  return Math.floor(id / TALK_ID_SCALE);
}

export interface TalkRenderOptions {
  /** One instance per node, shared by every Talk-and-Travel render (events are rendered in feed order). */
  ids: TalkIds;
}

/** The payload and destination of one canonical event, or null when Talk-and-Travel clients never see it. */
export function renderTalk(ev: TalkInput | (TypingStopped & { id: null; at: number }), o: TalkRenderOptions): TalkFrame | null {
  if (ev.type === 'typing.stopped') return eventFrame(ev.data.space_id, ev.data.user.id, 'STOP_TYPING', ev, o);
  switch (ev.type) {
    case 'member.added':
      return eventFrame(ev.data.space.id, ev.data.member.user.id, 'JOIN', ev, o);
    case 'member.removed':
      return eventFrame(ev.data.space.id, ev.data.member.user.id, 'LEAVE', ev, o);
    case 'typing.started':
      return eventFrame(ev.data.space_id, ev.data.user.id, 'START_TYPING', ev, o);
    case 'message.created':
    case 'message.updated':
    case 'message.deleted':
    case 'message.read':
    case 'reaction.added':
    case 'reaction.removed':
      return frame(ev.data.message.space_id, 'messages', talkMessage(ev.data.message, ev.type === 'message.deleted'), o.ids.idOf(ev));
    case 'space.updated':
      return updateFrame(ev.data.space.id, ev.data.actor_id, 'CHAT_UPDATED', ev, o, { name: ev.data.space.name, description: ev.data.space.description });
    case 'space.deleted':
      return updateFrame(ev.data.space.id, ev.data.actor_id, 'CHAT_DELETED', ev, o);
    case 'space.undeleted':
      return updateFrame(ev.data.space.id, ev.data.actor_id, 'CHAT_RESTORED', ev, o, { name: ev.data.space.name, description: ev.data.space.description });
    case 'member.updated':
      return updateFrame(ev.data.space.id, ev.data.actor_id, 'ROLE_CHANGED', ev, o, { userId: ev.data.member.user.id, role: ev.data.member.role });
    case 'file.created':
      return updateFrame(ev.data.file.space_id, ev.data.actor_id, 'FILE_ADDED', ev, o, { file: talkAttachment(ev.data.file) });
    case 'attachment.deleted':
      return updateFrame(ev.data.space_id, ev.data.actor_id, 'ATTACHMENTS_DELETED', ev, o, { messageIds: [...ev.data.message_ids], fileIds: ev.data.files.map((f) => f.id) });
    case 'presence.online':
    case 'presence.offline':
      return updateFrame(ev.data.space_id, ev.data.user.id, ev.type === 'presence.online' ? 'ONLINE' : 'OFFLINE', ev, o);
    default:
      // Still advance the id head, so a later typing event is placed after this event.
      if (ev.id !== null) o.ids.idOf(ev);
      return null;
  }
}

/** The destination and JSON text of `renderTalk`, or null. */
export function renderTalkJson(ev: TalkInput | (TypingStopped & { id: null; at: number }), o: TalkRenderOptions): { destination: string; body: string } | null {
  const f = renderTalk(ev, o);
  return f === null ? null : { destination: f.destination, body: JSON.stringify(f.payload) };
}

// ---- payloads -----------------------------------------------------------------------------------------

function frame(chatId: number, channel: TalkChannel, payload: TalkFrame['payload'], id: number): TalkFrame {
  return { destination: talkDestination(chatId, channel), channel, chatId, id, payload };
}

function eventFrame(chatId: number, authorId: number, eventType: TalkEventType, ev: { id: number | null; at: number }, o: TalkRenderOptions): TalkFrame {
  const id = o.ids.idOf(ev);
  return frame(chatId, 'events', { id, authorId, chatId, eventType, eventTime: talkTime(ev.at) }, id);
}

function updateFrame(
  chatId: number,
  authorId: number | null,
  eventType: TalkUpdateType,
  ev: { id: number | null; at: number },
  o: TalkRenderOptions,
  details: Partial<TalkUpdate> = {},
): TalkFrame {
  const id = o.ids.idOf(ev);
  return frame(chatId, 'updates', { id, authorId, chatId, eventType, eventTime: talkTime(ev.at), ...details }, id);
}

function talkAttachment(f: FileView): TalkAttachment {
  return { id: f.id, name: f.name, mimeType: f.mimetype, size: f.size };
}

export function talkMessage(m: MessageView, deleted: boolean): TalkMessage {
  const sender = m.kind === 'bot' ? null : m.author;
  return {
    id: m.id,
    content: m.content,
    creationDate: talkTime(m.created_at),
    senderId: sender === null ? null : sender.id,
    senderName: sender === null ? null : sender.display_name,
    chatId: m.space_id,
    repliedMessageId: m.parent_id,
    type: m.kind.toUpperCase(),
    updateDate: m.is_edited ? talkTime(m.updated_at) : null,
    deleted,
    attachments: m.attachments.map(talkAttachment),
    reactions: m.reactions.map((r) => ({ emoji: r.emoji, userId: r.user.id })),
    readBy: m.read_by.map((r) => r.user.id),
  };
}
