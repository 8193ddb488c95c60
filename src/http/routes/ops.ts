// Health, metrics and the server API key's custom events.
import type { FastifyInstance } from 'fastify';
import type { Commands } from '../../commands/command.js';
import type { Context } from '../../context.js';
import { mountRoutes, type RouteDef } from '../rest.js';

export const EVENT_ROUTES: RouteDef[] = [{ method: 'POST', url: '/api/v1/events', command: 'custom.publish', tags: ['events'], status: 202 }];

export function opsRoutes(app: FastifyInstance, ctx: Context, commands: Commands): void {
  app.get('/healthz', { config: { auth: 'none' }, schema: { tags: ['ops'], summary: 'Liveness and store check', security: [] } }, async () => {
    // 503 while writes would be refused, not only while the database cannot be read.
    ctx.store.assertWritable();
    await ctx.store.read((r) => r.logHead());
    return { status: 'ok', connections: ctx.gateway.connectionCount() };
  });
  app.get('/metrics', { config: { auth: 'none' }, schema: { tags: ['ops'], summary: 'Prometheus metrics', security: [] } }, async (_req, reply) => {
    void reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  mountRoutes(app, commands, EVENT_ROUTES);
}
