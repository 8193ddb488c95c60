// The Tracim content tree: contents (threads, documents, folders, files, kanban boards), comments and
// todos under them, revisions, status, deletion. Every change records a revision and emits one event.
import type { UserRef } from '../core/model.js';
import type { ContentPatch, ContentReactionView, ContentType, ContentView, SpaceRef, TagView } from '../core/content-model.js';
import type { Revision } from '../store/content.js';
import { badRequest, conflict, forbidden } from '../core/errors.js';
import { spaceRef } from '../core/projection.js';
import type { CommandContext, ReadContext } from './context.js';
import { contentMentions } from './mentions.js';
import { assertContentId, chatRefOf } from '../core/conversation.js';
import * as chat from './conversation.js';

export interface NewContentInput {
  content_type: ContentType;
  label: string;
  raw_content?: string;
  parent_id?: number | null;
  assignee_id?: number | null;
  /** Files (uploads): */
  mimetype?: string;
  size?: number;
  storage_key?: string;
  file_extension?: string;
}

const EXTENSIONS: Record<ContentType, string> = { thread: '.thread.html', 'html-document': '.document.html', folder: '', file: '', comment: '', kanban: '.kanban', todo: '' };

/** The acting user's snapshot; null for the server API key acting as itself (Tracim's "tracimcli"). */
export const authorOf = (c: ReadContext): Promise<UserRef | null> => c.tx.users.ref(c.actor.userId);

export const viewOf = async (c: ReadContext, id: number): Promise<ContentView> => (await c.tx.content.view(id))!;

async function assignable(c: ReadContext, spaceId: number, assigneeId: number | null | undefined): Promise<void> {
  if (assigneeId != null && (await c.tx.spaces.role(spaceId, assigneeId)) === null) throw badRequest('assignee_id is not a member of this workspace');
}

/** Inserts a content (and its first revision) in a space the caller has checked; emits content.created and mentions. */
export async function insert(c: CommandContext, space: SpaceRef, input: NewContentInput): Promise<ContentView> {
  const parentId = input.parent_id ?? null;
  if (parentId !== null) {
    const parent = await c.tx.content.row(parentId);
    if (!parent || parent.space_id !== space.id || parent.deleted) throw badRequest('parent_id is not a content of this workspace');
    if (input.content_type !== 'comment' && input.content_type !== 'todo' && parent.type !== 'folder') throw badRequest('only folders contain contents; comments and todos go under any content');
  } else if (input.content_type === 'comment' || input.content_type === 'todo') {
    throw badRequest(`a ${input.content_type} needs a parent content`);
  }
  await assignable(c, space.id, input.assignee_id);
  const raw = input.raw_content ?? '';
  const isKanban = input.content_type === 'kanban';
  const id = await c.tx.content.insert(
    {
      space_id: space.id,
      parent_id: parentId,
      type: input.content_type,
      label: input.label,
      raw_content: raw,
      file_extension: input.file_extension ?? EXTENSIONS[input.content_type],
      mimetype: input.mimetype ?? (isKanban ? 'application/json' : null),
      size: input.size ?? (isKanban ? Buffer.byteLength(raw) : null),
      storage_key: input.storage_key ?? null,
      assignee_id: input.assignee_id ?? null,
      author_id: c.actor.userId,
    },
    c.now,
  );
  assertContentId(id);
  await c.tx.content.addRevision(id, 'creation', c.actor.userId, c.now);
  if (parentId !== null) await c.tx.spaces.touch(space.id, c.now);
  const content = await viewOf(c, id);
  const author = await authorOf(c);
  await c.emit({ type: 'content.created', data: { content, space, author } });
  await contentMentions(c, space, content, raw, '', author);
  return content;
}

/** A content of any type but files (uploaded), comments and todos (created under their content). */
export async function create(c: CommandContext, spaceId: number, input: NewContentInput): Promise<ContentView> {
  if (input.content_type === 'file') throw badRequest('files are uploaded, not created: POST /api/workspaces/{workspace_id}/files');
  if (input.content_type === 'comment' || input.content_type === 'todo') throw badRequest(`create a ${input.content_type} under its content: POST .../contents/{content_id}/${input.content_type}s`);
  const { space } = await c.access.space(spaceId, 'post', 'workspace');
  return insert(c, spaceRef(space), input);
}

export async function comment(c: CommandContext, spaceId: number, contentId: number, raw: string): Promise<ContentView> {
  const ref = chatRefOf(contentId);
  if (ref !== null) return chat.comment(c, spaceId, ref, raw);
  const { space } = await c.access.content(spaceId, contentId, 'post');
  return insert(c, spaceRef(space), { content_type: 'comment', label: '', raw_content: raw, parent_id: contentId });
}

export async function todo(c: CommandContext, spaceId: number, contentId: number, input: { raw_content: string; assignee_id?: number | null }): Promise<ContentView> {
  const { space } = await c.access.content(spaceId, contentId, 'post');
  return insert(c, spaceRef(space), { content_type: 'todo', label: input.raw_content.slice(0, 200), raw_content: input.raw_content, parent_id: contentId, assignee_id: input.assignee_id ?? null });
}

/** One content (deleted ones too) with its reactions and tags. */
export async function get(c: ReadContext, spaceId: number, contentId: number): Promise<{ content: ContentView; reactions: ContentReactionView[]; tags: TagView[] }> {
  const ref = chatRefOf(contentId);
  if (ref !== null) return chat.get(c, spaceId, ref);
  await c.access.content(spaceId, contentId, 'read', true);
  return { content: await viewOf(c, contentId), reactions: await c.tx.content.reactions(contentId), tags: await c.tx.tags.ofContent(contentId) };
}

export async function list(c: ReadContext, spaceId: number, filter: { parent_id?: number | null; include_deleted?: boolean; content_type?: ContentType }): Promise<ContentView[]> {
  // The chat thread sits at the root; its comments are the chat's messages (service/conversation.ts).
  const ref = filter.parent_id == null ? null : chatRefOf(filter.parent_id);
  if (ref !== null) return ref.kind === 'thread' && ref.space_id === spaceId ? chat.comments(c, spaceId, filter.content_type) : [];
  await c.access.space(spaceId, 'read', 'workspace');
  const real = await c.tx.content.list(spaceId, filter.parent_id, filter.include_deleted ?? false, filter.content_type);
  return filter.parent_id === undefined || filter.parent_id === null ? [...(await chat.rootThread(c, spaceId, filter.content_type)), ...real] : real;
}

export async function revisions(c: ReadContext, spaceId: number, contentId: number): Promise<Revision[]> {
  await c.access.content(spaceId, contentId, 'read', true);
  return c.tx.content.revisions(contentId);
}

/** Label / text / status / assignee / file change: one new revision, one content.updated. */
export async function update(c: CommandContext, spaceId: number, contentId: number, patch: ContentPatch): Promise<ContentView> {
  const chatRef = chatRefOf(contentId);
  if (chatRef !== null) return chat.update(c, spaceId, chatRef, patch);
  const { space, row } = await c.access.content(spaceId, contentId, 'post');
  if (!c.actor.server && row.type === 'comment' && row.author_id !== c.actor.userId) throw forbidden('only the author may edit a comment');
  await assignable(c, spaceId, patch.assignee_id);
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as ContentPatch;
  const kanbanSize = row.type === 'kanban' && patch.raw_content !== undefined ? { size: Buffer.byteLength(patch.raw_content) } : {};
  await c.tx.content.update(contentId, { ...defined, ...kanbanSize }, c.now);
  const onlyStatus = patch.status !== undefined && patch.label === undefined && patch.raw_content === undefined;
  await c.tx.content.addRevision(contentId, onlyStatus ? 'status-update' : 'edition', c.actor.userId, c.now);
  const content = await viewOf(c, contentId);
  const author = await authorOf(c);
  const ref = spaceRef(space);
  await c.emit({ type: 'content.updated', data: { content, space: ref, author } });
  await contentMentions(c, ref, content, patch.raw_content ?? row.raw_content, row.raw_content, author);
  return content;
}

/** Deletes (trashes) or restores a content: its author, a manager, or the server API key. */
export async function setDeleted(c: CommandContext, spaceId: number, contentId: number, deleted: boolean): Promise<ContentView> {
  const ref = chatRefOf(contentId);
  if (ref !== null) return chat.setDeleted(c, spaceId, ref, deleted);
  const { space, row, role } = await c.access.content(spaceId, contentId, 'post', true);
  if ((row.deleted !== 0) === deleted) throw conflict(deleted ? 'content is already deleted' : 'content is not deleted');
  if (!c.actor.server && row.author_id !== c.actor.userId && role !== 'owner' && role !== 'manager') throw forbidden('only the author or a manager may delete a content');
  await c.tx.content.update(contentId, { deleted: deleted ? 1 : 0 }, c.now);
  await c.tx.content.addRevision(contentId, deleted ? 'deletion' : 'undeletion', c.actor.userId, c.now);
  const content = await viewOf(c, contentId);
  await c.emit({ type: deleted ? 'content.deleted' : 'content.undeleted', data: { content, space: spaceRef(space), author: await authorOf(c) } });
  return content;
}
