// Uploads streamed to storage with a size limit (permission checked before any byte is read; refused
// and failed uploads leave nothing behind), downloads, and file locks.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Commands } from '../../commands/command.js';
import { call } from '../../commands/index.js';
import { Id } from '../../commands/schemas.js';
import { badRequest } from '../../core/errors.js';
import type { FileStorage } from '../../files/store.js';
import { actorOf } from '../../gateway/http-auth.js';
import { mountRoutes, type RouteDef } from '../rest.js';
import { Problem } from '../schemas.js';

const tags = ['files'];
const IdParam = Type.Object({ id: Id });

export const LOCK_ROUTES: RouteDef[] = [
  { method: 'POST', url: '/api/v1/files/:id/lock', command: 'locks.acquire', tags, params: { id: 'file_id' } },
  { method: 'DELETE', url: '/api/v1/files/:id/lock', command: 'locks.release', tags, params: { id: 'file_id' }, status: 204 },
];

export function fileRoutes(app: FastifyInstance, commands: Commands, files: FileStorage): void {
  mountRoutes(app, commands, LOCK_ROUTES);

  app.post(
    '/api/v1/spaces/:id/files',
    {
      schema: {
        tags,
        summary: 'Upload one file (multipart field "file"); attach it to messages with attachment_ids; emits file.created',
        params: IdParam,
        consumes: ['multipart/form-data'],
        response: { 201: commands.get('files.add')!.output, '4xx': Problem },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const spaceId = (req.params as { id: number }).id;
      await call(commands, 'files.check_upload', actor, { space_id: spaceId });
      if (!req.isMultipart()) throw badRequest('send the file as multipart/form-data in a field named "file"');
      const part = await req.file();
      if (!part) throw badRequest('no file in the request');
      const saved = await files.save(part);
      try {
        const out = await call(commands, 'files.add', actor, { space_id: spaceId, name: saved.filename, mimetype: saved.mimetype, size: saved.size, storage_key: saved.key }, { internal: true });
        return reply.status(201).send(out);
      } catch (e) {
        await files.remove(saved.key);
        throw e;
      }
    },
  );

  app.get('/api/v1/files/:id', { schema: { tags, summary: 'Download a file (members of its space)', params: IdParam } }, async (req, reply) => {
    const { file, storage_key } = await call(commands, 'files.download', actorOf(req), { file_id: (req.params as { id: number }).id }, { internal: true });
    void reply.header('content-type', file.mimetype).header('content-length', file.size).header('content-disposition', `attachment; filename="${encodeURIComponent(file.name)}"`);
    return reply.send(files.open(storage_key));
  });
}
