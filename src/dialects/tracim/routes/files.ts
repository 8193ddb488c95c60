// Tracim file contents: upload (multipart "files", optional "parent_id" field first) and new revisions.
// Permission is checked before any byte is read; a refused or failed upload leaves nothing on disk; a
// replaced revision's file is removed at once, a deleted content's file once retention has passed.
import type { FastifyRequest } from 'fastify';
import { extname } from 'node:path';
import { call } from '../../../commands/index.js';
import { SERVER } from '../../../core/actor.js';
import { badRequest } from '../../../core/errors.js';
import type { SavedUpload } from '../../../files/store.js';
import * as S from '../schemas.js';
import { contentFields } from '../fields.js';
import { type App, runner, tags } from './common.js';
import type { TracimRouteDeps } from './deps.js';

const PURGE_EVERY_MS = 10 * 60_000;

/** Removes the stored files of file contents deleted longer than retention ago; returns how many went. */
export async function purgeDeletedFiles(deps: TracimRouteDeps, now = Date.now()): Promise<number> {
  const { released } = await call(deps.commands, 'content.purge_files', SERVER, { before: now - deps.fileRetentionMs }, { internal: true });
  for (const key of released) await deps.files.remove(key);
  return released.length;
}

export function fileRoutes(app: App, deps: TracimRouteDeps): void {
  const run = runner(deps);

  /** Stores the request's file part; the text fields around it are returned too. */
  const receive = async (req: FastifyRequest): Promise<SavedUpload & { fields: Record<string, string> }> => {
    if (!req.isMultipart()) throw badRequest('send the file as multipart/form-data');
    const fields: Record<string, string> = {};
    for await (const part of req.parts()) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      const saved = await deps.files.save(part);
      // Drain the rest of the request so the connection is reusable.
      try {
        for await (const rest of req.parts()) if (rest.type === 'field') fields[rest.fieldname] = String(rest.value);
      } catch (e) {
        await deps.files.remove(saved.key);
        throw e;
      }
      return { ...saved, fields };
    }
    throw badRequest('no file in the request');
  };

  /** Runs `record` with the stored upload; removes the stored file when that fails. */
  const keep = async <T>(key: string, record: () => Promise<T>): Promise<T> => {
    try {
      return await record();
    } catch (e) {
      await deps.files.remove(key);
      throw e;
    }
  };

  app.post('/api/workspaces/:workspace_id/files', { schema: { tags, summary: 'Upload a file (multipart "files"); emits content.created.file with mimetype and size', params: S.WsParam, consumes: ['multipart/form-data'] } }, async (req) => {
    const space_id = req.params.workspace_id;
    await run(req, 'content.check_upload', { space_id });
    const f = await receive(req);
    return keep(f.key, async () => {
      const parent = f.fields.parent_id ? Number(f.fields.parent_id) : null;
      if (parent !== null && (!Number.isSafeInteger(parent) || parent < 0)) throw badRequest('parent_id must be an integer');
      const ext = extname(f.filename);
      const label = (ext ? f.filename.slice(0, -ext.length) : f.filename) || f.filename;
      const { content } = await run(req, 'content.upload', { space_id, label, file_extension: ext, parent_id: parent || null, mimetype: f.mimetype, size: f.size, storage_key: f.key }, { internal: true });
      return contentFields(content);
    });
  });

  app.put('/api/workspaces/:workspace_id/files/:content_id/raw', { schema: { tags, summary: 'Upload a new revision of a file; emits content.modified.file', params: S.ContentParam, consumes: ['multipart/form-data'] } }, async (req) => {
    const where = { space_id: req.params.workspace_id, content_id: req.params.content_id };
    await run(req, 'content.check_upload', where);
    const f = await receive(req);
    const { content, released } = await keep(f.key, () => run(req, 'content.upload_revision', { ...where, mimetype: f.mimetype, size: f.size, storage_key: f.key }, { internal: true }));
    if (released !== null) await deps.files.remove(released);
    return contentFields(content);
  });

  const timer = setInterval(() => {
    purgeDeletedFiles(deps).catch((err: unknown) => app.log.error({ err }, 'purging deleted files failed'));
  }, PURGE_EVERY_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}
