// Tags of a workspace (members create them, managers rename and delete them) and tags on contents.
import type { SpaceRef, TagView } from '../core/content-model.js';
import { badRequest, conflict, notFound } from '../core/errors.js';
import { spaceRef } from '../core/projection.js';
import type { CommandContext, ReadContext } from './context.js';
import { authorOf, viewOf } from './content.js';

export async function list(c: ReadContext, spaceId: number): Promise<TagView[]> {
  await c.access.space(spaceId, 'read', 'workspace');
  return c.tx.tags.list(spaceId);
}

async function newTag(c: CommandContext, space: SpaceRef, name: string): Promise<TagView> {
  if (await c.tx.tags.byName(space.id, name)) throw conflict('a tag with this name already exists in this workspace');
  const tag = await c.tx.tags.insert(space.id, name, c.actor.userId, c.now);
  await c.emit({ type: 'tag.created', data: { tag, space, author: await authorOf(c) } });
  return tag;
}

export async function create(c: CommandContext, spaceId: number, name: string): Promise<TagView> {
  const { space } = await c.access.space(spaceId, 'post', 'workspace');
  return newTag(c, spaceRef(space), name);
}

async function tagOf(c: ReadContext, spaceId: number, tagId: number): Promise<TagView> {
  const tag = await c.tx.tags.get(tagId);
  if (!tag || tag.space_id !== spaceId) throw notFound('tag');
  return tag;
}

export async function rename(c: CommandContext, spaceId: number, tagId: number, name: string): Promise<TagView> {
  const { space } = await c.access.space(spaceId, 'manage', 'workspace');
  await tagOf(c, spaceId, tagId);
  const clash = await c.tx.tags.byName(spaceId, name);
  if (clash && clash.id !== tagId) throw conflict('a tag with this name already exists in this workspace');
  await c.tx.tags.rename(tagId, name);
  const tag = (await c.tx.tags.get(tagId))!;
  await c.emit({ type: 'tag.updated', data: { tag, space: spaceRef(space), author: await authorOf(c) } });
  return tag;
}

export async function remove(c: CommandContext, spaceId: number, tagId: number): Promise<void> {
  const { space } = await c.access.space(spaceId, 'manage', 'workspace');
  const tag = await tagOf(c, spaceId, tagId);
  await c.tx.tags.delete(tagId);
  await c.emit({ type: 'tag.deleted', data: { tag, space: spaceRef(space), author: await authorOf(c) } });
}

/** Tags a content with an existing tag (by id) or by name (creating the tag, one tag.created first). */
export async function tagContent(c: CommandContext, spaceId: number, contentId: number, by: { tag_id?: number; tag_name?: string }): Promise<TagView> {
  const { space } = await c.access.content(spaceId, contentId, 'post');
  const ref = spaceRef(space);
  let tag: TagView;
  if (by.tag_id !== undefined) tag = await tagOf(c, spaceId, by.tag_id);
  else if (by.tag_name !== undefined) tag = (await c.tx.tags.byName(spaceId, by.tag_name)) ?? (await newTag(c, ref, by.tag_name));
  else throw badRequest('give tag_id or tag_name');
  if (!(await c.tx.tags.tagContent(contentId, tag.id))) throw conflict('content already has this tag');
  await c.emit({ type: 'content_tag.added', data: { tag, content: await viewOf(c, contentId), space: ref, author: await authorOf(c) } });
  return tag;
}

export async function untagContent(c: CommandContext, spaceId: number, contentId: number, tagId: number): Promise<void> {
  const { space } = await c.access.content(spaceId, contentId, 'post');
  const tag = await c.tx.tags.get(tagId);
  if (!tag || tag.space_id !== spaceId || !(await c.tx.tags.untagContent(contentId, tagId))) throw notFound('content tag');
  await c.emit({ type: 'content_tag.removed', data: { tag, content: await viewOf(c, contentId), space: spaceRef(space), author: await authorOf(c) } });
}

export async function ofContent(c: ReadContext, spaceId: number, contentId: number): Promise<TagView[]> {
  await c.access.content(spaceId, contentId, 'read');
  return c.tx.tags.ofContent(contentId);
}
