// One conversation, two shapes: a space's chat seen as Tracim content. Decided here once, by rule, so
// every dialect names the same message the same way and no lookup table can drift:
//   * each workspace (a `multi` space) has one chat thread, content id THREAD_BASE + space id;
//   * a chat message is a comment of that thread, content id COMMENT_BASE + message id;
//   * a chat file is a file content under the thread, content id FILE_BASE + file id;
//   * a reaction on a message has a reaction id derived from (message, user, emoji).
// Real content ids stay below COMMENT_BASE (checked when a content is inserted). See docs/dialects/tracim.md.
import type { FileView, MessageView, ReactionView, SpaceSummary, UserRef } from './model.js';
import type { ContentReactionView, ContentView } from './content-model.js';
import { HeraldError } from './errors.js';

export const COMMENT_BASE = 1_000_000_000;
export const FILE_BASE = 1_500_000_000;
export const THREAD_BASE = 2_000_000_000;
/** Tracim ids are 32-bit signed integers (the HTTP API's Id schema). */
export const MAX_ID = 2 ** 31 - 1;
/** Largest message / file id with a content id (their range ends where the next one starts), and space id. */
export const MAX_MESSAGE_ID = FILE_BASE - COMMENT_BASE - 1;
export const MAX_FILE_ID = THREAD_BASE - FILE_BASE - 1;
export const MAX_SPACE_ID = MAX_ID - THREAD_BASE;

/** The chat thread's label in every workspace's content tree. */
export const THREAD_LABEL = 'Chat';

export const threadId = (spaceId: number): number => THREAD_BASE + spaceId;
export const commentId = (messageId: number): number => COMMENT_BASE + messageId;
export const fileContentId = (fileId: number): number => FILE_BASE + fileId;

export type ChatRef = { kind: 'thread'; space_id: number } | { kind: 'message'; message_id: number } | { kind: 'file'; file_id: number };

/** What a content id names on the chat side, or null for a real content of the content tree. */
export function chatRefOf(contentId: number): ChatRef | null {
  if (contentId < COMMENT_BASE) return null;
  if (contentId < FILE_BASE) return { kind: 'message', message_id: contentId - COMMENT_BASE };
  if (contentId < THREAD_BASE) return { kind: 'file', file_id: contentId - FILE_BASE };
  return { kind: 'thread', space_id: contentId - THREAD_BASE };
}

export const isChatContentId = (contentId: number): boolean => contentId >= COMMENT_BASE;

/** A real content's id must stay out of the chat ranges: past it, the content tree is full. */
export function assertContentId(id: number): void {
  if (id >= COMMENT_BASE) throw new HeraldError('unavailable', `content ids above ${COMMENT_BASE - 1} are reserved for the chat: no more contents can be created`);
}

/** Whether the space's chat has a Tracim rendering (1-to-1 spaces are not workspaces) with ids in range. */
export function hasThread(space: { id: number; kind: string }): boolean {
  return space.kind === 'multi' && space.id <= MAX_SPACE_ID;
}

const BASE = { status: 'open', is_archived: false, assignee_id: null } as const;

/** The space's chat thread, as a Tracim thread at the root of its content tree. */
export function threadView(space: SpaceSummary): ContentView {
  return {
    ...BASE,
    id: threadId(space.id),
    uuid: space.uuid,
    space_id: space.id,
    parent_id: null,
    parent_label: null,
    type: 'thread',
    label: THREAD_LABEL,
    raw_content: '',
    is_deleted: space.deleted,
    file_extension: '.thread.html',
    filename: `${THREAD_LABEL}.thread.html`,
    slug: THREAD_LABEL.toLowerCase(),
    mimetype: null,
    size: null,
    author: null,
    // The thread never changes: its one revision is its creation, numbered like the thread.
    current_revision_id: threadId(space.id),
    current_revision_type: 'creation',
    created_at: space.created_at,
    updated_at: space.last_active_at,
  };
}

/**
 * A chat message as a comment of its space's thread. A message has no revisions: `current_revision_id`
 * is the comment's id, and its type says what happened last (creation, edition, deletion).
 */
export function commentView(m: MessageView, deleted = false): ContentView {
  return {
    ...BASE,
    id: commentId(m.id),
    uuid: m.uuid,
    space_id: m.space_id,
    parent_id: threadId(m.space_id),
    parent_label: THREAD_LABEL,
    type: 'comment',
    label: '',
    raw_content: m.content,
    is_deleted: deleted,
    file_extension: '',
    filename: '',
    slug: '',
    mimetype: null,
    size: null,
    author: m.author,
    current_revision_id: commentId(m.id),
    current_revision_type: deleted ? 'deletion' : m.is_edited ? 'edition' : 'creation',
    created_at: m.created_at,
    updated_at: m.updated_at,
  };
}

/** A chat file as a file content under the thread (its bytes: GET /api/v1/files/{file id}). */
export function fileContentView(f: FileView, author: UserRef | null, deleted = false): ContentView {
  const dot = f.name.lastIndexOf('.');
  const ext = dot > 0 ? f.name.slice(dot) : '';
  return {
    ...BASE,
    id: fileContentId(f.id),
    uuid: f.uuid,
    space_id: f.space_id,
    parent_id: threadId(f.space_id),
    parent_label: THREAD_LABEL,
    type: 'file',
    label: dot > 0 ? f.name.slice(0, dot) : f.name,
    raw_content: '',
    is_deleted: deleted,
    file_extension: ext,
    filename: f.name,
    slug: f.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, ''),
    mimetype: f.mimetype,
    size: f.size,
    author,
    current_revision_id: fileContentId(f.id),
    current_revision_type: deleted ? 'deletion' : 'creation',
    created_at: f.created_at,
    updated_at: f.created_at,
  };
}

/**
 * A chat reaction's Tracim reaction id: FNV-1a of (message, user, emoji) folded into [COMMENT_BASE, MAX_ID],
 * the same on every node and for every dialect. Found again by recomputing it over the message's reactions.
 */
export function chatReactionId(messageId: number, userId: number, emoji: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${messageId}:${userId}:${emoji}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return COMMENT_BASE + (h % (MAX_ID - COMMENT_BASE + 1));
}

export function reactionView(messageId: number, r: { user: UserRef; emoji: string; at: number }): ContentReactionView {
  return { id: chatReactionId(messageId, r.user.id, r.emoji), content_id: commentId(messageId), emoji: r.emoji, user: r.user, created_at: r.at };
}

export const reactionsOf = (m: MessageView): ContentReactionView[] => m.reactions.map((r: ReactionView) => reactionView(m.id, r));

/** What a space holds, for dialects that summarise it in space events (AirSend's channel object). */
export interface SpaceStats {
  latest_message: MessageView | null;
  /** Live files: chat files and file contents of the tree. */
  file_count: number;
  /** Live folders of the content tree. */
  folder_count: number;
  /** Bytes of those files. */
  fs_size: number;
}

/** A space just created holds nothing yet (no query needed). */
export const EMPTY_STATS: SpaceStats = Object.freeze({ latest_message: null, file_count: 0, folder_count: 0, fs_size: 0 });

/** Tracim's mention recipient for a chat mention alert: "all" when only @all reached the user. */
export function mentionRecipient(m: MessageView, recipient: UserRef): string {
  return m.mentions_all && !m.mentions.includes(recipient.id) ? 'all' : recipient.username;
}
