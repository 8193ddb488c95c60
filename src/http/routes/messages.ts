// Messages, edits, deletes, reactions, read receipts and attachments.
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { actorOf } from '../actor.js';
import { AttachmentParams, EditMessage, IdParam, ListMessages, PostMessage, Reaction, ReactionParams } from '../schemas.js';

export const messageRoutes = (ctx: Context): FastifyPluginAsync => async (root) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['messages'];

  app.get('/api/v1/spaces/:id/messages', { schema: { tags, summary: 'Messages of a space, newest first', params: IdParam, querystring: ListMessages } }, async (req) => ({
    messages: await ctx.chat.messages(await actorOf(ctx, req), req.params.id, req.query.before ?? null, req.query.limit ?? 50),
  }));
  app.post('/api/v1/spaces/:id/messages', { schema: { tags, summary: 'Post a message (mentions: @<user id>, @username, @all)', params: IdParam, body: PostMessage } }, async (req, reply) => {
    const message = await ctx.chat.postMessage(await actorOf(ctx, req), req.params.id, req.body);
    void reply.status(201);
    return { message };
  });
  app.get('/api/v1/messages/:id', { schema: { tags, summary: 'One message', params: IdParam } }, async (req) => ({ message: await ctx.chat.message(await actorOf(ctx, req), req.params.id) }));
  app.patch('/api/v1/messages/:id', { schema: { tags, summary: 'Edit your message', params: IdParam, body: EditMessage } }, async (req) => ({
    message: await ctx.chat.editMessage(await actorOf(ctx, req), req.params.id, req.body.content),
  }));
  app.delete('/api/v1/messages/:id', { schema: { tags, summary: 'Delete a message (author or managers)', params: IdParam } }, async (req, reply) => {
    await ctx.chat.deleteMessage(await actorOf(ctx, req), req.params.id);
    void reply.status(204);
  });
  app.post('/api/v1/messages/:id/reactions', { schema: { tags, summary: 'React to a message', params: IdParam, body: Reaction } }, async (req) => ({
    message: await ctx.chat.react(await actorOf(ctx, req), req.params.id, req.body.emoji, true),
  }));
  app.delete('/api/v1/messages/:id/reactions/:emoji', { schema: { tags, summary: 'Remove your reaction', params: ReactionParams } }, async (req) => ({
    message: await ctx.chat.react(await actorOf(ctx, req), req.params.id, req.params.emoji, false),
  }));
  app.post('/api/v1/messages/:id/read', { schema: { tags, summary: 'Mark one message read', params: IdParam } }, async (req) => ({
    unread: await ctx.chat.markRead(await actorOf(ctx, req), req.params.id),
  }));
  app.delete('/api/v1/messages/:id/attachments/:fileId', { schema: { tags, summary: 'Remove one attachment from a message', params: AttachmentParams } }, async (req, reply) => {
    await ctx.chat.deleteAttachment(await actorOf(ctx, req), req.params.id, req.params.fileId);
    void reply.status(204);
  });
};
