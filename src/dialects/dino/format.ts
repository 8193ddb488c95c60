// Dino value formats (docs/dialects/dino.md, "Value rules"): one rule per field where the document's
// examples disagree. Pure functions of snapshots.
import type { FileView, MessageKind, MessageView, SpaceKind, UserRef } from '../../core/model.js';

/** `group_type`: 0 multi-user group, 1 one-to-one. */
export function groupType(kind: SpaceKind): 0 | 1 {
  return kind === 'direct' ? 1 : 0;
}

/** Timestamps of the top-level `group` event: float seconds (the document's `1597877421.453804`). */
export function dinoSeconds(ms: number): number {
  return ms / 1000;
}

/** Every other timestamp, the embedded `group` included: integer milliseconds (`1632896937286`). */
export function dinoMs(ms: number): number {
  return Math.trunc(ms);
}

/** `message_type` by Herald message kind: Dino's table, with file and audio as attachments (3) and bot messages as actions (100). */
export const MESSAGE_TYPE: Readonly<Record<MessageKind, number>> = Object.freeze({
  message: 0,
  no_thanks: 1,
  no_thanks_hidden: 2,
  image: 3,
  greeter_auto: 4,
  greeter_manual: 5,
  action: 100,
  file: 3,
  audio: 3,
  bot: 100,
});

/** Kinds shown as `action_log` events rather than `message` events. */
export function isActionLog(m: MessageView): boolean {
  return MESSAGE_TYPE[m.kind] === 100;
}

/** A file's `file_id`: its uuid as 32 lowercase hex digits, without dashes (the document shows dashless hex ids). */
export function fileId(f: FileView): string {
  return f.uuid.replace(/-/g, '').toLowerCase();
}

/** The user id Dino shows for messages and actions of the system (bot messages, the server API key). */
export const SYSTEM_USER_ID = 0;

/** User ids are JSON integers everywhere (the `message` example's strings are not followed). */
export function senderId(m: MessageView): number {
  return m.kind === 'bot' ? SYSTEM_USER_ID : (m.author?.id ?? SYSTEM_USER_ID);
}

/** Longest `last_message_overview`, in code points. */
export const OVERVIEW_LENGTH = 200;

export function overview(text: string): string {
  if (text.length <= OVERVIEW_LENGTH) return text;
  return [...text].slice(0, OVERVIEW_LENGTH).join('');
}

/** `description` and other optional texts: null when empty (the document shows `"description": null`). */
export function nullIfEmpty(s: string): string | null {
  return s === '' ? null : s;
}

export interface DinoRenderOptions {
  /** `notification.author.avatar_url`; null when the user has none (default: always null, Herald serves no avatars yet). */
  avatarUrl?: (user: UserRef) => string | null;
  /** `notification.author.username` of messages the server API key posted without a user. */
  systemUsername?: string;
}

