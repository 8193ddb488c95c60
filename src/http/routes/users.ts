// Sign-up, login, profile, alerts and unread counts.
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { actorOf } from '../actor.js';
import { IdParam, Login, ProfilePatch, Register } from '../schemas.js';
import { HeraldError } from '../../core/errors.js';

export const userRoutes = (ctx: Context): FastifyPluginAsync => async (root) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['users'];

  app.post('/api/v1/users', { schema: { tags, summary: 'Register a user (open sign-up, or the server API key)', body: Register, security: [] } }, async (req, reply) => {
    const actor = req.headers.authorization ? await actorOf(ctx, req) : null;
    const user = await ctx.chat.register(actor, req.body);
    void reply.status(201);
    return { meta: { ok: true }, user, token: await ctx.auth.issue(user.id) };
  });

  app.post('/api/v1/user.login', { schema: { tags, summary: 'Log in with email (or username) and password; returns a bearer token', body: Login, security: [] } }, async (req) => {
    const user = await ctx.chat.login(req.body.email, req.body.password);
    return { meta: { ok: true }, token: await ctx.auth.issue(user.id), user };
  });

  app.get('/api/v1/me', { schema: { tags, summary: 'The calling user' } }, async (req) => {
    const actor = await actorOf(ctx, req);
    if (actor.userId === null) throw new HeraldError('bad_request', 'the server API key is not a user; act as one with X-Herald-User');
    return { user: await ctx.chat.user(actor.userId) };
  });

  app.patch('/api/v1/me', { schema: { tags, summary: 'Update your profile (emits user.updated)', body: ProfilePatch } }, async (req) => {
    const actor = await actorOf(ctx, req);
    if (actor.userId === null) throw new HeraldError('bad_request', 'act as a user to change a profile');
    return { user: await ctx.chat.updateProfile(actor, actor.userId, req.body) };
  });

  app.get('/api/v1/users/:id', { schema: { tags, summary: 'A user and whether they are online', params: IdParam } }, async (req) => {
    await actorOf(ctx, req);
    const user = await ctx.chat.user(req.params.id);
    const online = await ctx.ephemeral.online([user.id]);
    return { user: { ...user, online: online.has(user.id) } };
  });

  app.get('/api/v1/alerts', { schema: { tags, summary: 'Your alerts (mentions, quotes, reactions), newest first', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }) } }, async (req) => {
    const actor = await actorOf(ctx, req);
    return { alerts: await ctx.chat.alerts(actor, req.query.limit ?? 50) };
  });

  app.get('/api/v1/unread', { schema: { tags, summary: 'Unread counts per space and in total, with the oldest unread message id' } }, async (req) => ctx.chat.unread(await actorOf(ctx, req)));
};
