// The document's "upload api (http part)": one file into one of the user's channels, stored in Herald's
// upload storage like every other upload (file.created, downloadable at /api/v1/files/:id); the `path`
// it returns is what a file/image/audio message_up carries.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { call } from '../../commands/index.js';
import { asUser } from '../../core/actor.js';
import { HeraldError, badRequest } from '../../core/errors.js';
import type { FileStorage } from '../../files/store.js';
import { bearerToken } from '../../gateway/auth.js';
import type { DialectHost } from '../plugin.js';
import { Directory } from './directory.js';
import { runsChannel } from './services.js';

export const UPLOAD_PATH = '/moobius/upload';

/** A channel service's key → its user and channel list (services upload the files they send down). */
export type ServiceKeys = (key: string) => { user_id: number; channels?: (string | number)[] } | null;

export function uploadRoute(app: FastifyInstance, host: DialectHost, files: FileStorage, services: ServiceKeys): void {
  app.post(
    UPLOAD_PATH,
    {
      schema: {
        tags: ['moobius'],
        summary: 'Moobius upload: one file (multipart field "file") into a channel; returns the path a message_up carries',
        description: 'Bearer user token or channel service key (or ?access_token=). Returns 201 {path, filename, size, mimetype}; see docs/dialects/moobius.md.',
        querystring: Type.Object({ channel_id: Type.String({ minLength: 1, maxLength: 128 }), access_token: Type.Optional(Type.String()) }),
        consumes: ['multipart/form-data'],
      },
    },
    async (req, reply) => {
      const q = req.query as { channel_id: string; access_token?: string };
      const token = bearerToken(req.headers.authorization, q.access_token) ?? '';
      const service = token === '' ? null : services(token);
      if (service !== null && ((await host.users.find(service.user_id))?.deleted ?? true)) throw new HeraldError('unauthenticated', `the service's user ${service.user_id} does not exist`);
      const userId = service !== null ? service.user_id : (await host.authenticate({ token })).actor.userId;
      if (userId === null) throw new HeraldError('unauthenticated', 'upload with a user token or a service key');
      const user = asUser(userId);
      const directory = new Directory(host.commands, user, userId);
      await directory.load();
      const channel = await directory.channel(q.channel_id);
      if (channel === null) throw new HeraldError('not_found', `you are not a member of channel ${q.channel_id.slice(0, 64)} (or it does not exist)`);
      if (service !== null && !runsChannel(service, channel)) throw new HeraldError('forbidden', `this service does not run channel ${channel.uuid}`);
      // Permission is checked before any byte is read.
      await call(host.commands, 'files.check_upload', user, { space_id: channel.id });
      if (!req.isMultipart()) throw badRequest('send the file as multipart/form-data in a field named "file"');
      const part = await req.file();
      if (!part) throw badRequest('no file in the request');
      const saved = await files.save(part);
      try {
        const { file } = await call(host.commands, 'files.add', user, { space_id: channel.id, name: saved.filename, mimetype: saved.mimetype, size: saved.size, storage_key: saved.key }, { internal: true });
        return reply.status(201).send({ path: file.path, filename: file.name, size: file.size, mimetype: file.mimetype });
      } catch (e) {
        await files.remove(saved.key);
        throw e;
      }
    },
  );
}
