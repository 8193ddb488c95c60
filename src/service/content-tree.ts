// Moving and copying contents within a workspace or to another one the actor may post in.
import type { ContentStatus, ContentType, ContentView } from '../core/content-model.js';
import { badRequest } from '../core/errors.js';
import { spaceRef } from '../core/projection.js';
import type { CommandContext } from './context.js';
import { authorOf, viewOf } from './content.js';
import { assertContentId } from '../core/conversation.js';

async function targetFolder(c: CommandContext, spaceId: number, parentId: number | null): Promise<void> {
  if (parentId === null) return;
  const parent = await c.tx.content.row(parentId);
  if (!parent || parent.space_id !== spaceId || parent.deleted || parent.type !== 'folder') throw badRequest('new_parent_id is not a folder of the target workspace');
}

async function moveDescendants(c: CommandContext, parentId: number, spaceId: number): Promise<void> {
  for (const id of await c.tx.content.childIds(parentId)) {
    await c.tx.content.update(id, { space_id: spaceId }, c.now);
    await moveDescendants(c, id, spaceId);
  }
}

/** Moves a content (with what is under it) under another folder or the root, possibly of another workspace. */
export async function move(c: CommandContext, spaceId: number, contentId: number, to: { new_parent_id: number | null; new_workspace_id?: number }): Promise<ContentView> {
  const { row } = await c.access.content(spaceId, contentId, 'post');
  const targetSpaceId = to.new_workspace_id ?? spaceId;
  const { space: target } = await c.access.space(targetSpaceId, 'post', 'workspace');
  if (row.type === 'comment' || row.type === 'todo') throw badRequest('comments and todos move with their parent');
  await targetFolder(c, targetSpaceId, to.new_parent_id);
  if (to.new_parent_id !== null && (await c.tx.content.isAncestor(contentId, to.new_parent_id))) throw badRequest('a folder cannot move into itself');
  await c.tx.content.update(contentId, { parent_id: to.new_parent_id, space_id: targetSpaceId }, c.now);
  if (targetSpaceId !== spaceId) await moveDescendants(c, contentId, targetSpaceId);
  await c.tx.content.addRevision(contentId, 'move', c.actor.userId, c.now);
  const content = await viewOf(c, contentId);
  await c.emit({ type: 'content.moved', data: { content, space: spaceRef(target), author: await authorOf(c), from_space_id: spaceId, from_parent_id: row.parent_id } });
  return content;
}

/** Copies one content (not its children, comments or todos) as a new content: one content.copied. */
export async function copy(c: CommandContext, spaceId: number, contentId: number, to: { new_label?: string; new_parent_id?: number | null; new_workspace_id?: number }): Promise<ContentView> {
  const { row } = await c.access.content(spaceId, contentId, 'read');
  const targetSpaceId = to.new_workspace_id ?? spaceId;
  const { space: target } = await c.access.space(targetSpaceId, 'post', 'workspace');
  if (row.type === 'comment' || row.type === 'todo') throw badRequest('comments and todos cannot be copied alone');
  const parentId = to.new_parent_id !== undefined ? to.new_parent_id : targetSpaceId === spaceId ? row.parent_id : null;
  await targetFolder(c, targetSpaceId, parentId);
  const id = await c.tx.content.insert(
    {
      space_id: targetSpaceId,
      parent_id: parentId,
      type: row.type as ContentType,
      label: to.new_label ?? row.label,
      raw_content: row.raw_content,
      status: row.status as ContentStatus,
      file_extension: row.file_extension,
      mimetype: row.mimetype,
      size: row.size,
      // A copy shares the stored file; the file is removed when no content points at it any more.
      storage_key: row.storage_key,
      assignee_id: null,
      author_id: c.actor.userId,
    },
    c.now,
  );
  assertContentId(id);
  await c.tx.content.addRevision(id, 'copy', c.actor.userId, c.now);
  const content = await viewOf(c, id);
  await c.emit({ type: 'content.copied', data: { content, space: spaceRef(target), author: await authorOf(c), source_id: contentId } });
  return content;
}
