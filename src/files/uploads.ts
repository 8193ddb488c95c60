// Streams one uploaded file part to local disk under a random key, enforcing the size limit; nothing is
// left behind when it fails. Callers remove the file themselves if a later step fails. Malformed
// multipart bodies are the client's fault: `multipartError` names them a 400.
import type { MultipartFile } from '@fastify/multipart';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { HeraldError } from '../core/errors.js';

export interface SavedUpload {
  key: string;
  size: number;
  mimetype: string;
  /** The client's file name, with path separators replaced and at most 255 characters. */
  filename: string;
}

/** Saves `part`; busboy also hands over parts without a file name (any application/octet-stream part), named "file" here. */
export async function saveUpload(part: MultipartFile, dir: string, maxBytes: number): Promise<SavedUpload> {
  await mkdir(dir, { recursive: true });
  const key = randomUUID();
  const path = join(dir, key);
  try {
    await pipeline(part.file, createWriteStream(path));
    if (part.file.truncated) throw new HeraldError('too_large', `file is larger than ${maxBytes} bytes`);
    const { size } = await stat(path);
    return { key, size, mimetype: part.mimetype || 'application/octet-stream', filename: (part.filename ?? '').replace(/[/\\]/g, '_').slice(0, 255) || 'file' };
  } catch (e) {
    await rm(path, { force: true });
    throw multipartError(e) ?? e;
  }
}

// busboy's errors for a body that is not well-formed multipart carry no status code; these are its messages
// ("the needle" is the boundary: empty, or longer than busboy's 256-byte search limit; RFC 2046 allows 70).
const MALFORMED = /Boundary not found|Boundary required|Unexpected end of (multipart data|form)|terminated early due to unexpected end|Malformed part header|The needle cannot/i;

/** A `bad_request` for busboy's malformed-multipart errors (thrown by req.file()/parts() or a file stream); null for anything else. */
export function multipartError(e: unknown): HeraldError | null {
  if (e instanceof HeraldError || !(e instanceof Error) || !MALFORMED.test(e.message)) return null;
  return new HeraldError('bad_request', `malformed multipart/form-data body: ${e.message}`);
}
