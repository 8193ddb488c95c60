// Chat files (uploaded to a space, attached to messages) and the locks on them.
import type { Selectable } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { DB } from './schema.js';
import type { FileView, LockView } from '../core/model.js';
import { bool, n, type Db } from './db.js';
import { visibleTo } from './visibility.js';

type FileRow = Selectable<DB['files']>;

export function toFile(r: FileRow): FileView {
  return {
    id: n(r.id),
    uuid: r.uuid,
    space_id: r.space_id,
    name: r.name,
    mimetype: r.mimetype,
    size: n(r.size),
    path: `/spaces/${r.space_id}/files/${r.id}/${r.name}`,
    uploaded_by: r.uploaded_by,
    created_at: n(r.created_at),
  };
}

export type StoredFile = FileView & { storage_key: string; deleted: boolean };

export class FileRepo {
  constructor(private readonly db: Db) {}

  async insert(f: { space_id: number; name: string; mimetype: string; size: number; storage_key: string; uploaded_by: number | null }, now: number): Promise<FileView> {
    const r = await this.db
      .insertInto('files')
      .values({ ...f, uuid: randomUUID(), created_at: now, deleted: 0 })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toFile(r);
  }

  /** The newest live files of a space, oldest first. */
  async ofSpace(spaceId: number, limit: number): Promise<FileView[]> {
    const rows = await this.db.selectFrom('files').selectAll().where('space_id', '=', spaceId).where('deleted', '=', 0).orderBy('id', 'desc').limit(limit).execute();
    return rows.reverse().map(toFile);
  }

  /** Live chat files of a space and their bytes. */
  async totals(spaceId: number): Promise<{ files: number; bytes: number }> {
    const r = await this.db
      .selectFrom('files')
      .select([(eb) => eb.fn.count<number>('id').as('count'), (eb) => eb.fn.sum<number>('size').as('bytes')])
      .where('space_id', '=', spaceId)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return { files: n(r?.count ?? 0), bytes: n(r?.bytes ?? 0) };
  }

  async get(id: number): Promise<StoredFile | null> {
    const r = await this.db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? { ...toFile(r), storage_key: r.storage_key, deleted: bool(r.deleted) } : null;
  }

  /**
   * Whether a file is an attachment of restricted messages only, none of whose audiences holds `userId`:
   * its bytes are then as private as those messages. A file on no message, or on any unrestricted one, is
   * the space's.
   */
  async onlyOnMessagesHiddenFrom(fileId: number, userId: number): Promise<boolean> {
    const rows = await this.db
      .selectFrom('message_files as mf')
      .innerJoin('messages as m', 'm.id', 'mf.message_id')
      .select(visibleTo('m', userId).as('visible'))
      .where('mf.file_id', '=', fileId)
      .execute();
    // SQLite answers 0/1, PostgreSQL a boolean.
    return rows.length > 0 && rows.every((r) => !r.visible);
  }

  async attach(messageId: number, fileIds: readonly number[]): Promise<void> {
    if (fileIds.length === 0) return;
    await this.db
      .insertInto('message_files')
      .values(fileIds.map((file_id, position) => ({ message_id: messageId, file_id, position })))
      .execute();
  }

  /** Detaches a file from every message that carries it and marks it deleted; returns those message ids. */
  async delete(fileId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('message_files').select('message_id').where('file_id', '=', fileId).execute();
    await this.db.deleteFrom('message_files').where('file_id', '=', fileId).execute();
    await this.db.updateTable('files').set({ deleted: 1 }).where('id', '=', fileId).execute();
    return rows.map((r) => r.message_id);
  }

  async detach(messageId: number, fileId: number): Promise<boolean> {
    const r = await this.db.deleteFrom('message_files').where('message_id', '=', messageId).where('file_id', '=', fileId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- locks --------------------------------------------------------------------------------------
  async lock(fileId: number): Promise<LockView | null> {
    const r = await this.db
      .selectFrom('locks')
      .innerJoin('files', 'files.id', 'locks.file_id')
      .selectAll('locks')
      .select('files.name')
      .where('locks.file_id', '=', fileId)
      .executeTakeFirst();
    if (!r) return null;
    return { id: r.id, file_id: r.file_id, space_id: r.space_id, user_id: r.user_id, acquired_at: n(r.acquired_at), path: `/spaces/${r.space_id}/files/${r.file_id}/${r.name}` };
  }

  async insertLock(file: FileView, userId: number, now: number): Promise<LockView> {
    const r = await this.db
      .insertInto('locks')
      .values({ file_id: file.id, space_id: file.space_id, user_id: userId, acquired_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: n(r.id), file_id: file.id, space_id: file.space_id, user_id: userId, acquired_at: now, path: file.path };
  }

  async deleteLock(lockId: number): Promise<void> {
    await this.db.deleteFrom('locks').where('id', '=', lockId).execute();
  }
}
