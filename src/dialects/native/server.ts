// The native protocol's endpoints: WebSocket at /api/v1/ws and SSE at /api/v1/events.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { DialectModule } from '../dialect.js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context } from '../../context.js';
import { HeraldError } from '../../core/errors.js';
import { Prepared } from '../../gateway/prepared.js';
import type { Session } from '../../gateway/session.js';
import type { AttachResult } from '../../gateway/gateway.js';
import { WsSession, newWsServer, rejectUpgrade, startHeartbeat, type UpgradeHandler } from '../../transports/websocket.js';
import { lastEventId, parsePosition, serveSse } from '../../transports/sse.js';
import { nativeDialect, envelope } from './render.js';
import { parseEnvelope, runCommand } from './commands.js';
import { asUser } from '../../core/actor.js';
import { bearerToken } from '../../gateway/auth.js';

const control = (type: string, data: unknown) => new Prepared(null, envelope(null, type, Date.now(), data));

/** First frame of every native connection; `session.reset` follows when a resume cannot be honoured. */
function announce(ctx: Context, session: Session, plan: AttachResult): void {
  session.control(control('session.welcome', { user_id: session.userId, epoch: plan.epoch, position: plan.position, heartbeat_seconds: ctx.config.heartbeatSeconds }));
  if (plan.reset) session.control(control('session.reset', { reason: plan.reset, position: plan.position, message: 'cannot resume from that position: reload state, then continue from this position' }));
}

export function nativeWebSocket(ctx: Context): { handler: UpgradeHandler; close: () => void } {
  const wss = newWsServer(ctx.config.maxFrameBytes);
  const sessions = new WeakMap<object, WsSession>();
  const stopHeartbeat = startHeartbeat(wss, ctx.config.heartbeatSeconds, (ws) => {
    const s = sessions.get(ws);
    if (s) s.close('heartbeat_timeout', 'no pong received');
    else ws.terminate();
  });

  const handler: UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    let resume: number | null;
    try {
      resume = parsePosition(url.searchParams.get('resume'));
    } catch (e) {
      return rejectUpgrade(socket, 400, 'Bad Request', JSON.stringify({ title: (e as Error).message, status: 400 }));
    }
    const epoch = url.searchParams.get('epoch');
    ctx.auth
      .authenticate({ token: bearerToken(req.headers.authorization, url.searchParams.get('access_token') ?? undefined) ?? '' })
      .then(({ actor }) => {
        const userId = actor.userId!;
        wss.handleUpgrade(req, socket, head, (ws) => {
          const session = new WsSession(userId, nativeDialect, ws, socket, ctx.config.maxConnectionBufferBytes);
          sessions.set(ws, session);
          wss.emit('connection', ws, req);
          ws.on('close', () => {
            session.closed = true;
            ctx.gateway.detach(session);
          });
          ws.on('error', (err) => ctx.log.debug({ err }, 'native ws error'));
          ws.on('message', (data, isBinary) => {
            ctx.metrics.framesReceived.inc({ dialect: 'native' });
            void onFrame(session, isBinary ? null : data.toString());
          });
          start(session, resume, epoch).catch((err: unknown) => {
            ctx.log.error({ err }, 'native ws start failed');
            session.close('protocol_error', 'could not start the session');
          });
        });
      })
      .catch((e: unknown) => {
        const status = e instanceof HeraldError ? e.status : 500;
        rejectUpgrade(socket, status, status === 401 ? 'Unauthorized' : 'Error', JSON.stringify({ title: (e as Error).message, status }));
      });
  };

  async function start(session: WsSession, resume: number | null, epoch: string | null): Promise<void> {
    announce(ctx, session, await ctx.gateway.attach(session, resume, epoch));
    await ctx.gateway.replay(session);
  }

  async function onFrame(session: WsSession, text: string | null): Promise<void> {
    let requestId: string | number | null = null;
    try {
      if (text === null) throw new HeraldError('bad_request', 'binary frames are not accepted; send JSON text');
      const env = parseEnvelope(text);
      requestId = env.request_id ?? null;
      const result = await runCommand(ctx.commands, asUser(session.userId), env);
      session.control(control('command.ack', { request_id: requestId, result }));
    } catch (e) {
      const err = e instanceof HeraldError ? e : null;
      if (!err) ctx.log.error({ err: e }, 'native command failed');
      session.control(control('command.error', { request_id: requestId, code: err?.code ?? 'internal', message: err?.message ?? 'internal error' }));
    }
  }

  return {
    handler,
    close: () => {
      stopHeartbeat();
      wss.close();
    },
  };
}

export function nativeSse(app: FastifyInstance, ctx: Context): void {
  app.get(
    '/api/v1/events',
    {
      schema: {
        summary: 'Native event stream (Server-Sent Events)',
        description: 'One `data:` record per event envelope {id, type, at, data}; `id:` is the feed position. Resume with Last-Event-ID or ?last_event_id=.',
        tags: ['realtime'],
        querystring: Type.Object({ access_token: Type.Optional(Type.String()), last_event_id: Type.Optional(Type.String()), epoch: Type.Optional(Type.String()) }),
      },
    },
    async (req, reply) => {
      const q = req.query as { access_token?: string; last_event_id?: string; epoch?: string };
      const { actor } = await ctx.auth.authenticate({ token: bearerToken(req.headers.authorization, q.access_token) ?? '' });
      if (actor.userId === null) throw new HeraldError('unauthenticated', 'connect with a user token');
      const resume = lastEventId(req, q.last_event_id);
      await serveSse(ctx, req, reply, { userId: actor.userId, dialect: nativeDialect, resume, epoch: q.epoch ?? null, retryMs: 2000, announce: (s, plan) => announce(ctx, s, plan) });
    },
  );
}

export const nativeModule: DialectModule = {
  name: 'native',
  http: (app, ctx) => nativeSse(app, ctx),
  upgrades: (ctx) => {
    const ws = nativeWebSocket(ctx);
    return { routes: [['/api/v1/ws', ws.handler]], close: ws.close };
  },
};
