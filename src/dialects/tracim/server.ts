// Tracim dialect endpoints: the TLM stream (SSE at /api/users/{user_id}/live_messages) here, and the
// Tracim-style HTTP API whose calls cause each TLM (routes/, by resource). See docs/dialects/tracim.md.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import type { DialectModule } from '../dialect.js';
import { call } from '../../commands/index.js';
import { LocalFileStorage } from '../../files/store.js';
import { actorOf, authenticated } from '../../gateway/http-auth.js';
import { lastEventId, serveSse } from '../../transports/sse.js';
import { tracimDialect } from './render.js';
import { SESSION_COOKIE, tracimRoutes, type TracimRouteDeps } from './routes/index.js';
import * as S from './schemas.js';

export { SESSION_COOKIE };
const RETRY_MS = 2000;

/** What the Tracim routes get from the host (UNFINISHED: the dialect plugin's host will supply these). */
export function tracimDeps(ctx: Context): TracimRouteDeps {
  return {
    commands: ctx.commands,
    authenticate: (c) => ctx.auth.authenticate(c),
    files: new LocalFileStorage(join(ctx.config.dataDir, 'tracim-files'), ctx.config.maxUploadBytes),
    feed: (userId, after, limit) => ctx.store.read((r) => r.feed(userId, after, limit)),
    sessionSeconds: ctx.config.tokenTtlSeconds,
    fileRetentionMs: ctx.config.retentionHours * 3600_000,
  };
}

export function tracimHttp(app0: FastifyInstance, ctx: Context): void {
  const deps = tracimDeps(ctx);
  void app0.register(
    authenticated({ authenticate: deps.authenticate, sessionCookie: SESSION_COOKIE }, (root) => {
      const app = root.withTypeProvider<TypeBoxTypeProvider>();
      app.get(
        '/api/users/:user_id/live_messages',
        {
          schema: {
            tags: ['tracim'],
            summary: 'Tracim Live Messages (Server-Sent Events)',
            description: 'One `data:` record per TLM; `id:` is its event_id. Resume with Last-Event-ID (header) or ?last_event_id=. Auth: session cookie or bearer token.',
            params: S.UserParam,
            querystring: S.StreamQuery,
          },
        },
        async (req, reply) => {
          const userId = req.params.user_id;
          // Only the user themself or an administrator reads a user's live messages.
          await call(ctx.commands, 'tlm.check_access', actorOf(req), { user_id: userId });
          await serveSse(ctx, req, reply, {
            userId,
            dialect: tracimDialect,
            resume: lastEventId(req, req.query.last_event_id),
            epoch: null,
            retryMs: RETRY_MS,
            // Tracim has no "reset" message: Herald sends a named event (ignored by onmessage) and continues from the head.
            announce: (session, plan) => plan.reset && session.notice('herald.reset', { reason: plan.reset, event_id: plan.position }),
          });
        },
      );
    }),
  );
  tracimRoutes(app0, deps);
}

export const tracimModule: DialectModule = {
  name: 'tracim',
  http: (app, ctx) => tracimHttp(app, ctx),
};
