// Uploads streamed to local disk with a size limit, downloads, and file locks.
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { actorOf } from '../actor.js';
import { IdParam } from '../schemas.js';
import { badRequest } from '../../core/errors.js';
import { saveUpload } from '../uploads.js';

export const fileRoutes = (ctx: Context): FastifyPluginAsync => async (root) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['files'];
  const dir = join(ctx.config.dataDir, 'files');
  await mkdir(dir, { recursive: true });

  app.post(
    '/api/v1/spaces/:id/files',
    { schema: { tags, summary: `Upload one file (multipart field "file"); attach it to messages with attachment_ids`, params: IdParam, consumes: ['multipart/form-data'] } },
    async (req, reply) => {
      const actor = await actorOf(ctx, req);
      await ctx.chat.checkCanUpload(actor, req.params.id);
      if (!req.isMultipart()) throw badRequest('send the file as multipart/form-data in a field named "file"');
      const part = await req.file();
      if (!part) throw badRequest('no file in the request');
      const saved = await saveUpload(part, dir, ctx.config.maxUploadBytes);
      try {
        const file = await ctx.chat.addFile(actor, req.params.id, { name: saved.filename, mimetype: saved.mimetype, size: saved.size, storage_key: saved.key });
        void reply.status(201);
        return { file };
      } catch (e) {
        await rm(join(dir, saved.key), { force: true });
        throw e;
      }
    },
  );

  app.get('/api/v1/files/:id', { schema: { tags, summary: 'Download a file (members of its space)', params: IdParam } }, async (req, reply) => {
    const file = await ctx.chat.file(await actorOf(ctx, req), req.params.id);
    void reply.header('content-type', file.mimetype).header('content-length', file.size).header('content-disposition', `attachment; filename="${encodeURIComponent(file.name)}"`);
    return reply.send(createReadStream(join(dir, file.storage_key)));
  });

  app.post('/api/v1/files/:id/lock', { schema: { tags, summary: 'Lock a file (409 when someone else holds it)', params: IdParam } }, async (req) => ({
    lock: await ctx.chat.lockFile(await actorOf(ctx, req), req.params.id),
  }));
  app.delete('/api/v1/files/:id/lock', { schema: { tags, summary: 'Release a file lock', params: IdParam } }, async (req, reply) => {
    await ctx.chat.releaseFile(await actorOf(ctx, req), req.params.id);
    void reply.status(204);
  });
};
