// Where uploaded bytes live: one directory on local disk, files named by random keys. Commands store
// only the key; the transport saves, serves and removes the bytes through this.
import type { MultipartFile } from '@fastify/multipart';
import { createReadStream, type ReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { saveUpload, type SavedUpload } from './uploads.js';

export type { SavedUpload } from './uploads.js';

export interface FileStorage {
  /** Streams one uploaded part to storage (size-limited; nothing is left behind when it fails). */
  save(part: MultipartFile): Promise<SavedUpload>;
  open(key: string): ReadStream;
  /** Removes stored bytes; a missing file is not an error. */
  remove(key: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9-]{1,128}$/;

export class LocalFileStorage implements FileStorage {
  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  private path(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid storage key ${JSON.stringify(key.slice(0, 40))}`);
    return join(this.dir, key);
  }

  save(part: MultipartFile): Promise<SavedUpload> {
    return saveUpload(part, this.dir, this.maxBytes);
  }

  open(key: string): ReadStream {
    return createReadStream(this.path(key));
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
