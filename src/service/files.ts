// Chat files: uploads (the bytes are stored by the transport before this runs), downloads, attachments
// and file locks.
import type { FileView, LockView } from '../core/model.js';
import type { StoredFile } from '../store/files.js';
import { conflict, forbidden, notFound } from '../core/errors.js';
import { can } from '../core/permissions.js';
import type { CommandContext, ReadContext } from './context.js';
import { userOf } from './commit.js';
import { botMessage } from './messages.js';

/** Throws unless the actor may upload to (post in) the space: checked before any byte is read. */
export async function checkUpload(c: ReadContext, spaceId: number): Promise<void> {
  await c.access.space(spaceId, 'post');
}

/** Records a stored upload as a file of the space; a bot message tells the members. */
export async function add(c: CommandContext, spaceId: number, f: { name: string; mimetype: string; size: number; storage_key: string }): Promise<FileView> {
  const { space } = await c.access.space(spaceId, 'post');
  const file = await c.tx.files.insert({ ...f, space_id: spaceId, uploaded_by: c.actor.userId }, c.now);
  await c.emit({ type: 'file.created', data: { file, space, actor_id: c.actor.userId, author: await c.tx.users.ref(c.actor.userId) } });
  const text = c.actor.userId === null ? `The file ${file.name} was added to this channel` : `@${c.actor.userId} has added the file ${file.name} to this channel`;
  await botMessage(c, spaceId, 1, text);
  return file;
}

/** A file the actor may read, with where its bytes are stored. */
export async function download(c: ReadContext, fileId: number): Promise<StoredFile> {
  return (await c.access.file(fileId, 'read')).file;
}

/** Removes one attachment from a message (author or manager). */
export async function deleteAttachment(c: CommandContext, messageId: number, fileId: number): Promise<void> {
  const { row, role, space } = await c.access.message(messageId, 'read');
  if (row.author_id !== c.actor.userId && !can(role, 'manage')) throw forbidden('only the author or a manager may delete an attachment');
  const file = await c.tx.files.get(fileId);
  if (!file || !(await c.tx.files.detach(messageId, fileId))) throw notFound('attachment');
  const { storage_key: _k, deleted: _d, ...view } = file;
  // A restricted message's attachment change goes to its audience only (core/audience.ts).
  const audience = row.restricted ? (await c.tx.messages.view(messageId))?.audience : undefined;
  await c.emit({ type: 'attachment.deleted', data: { space_id: row.space_id, space, message_ids: [messageId], message_uuids: [row.uuid], files: [view], actor_id: c.actor.userId, ...(audience ? { audience } : {}) } });
}

/** Locks a file for the actor (again: a no-op); 409 while someone else holds it. */
export async function lock(c: CommandContext, fileId: number): Promise<LockView> {
  const userId = userOf(c.actor);
  const { file } = await c.access.file(fileId, 'post');
  const existing = await c.tx.files.lock(fileId);
  if (existing) {
    if (existing.user_id === userId) return existing;
    throw conflict(`file is locked by user ${existing.user_id}`);
  }
  const held = await c.tx.files.insertLock(file, userId, c.now);
  await c.emit({ type: 'lock.acquired', data: { lock: held } });
  return held;
}

export async function release(c: CommandContext, fileId: number): Promise<void> {
  const { role } = await c.access.file(fileId, 'post');
  const held = await c.tx.files.lock(fileId);
  if (!held) throw notFound('lock');
  if (held.user_id !== c.actor.userId && !can(role, 'manage')) throw forbidden('only the holder or a manager may release a lock');
  await c.tx.files.deleteLock(held.id);
  await c.emit({ type: 'lock.released', data: { lock: held, actor_id: c.actor.userId } });
}
