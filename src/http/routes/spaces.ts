// Spaces (groups, channels, workspaces), members and roles, typing, read-all, action items.
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { actorOf } from '../actor.js';
import { ActionPatch, AddMember, CreateAction, CreateSpace, IdParam, MemberParams, RolePatch, SpacePatch } from '../schemas.js';

export const spaceRoutes = (ctx: Context): FastifyPluginAsync => async (root) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['spaces'];

  app.post('/api/v1/spaces', { schema: { tags, summary: 'Create a multi-user space, or get/create the 1-to-1 space with one user', body: CreateSpace } }, async (req, reply) => {
    const { space, created } = await ctx.chat.createSpace(await actorOf(ctx, req), { ...req.body, kind: req.body.kind ?? 'multi' });
    void reply.status(created ? 201 : 200);
    return { space };
  });
  app.get('/api/v1/spaces', { schema: { tags, summary: 'Spaces you are a member of' } }, async (req) => ({ spaces: await ctx.chat.spaces(await actorOf(ctx, req)) }));
  app.get('/api/v1/spaces/:id', { schema: { tags, summary: 'One space with its members', params: IdParam } }, async (req) => ({ space: await ctx.chat.space(await actorOf(ctx, req), req.params.id) }));
  app.patch('/api/v1/spaces/:id', { schema: { tags, summary: 'Rename, describe or change access (managers)', params: IdParam, body: SpacePatch } }, async (req) => ({
    space: await ctx.chat.updateSpace(await actorOf(ctx, req), req.params.id, req.body),
  }));
  app.delete('/api/v1/spaces/:id', { schema: { tags, summary: 'Delete a space (owner)', params: IdParam } }, async (req, reply) => {
    await ctx.chat.deleteSpace(await actorOf(ctx, req), req.params.id);
    void reply.status(204);
  });

  app.post('/api/v1/spaces/:id/members', { schema: { tags, summary: 'Add a member (managers)', params: IdParam, body: AddMember } }, async (req, reply) => {
    const member = await ctx.chat.addMember(await actorOf(ctx, req), req.params.id, req.body.user_id, req.body.role ?? 'member');
    void reply.status(201);
    return { member };
  });
  app.patch('/api/v1/spaces/:id/members/:userId', { schema: { tags, summary: "Change a member's role", params: MemberParams, body: RolePatch } }, async (req) => ({
    member: await ctx.chat.setRole(await actorOf(ctx, req), req.params.id, req.params.userId, req.body.role),
  }));
  app.delete('/api/v1/spaces/:id/members/:userId', { schema: { tags, summary: 'Leave (your own id) or remove a member (managers)', params: MemberParams } }, async (req, reply) => {
    await ctx.chat.removeMember(await actorOf(ctx, req), req.params.id, req.params.userId);
    void reply.status(204);
  });

  app.post('/api/v1/spaces/:id/typing', { schema: { tags, summary: 'Signal typing (ephemeral, throttled)', params: IdParam } }, async (req) => ({
    delivered: await ctx.ephemeral.typing(await actorOf(ctx, req), req.params.id),
  }));
  app.post('/api/v1/spaces/:id/read', { schema: { tags, summary: 'Mark every message of the space read', params: IdParam } }, async (req) => ({
    unread: await ctx.chat.markAllRead(await actorOf(ctx, req), req.params.id),
  }));

  app.get('/api/v1/spaces/:id/actions', { schema: { tags: ['actions'], summary: 'Action items of a space', params: IdParam } }, async (req) => ({
    actions: await ctx.chat.actions(await actorOf(ctx, req), req.params.id),
  }));
  app.post('/api/v1/spaces/:id/actions', { schema: { tags: ['actions'], summary: 'Create an action item', params: IdParam, body: CreateAction } }, async (req, reply) => {
    const action = await ctx.chat.createAction(await actorOf(ctx, req), req.params.id, req.body);
    void reply.status(201);
    return { action };
  });
  app.patch('/api/v1/actions/:id', { schema: { tags: ['actions'], summary: 'Update an action item', params: IdParam, body: ActionPatch } }, async (req) => ({
    action: await ctx.chat.updateAction(await actorOf(ctx, req), req.params.id, req.body),
  }));
  app.delete('/api/v1/actions/:id', { schema: { tags: ['actions'], summary: 'Delete an action item', params: IdParam } }, async (req, reply) => {
    await ctx.chat.deleteAction(await actorOf(ctx, req), req.params.id);
    void reply.status(204);
  });
};
