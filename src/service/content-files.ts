// Files in the Tracim content tree. The transport stores the bytes; these commands check permission
// before it reads them, record the upload, and say which stored files no content needs any more (a
// replaced revision at once; a deleted content's file once it has been deleted longer than retention).
import type { ContentView } from '../core/content-model.js';
import { forbidden, notFound } from '../core/errors.js';
import { spaceRef } from '../core/projection.js';
import type { CommandContext, ReadContext } from './context.js';
import { insert, update } from './content.js';

export interface StoredUpload {
  mimetype: string;
  size: number;
  storage_key: string;
}

/** Throws unless the actor may upload a new file to the workspace, or a new revision of `contentId`. */
export async function checkUpload(c: ReadContext, spaceId: number, contentId?: number): Promise<void> {
  if (contentId === undefined) await c.access.space(spaceId, 'post', 'workspace');
  else if ((await c.access.content(spaceId, contentId, 'post')).row.type !== 'file') throw notFound('file');
}

export async function upload(c: CommandContext, spaceId: number, f: StoredUpload & { label: string; file_extension: string; parent_id?: number | null }): Promise<ContentView> {
  const { space } = await c.access.space(spaceId, 'post', 'workspace');
  return insert(c, spaceRef(space), { content_type: 'file', label: f.label, parent_id: f.parent_id ?? null, mimetype: f.mimetype, size: f.size, storage_key: f.storage_key, file_extension: f.file_extension });
}

/** A new revision of a file; returns the stored file it replaced when nothing else points at it. */
export async function uploadRevision(c: CommandContext, spaceId: number, contentId: number, f: StoredUpload): Promise<{ content: ContentView; released: string | null }> {
  const { row } = await c.access.content(spaceId, contentId, 'post');
  if (row.type !== 'file') throw notFound('file');
  const content = await update(c, spaceId, contentId, f);
  const old = row.storage_key;
  return { content, released: old !== null && old !== f.storage_key && !(await c.tx.content.storageInUse(old)) ? old : null };
}

/** Drops the stored files of file contents deleted before `before`; returns those no content points at any more. */
export async function purgeDeleted(c: CommandContext, before: number): Promise<string[]> {
  if (!c.actor.server) throw forbidden('only the server purges files');
  const released: string[] = [];
  for (const { id, storage_key } of await c.tx.content.trashedFiles(before)) {
    await c.tx.content.dropStorage(id);
    if (!(await c.tx.content.storageInUse(storage_key))) released.push(storage_key);
  }
  return released;
}
