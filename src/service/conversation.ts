// The chat seen through the content tree: Tracim API actions on the chat's content ids (core/conversation.ts)
// run the chat's own services, so a comment posted on the chat thread is a chat message for every dialect,
// and its edits, deletion and reactions are the message's. Nothing here emits content.* events.
import type { ContentPatch, ContentReactionView, ContentType, ContentView, TagView } from '../core/content-model.js';
import type { UserRef } from '../core/model.js';
import { type ChatRef, type SpaceStats, commentView, fileContentView, hasThread, reactionView, reactionsOf, threadView } from '../core/conversation.js';
import { HeraldError, badRequest, conflict, forbidden, notFound } from '../core/errors.js';
import type { CommandContext, ReadContext } from './context.js';
import * as messages from './messages.js';
import { react } from './reactions.js';
import { userOf } from './commit.js';

/** Comments and files listed under the thread (the newest of each, oldest first). UNFINISHED: no paging beyond them. */
export const THREAD_PAGE = 200;

/** "message not found" / "file not found" read as the content's. */
const asContent = (e: unknown): never => {
  throw e instanceof HeraldError && e.code === 'not_found' ? notFound('content') : e;
};

/** The space whose chat the actor may `action` in, when it has a thread. */
async function threadSpace(c: ReadContext, spaceId: number, action: 'read' | 'post') {
  const { space } = await c.access.space(spaceId, action, 'workspace');
  if (!hasThread(space)) throw notFound('content');
  return space;
}

/** The live message behind a comment id, in this workspace. */
async function messageIn(c: ReadContext, spaceId: number, messageId: number, action: 'read' | 'post') {
  const a = await c.access.message(messageId, action).catch(asContent);
  if (a.row.space_id !== spaceId || !hasThread(a.space)) throw notFound('content');
  return a;
}

export async function get(c: ReadContext, spaceId: number, ref: ChatRef): Promise<{ content: ContentView; reactions: ContentReactionView[]; tags: TagView[] }> {
  if (ref.kind === 'thread') {
    if (ref.space_id !== spaceId) throw notFound('content');
    return { content: threadView(await threadSpace(c, spaceId, 'read')), reactions: [], tags: [] };
  }
  if (ref.kind === 'message') {
    await messageIn(c, spaceId, ref.message_id, 'read');
    const m = (await c.tx.messages.view(ref.message_id))!;
    return { content: commentView(m), reactions: reactionsOf(m), tags: [] };
  }
  const { file, space } = await c.access.file(ref.file_id, 'read').catch(asContent);
  if (file.space_id !== spaceId || !hasThread(space)) throw notFound('content');
  const { storage_key: _k, deleted: _d, ...view } = file;
  return { content: fileContentView(view, file.uploaded_by === null ? null : await c.tx.users.ref(file.uploaded_by)), reactions: [], tags: [] };
}

/** The thread at the root of a workspace's tree (for listings of the root or of every content). */
export async function rootThread(c: ReadContext, spaceId: number, type: ContentType | undefined): Promise<ContentView[]> {
  if (type !== undefined && type !== 'thread') return [];
  const space = await c.tx.spaces.summary(spaceId);
  return space !== null && hasThread(space) ? [threadView(space)] : [];
}

/** What is under the thread: the space's newest messages (comments) and chat files, oldest first. */
export async function comments(c: ReadContext, spaceId: number, type: ContentType | undefined): Promise<ContentView[]> {
  await threadSpace(c, spaceId, 'read');
  const out: ContentView[] = [];
  if (type === undefined || type === 'comment') out.push(...(await messages.list(c, spaceId, null, THREAD_PAGE)).reverse().map((m) => commentView(m)));
  if (type === undefined || type === 'file') {
    const authors = new Map<number, UserRef | null>();
    for (const f of await c.tx.files.ofSpace(spaceId, THREAD_PAGE)) {
      const by = f.uploaded_by;
      if (by !== null && !authors.has(by)) authors.set(by, await c.tx.users.ref(by));
      out.push(fileContentView(f, by === null ? null : (authors.get(by) ?? null)));
    }
  }
  // An upload and its bot message share the command's time: the file comes first, as its event does.
  const rank = (x: ContentView) => (x.type === 'file' ? 0 : 1);
  return out.sort((a, b) => a.created_at - b.created_at || rank(a) - rank(b) || a.id - b.id);
}

/** A comment on the thread is a chat message (mentions and alerts as in chat). */
export async function comment(c: CommandContext, spaceId: number, ref: ChatRef, raw: string): Promise<ContentView> {
  if (ref.kind !== 'thread') throw badRequest('comment on the chat thread, not on a chat message or file');
  if (ref.space_id !== spaceId) throw notFound('content');
  await threadSpace(c, spaceId, 'post');
  return commentView(await messages.post(c, spaceId, { content: raw }));
}

/** Editing a comment of the thread edits the message; nothing else of the chat changes through the tree. */
export async function update(c: CommandContext, spaceId: number, ref: ChatRef, patch: ContentPatch): Promise<ContentView> {
  if (ref.kind !== 'message') throw badRequest(ref.kind === 'thread' ? "the chat thread is the space's chat: it cannot be changed" : 'chat files have no revisions');
  const extra = Object.entries(patch).filter(([k, v]) => v !== undefined && k !== 'raw_content');
  if (extra.length || patch.raw_content === undefined) throw badRequest('a chat comment only has a text (raw_content)');
  await messageIn(c, spaceId, ref.message_id, 'read');
  return commentView(await messages.edit(c, ref.message_id, patch.raw_content));
}

/** Deleting a comment deletes the message; a deleted message cannot be restored. */
export async function setDeleted(c: CommandContext, spaceId: number, ref: ChatRef, deleted: boolean): Promise<ContentView> {
  if (ref.kind !== 'message') throw badRequest(ref.kind === 'thread' ? "the chat thread is the space's chat: delete the workspace instead" : 'delete a chat file from its message');
  if (!deleted) throw conflict('a deleted chat message cannot be restored');
  await messageIn(c, spaceId, ref.message_id, 'read');
  await messages.remove(c, ref.message_id);
  return commentView((await c.tx.messages.view(ref.message_id))!, true);
}

/** A reaction on a comment is the message's reaction (a repeated one is a conflict, as for contents). */
export async function addReaction(c: CommandContext, spaceId: number, ref: ChatRef, emoji: string): Promise<ContentReactionView> {
  if (ref.kind !== 'message') throw badRequest('only chat messages take reactions');
  const userId = userOf(c.actor);
  const { row } = await messageIn(c, spaceId, ref.message_id, 'post');
  if ((await c.tx.messages.view(row.id))!.reactions.some((r) => r.user.id === userId && r.emoji === emoji)) throw conflict('you already reacted with this emoji');
  const m = await react(c, row.id, emoji, true);
  const r = m.reactions.find((x) => x.user.id === userId && x.emoji === emoji)!;
  return reactionView(m.id, r);
}

export async function removeReaction(c: CommandContext, spaceId: number, ref: ChatRef, reactionId: number): Promise<void> {
  if (ref.kind !== 'message') throw notFound('reaction');
  const { row } = await messageIn(c, spaceId, ref.message_id, 'post');
  const r = reactionsOf((await c.tx.messages.view(row.id))!).find((x) => x.id === reactionId);
  if (r === undefined) throw notFound('reaction');
  if (r.user.id !== c.actor.userId) throw forbidden('you may only remove your own reactions');
  await react(c, row.id, r.emoji, false);
}

/** The space's latest live unrestricted message and its file totals (chat files and the content tree's files and folders). */
export async function spaceStats(c: ReadContext, spaceId: number): Promise<SpaceStats> {
  // Stats go to every member (space and member events): a restricted message is never the latest here.
  const [latest] = await c.tx.messages.list(spaceId, null, 1, 'public');
  const chatFiles = await c.tx.files.totals(spaceId);
  const tree = await c.tx.content.totals(spaceId);
  return { latest_message: latest ?? null, file_count: chatFiles.files + tree.files, folder_count: tree.folders, fs_size: chatFiles.bytes + tree.bytes };
}
