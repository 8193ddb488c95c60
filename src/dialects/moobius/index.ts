// The Moobius dialect: user connections at /moobius/ws (a Herald token at the upgrade), channel services at
// /moobius/service (a service key from HERALD_MOOBIUS_SERVICES), and the upload API. See
// docs/dialects/moobius.md.
import { Type } from '@sinclair/typebox';
import { join } from 'node:path';
import { HeraldError } from '../../core/errors.js';
import { bearerToken } from '../../gateway/auth.js';
import type { Delivered } from '../../events/types.js';
import { dialectPlugin } from '../plugin.js';
import type { Renderer } from '../render.js';
import { MOOBIUS_CLOSE } from './connection.js';
import type { Channel } from './directory.js';
import { renderMoobiusDownJson, renderMoobiusServiceJson } from './render.js';
import { MoobiusServiceSession } from './service-session.js';
import { parseServices, ServiceHub, SERVICES_VARIABLE } from './services.js';
import { uploadRoute } from './upload.js';
import { MoobiusUserSession } from './user-session.js';

export const MOOBIUS_USER_PATH = '/moobius/ws';
export const MOOBIUS_SERVICE_PATH = '/moobius/service';

const Config = Type.Object({
  timeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 90, env: 'HERALD_MOOBIUS_TIMEOUT_SECONDS', description: 'a connection that sends no frame (heartbeat) for this long is closed with 4000' }),
  rogerBurst: Type.Integer({ minimum: 1, maximum: 10_000, default: 30, env: 'HERALD_MOOBIUS_ROGER_BURST', description: '`roger` frames a connection may send at once' }),
  rogerIntervalMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 200, env: 'HERALD_MOOBIUS_ROGER_INTERVAL_MS', description: 'then one more per this many ms' }),
  maxPending: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, env: 'HERALD_MOOBIUS_MAX_PENDING', description: 'frames a connection may have waiting for their copy; one more closes it (4008)' }),
  services: Type.String({ default: '[]', env: SERVICES_VARIABLE, description: 'channel services, JSON [{key, user_id, channels?}]' }),
});

// One renderer object each, so a message is rendered once for every user connection and once for every service.
const userRenderer: Renderer = { name: 'moobius', privateFields: false, render: (ev: Delivered) => renderMoobiusDownJson(ev) };
const serviceRenderer: Renderer = { name: 'moobius-service', privateFields: false, render: (ev: Delivered) => renderMoobiusServiceJson(ev) };

export const moobiusPlugin = dialectPlugin({
  name: 'moobius',
  config: Config,
  async start(host, config) {
    const hub = new ServiceHub(parseServices(config.services), join(host.server.dataDir, 'moobius-services.json'), host.log, MOOBIUS_CLOSE.replaced);
    await hub.load();
    const options = { timeoutSeconds: config.timeoutSeconds, maxPending: config.maxPending };
    const cluster = { isMember: (s: number, u: number) => host.membership.isMember(s, u), online: (ids: readonly number[]) => host.presence.online(ids) };
    const userDeps = { host, renderer: userRenderer, serviceCovers: (c: Channel) => hub.covers(c, cluster), serviceUsers: (c: Channel) => hub.usersFor(c), options: { ...options, rogerBurst: config.rogerBurst, rogerIntervalMs: config.rogerIntervalMs } };
    const serviceDeps = { host, renderer: serviceRenderer, hub, options };
    return {
      http: (app) => uploadRoute(app, host, host.files('files'), (key) => hub.find(key)),
      websockets: [
        {
          path: MOOBIUS_USER_PATH,
          // A user token at the upgrade (never the server API key): the connection is that user's.
          accept: async (req) => {
            const { actor, token } = await host.authenticate({ token: bearerToken(req.headers.authorization, req.query.get('access_token') ?? undefined) ?? '' });
            if (actor.userId === null) throw new HeraldError('unauthenticated', 'connect with a user token');
            const userId = actor.userId;
            return (conn) => void new MoobiusUserSession(userDeps, conn, userId, token).run();
          },
        },
        {
          path: MOOBIUS_SERVICE_PATH,
          accept: async (req) => {
            const key = bearerToken(req.headers.authorization, req.query.get('key') ?? undefined);
            const entry = key === undefined ? null : hub.find(key);
            if (entry === null) throw new HeraldError('unauthenticated', 'unknown service key');
            const user = await host.users.find(entry.user_id);
            if (user === null || user.deleted) throw new HeraldError('unauthenticated', `the service's user ${entry.user_id} does not exist`);
            return (conn) => void new MoobiusServiceSession(serviceDeps, conn, entry).run();
          },
        },
      ],
      stop: () => hub.stop(),
    };
  },
});
