// The native dialect: Herald's own protocol over WebSocket (/api/v1/ws) and SSE (/api/v1/events).
// See docs/protocol.md.
import { Type } from '@sinclair/typebox';
import { HeraldError } from '../../core/errors.js';
import { bearerToken, type TokenInfo } from '../../gateway/auth.js';
import { parsePosition } from '../../gateway/position.js';
import { dialectPlugin, type DialectHost } from '../plugin.js';
import { NativeSession, type NativeOptions } from './protocol.js';

const Config = Type.Object({
  readBurst: Type.Integer({ minimum: 1, maximum: 10_000, default: 30, env: 'HERALD_NATIVE_READ_BURST', description: '`read`/`read_all` commands a connection may send at once' }),
  readIntervalMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 200, env: 'HERALD_NATIVE_READ_INTERVAL_MS', description: 'then one more per this many ms' }),
});

/** A user token, never the server API key: a stream belongs to a user (and is closed when its token is logged out). */
async function userOf(host: DialectHost, token: string | undefined): Promise<{ userId: number; token: TokenInfo | null }> {
  const p = await host.authenticate({ token: token ?? '' });
  if (p.actor.userId === null) throw new HeraldError('unauthenticated', 'connect with a user token');
  return { userId: p.actor.userId, token: p.token };
}

export const nativePlugin = dialectPlugin({
  name: 'native',
  config: Config,
  start(host, config) {
    const options: NativeOptions = config;
    const run = (session: NativeSession, resume: number | null, epoch: string | null) => void session.start(resume, epoch);
    return {
      websockets: [
        {
          path: '/api/v1/ws',
          // A dead peer is cut without a close frame (it would not read one).
          accept: async (req) => {
            const resume = parsePosition(req.query.get('resume'));
            const epoch = req.query.get('epoch');
            const who = await userOf(host, bearerToken(req.headers.authorization, req.query.get('access_token') ?? undefined));
            return (conn) => run(new NativeSession(host, conn, who.userId, options, who.token), resume, epoch);
          },
        },
      ],
      streams: [
        {
          path: '/api/v1/events',
          retryMs: 2000,
          schema: {
            summary: 'Native event stream (Server-Sent Events)',
            description: 'One `data:` record per event envelope {id, type, at, data}; `id:` is the feed position. Resume with Last-Event-ID or ?last_event_id=.',
            tags: ['realtime'],
            querystring: Type.Object({ access_token: Type.Optional(Type.String()), last_event_id: Type.Optional(Type.String()), epoch: Type.Optional(Type.String()) }),
          },
          accept: async (req, resume) => {
            const q = req.query as { access_token?: string; epoch?: string };
            const who = await userOf(host, bearerToken(req.headers.authorization, q.access_token));
            const position = resume();
            return (conn) => run(new NativeSession(host, conn, who.userId, options, who.token), position, q.epoch ?? null);
          },
        },
      ],
    };
  },
});

