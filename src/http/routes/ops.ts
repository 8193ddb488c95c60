// Health, metrics and the server API key's custom events.
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { actorOf } from '../actor.js';
import { CustomEvent } from '../schemas.js';

export const opsRoutes = (ctx: Context): FastifyPluginAsync => async (root) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'Liveness and store check', security: [] } }, async () => {
    await ctx.store.read((r) => r.logHead());
    return { status: 'ok', connections: ctx.gateway.connectionCount() };
  });
  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics', security: [] } }, async (_req, reply) => {
    void reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  app.post('/api/v1/events', { schema: { tags: ['events'], summary: 'Publish a custom event (server API key only)', body: CustomEvent } }, async (req, reply) => {
    const actor = await actorOf(ctx, req);
    const ev = await ctx.chat.publishCustom(actor, req.body.name, req.body.space_id ?? null, req.body.payload);
    void reply.status(202);
    return { id: ev.id, type: ev.type, recipients: ctx.gateway.membership.audienceSize(ev) };
  });
};
