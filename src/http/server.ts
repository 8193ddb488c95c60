// The HTTP server: fastify, typebox schemas (which also produce /openapi.json), problem-JSON errors.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { HeraldError } from '../core/errors.js';
import { authenticated } from '../gateway/http-auth.js';
import { LocalFileStorage } from '../files/store.js';
import { mountRoutes } from './rest.js';
import { USER_ROUTES, logoutRoute } from './routes/users.js';
import { SPACE_ROUTES } from './routes/spaces.js';
import { MESSAGE_ROUTES } from './routes/messages.js';
import { fileRoutes } from './routes/files.js';
import { opsRoutes } from './routes/ops.js';
import { adminRoutes } from './routes/admin.js';
import { webRoutes } from './routes/web.js';
import { typeboxValidator } from './validation.js';
import { parseJson } from '../core/json.js';
import { multipartError } from '../files/uploads.js';

export type App = FastifyInstance;

/** Builds the HTTP app; `mount` lets the composition root add realtime endpoints (SSE streams, dialect routes). */
export async function buildHttp(ctx: Context, mount: ((app: FastifyInstance) => void)[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    // Per-request logs are off (info level); errors still reach the log.
    loggerInstance: ctx.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    trustProxy: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(typeboxValidator);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Herald HTTP API', version: '1', description: 'REST API of the Herald realtime event server. Realtime protocols are described in docs/.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(multipart, { limits: { fileSize: ctx.config.maxUploadBytes, files: 1, fields: 10 } });
  // Every JSON body goes through the shared parser: a depth limit (deep nesting overflowed the validator's
  // stack: a 500) and the same prototype-poisoning refusal as fastify's own parser.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJson(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  // Problem JSON (RFC 9457) for every error; bad input is a 4xx and never takes the process down.
  app.setErrorHandler((err: unknown, req, reply) => {
    const message = (e: object) => String((e as { message?: unknown }).message ?? 'bad request');
    let status = 500;
    let code = 'internal';
    let detail = 'internal error';
    const known = err instanceof HeraldError ? err : multipartError(err);
    if (known) {
      status = known.status;
      code = known.code;
      detail = known.message;
    } else if (typeof err === 'object' && err !== null && 'validation' in err) {
      status = 400;
      code = 'bad_request';
      detail = message(err);
    } else if (typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500) {
      status = err.statusCode;
      code = status === 413 ? 'too_large' : 'bad_request';
      detail = message(err);
    } else {
      req.log.error({ err }, 'unhandled error');
    }
    if (status === 503) void reply.header('retry-after', '2');
    void reply.status(status).type('application/problem+json').send({ type: `https://herald.dev/problems/${code}`, title: detail, status, code });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).type('application/problem+json').send({ type: 'https://herald.dev/problems/not_found', title: `no route ${req.method} ${req.url.split('?')[0]}`, status: 404, code: 'not_found' });
  });

  // The REST API: every route runs a command of the table, inside one authentication plugin.
  const files = new LocalFileStorage(join(ctx.config.dataDir, 'files'), ctx.config.maxUploadBytes);
  await mkdir(files.dir, { recursive: true });
  await app.register(
    authenticated({ authenticate: (c) => ctx.auth.authenticate(c) }, (api) => {
      opsRoutes(api, ctx, ctx.commands);
      mountRoutes(api, ctx.commands, [...USER_ROUTES, ...SPACE_ROUTES, ...MESSAGE_ROUTES]);
      logoutRoute(api, ctx.commands);
      fileRoutes(api, ctx.commands, files);
      adminRoutes(api, ctx);
    }),
  );
  for (const m of mount) m(app);
  webRoutes(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
