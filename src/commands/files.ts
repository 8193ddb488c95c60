// Commands of the files aggregate: uploads (bytes stored by the transport), downloads, attachments and
// locks. `files.add` and `files.download` carry storage keys: internal, run by the HTTP routes only.
import { Type } from '@sinclair/typebox';
import * as files from '../service/files.js';
import { command } from './command.js';
import { read, write } from './services.js';
import { Done, Id, MimeType, StorageKey } from './schemas.js';
import { FileSchema, LockSchema } from './views.js';

const FileId = { file_id: Id };

export const FILE_COMMANDS = [
  command({
    name: 'files.check_upload',
    summary: 'Whether you may upload to the space (checked before any byte is read)',
    input: Type.Object({ space_id: Id }),
    output: Type.Object({}),
    run: read(async (c, d) => (await files.checkUpload(c, d.space_id), {})),
  }),
  command({
    name: 'files.add',
    summary: 'Record a stored upload as a file of the space; emits file.created and a bot message',
    internal: true,
    input: Type.Object({ space_id: Id, name: Type.String({ minLength: 1, maxLength: 255 }), mimetype: MimeType, size: Type.Integer({ minimum: 0 }), storage_key: StorageKey }),
    output: Type.Object({ file: FileSchema }),
    run: write(async (c, { space_id, ...f }) => ({ file: await files.add(c, space_id, f) })),
  }),
  command({
    name: 'files.download',
    summary: 'A file you may read, with where its bytes are stored',
    internal: true,
    input: Type.Object(FileId),
    output: Type.Object({ file: FileSchema, storage_key: StorageKey }),
    run: read(async (c, d) => {
      const { storage_key, deleted: _d, ...file } = await files.download(c, d.file_id);
      return { file, storage_key };
    }),
  }),
  command({
    name: 'attachments.delete',
    summary: 'Remove one attachment from a message (author or managers); emits attachment.deleted',
    input: Type.Object({ message_id: Id, file_id: Id }),
    output: Done,
    run: write(async (c, d) => (await files.deleteAttachment(c, d.message_id, d.file_id), {})),
  }),
  command({
    name: 'locks.acquire',
    summary: 'Lock a file (409 when someone else holds it); emits lock.acquired',
    input: Type.Object(FileId),
    output: Type.Object({ lock: LockSchema }),
    run: write(async (c, d) => ({ lock: await files.lock(c, d.file_id) })),
  }),
  command({
    name: 'locks.release',
    summary: 'Release a file lock (holder or managers); emits lock.released',
    input: Type.Object(FileId),
    output: Done,
    run: write(async (c, d) => (await files.release(c, d.file_id), {})),
  }),
];
