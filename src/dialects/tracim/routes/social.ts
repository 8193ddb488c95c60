// Tracim content reactions, tags, workspace subscriptions and user calls.
import * as S from '../schemas.js';
import { callFields, reactionFields, subscriptionFields, tagFields } from '../fields.js';
import { type App, ROLE_IN, runner, tags } from './common.js';
import type { TracimRouteDeps } from './deps.js';

export function socialRoutes(app: App, deps: TracimRouteDeps): void {
  const run = runner(deps);
  const at = (p: { workspace_id: number; content_id: number }) => ({ space_id: p.workspace_id, content_id: p.content_id });

  // ---- reactions ------------------------------------------------------------------------------------
  app.get('/api/workspaces/:workspace_id/contents/:content_id/reactions', { schema: { tags, summary: 'Reactions on a content', params: S.ContentParam } }, async (req) =>
    (await run(req, 'content.get', at(req.params))).reactions.map(reactionFields),
  );
  app.post('/api/workspaces/:workspace_id/contents/:content_id/reactions', { schema: { tags, summary: 'React (emoji in value); emits reaction.created', params: S.ContentParam, body: S.CreateReaction } }, async (req) =>
    reactionFields((await run(req, 'content_reactions.add', { ...at(req.params), emoji: req.body.value })).reaction),
  );
  app.delete('/api/workspaces/:workspace_id/contents/:content_id/reactions/:child_id', { schema: { tags, summary: 'Remove your reaction; emits reaction.deleted', params: S.ContentChildParam } }, async (req, reply) => {
    await run(req, 'content_reactions.remove', { ...at(req.params), reaction_id: req.params.child_id });
    return reply.status(204).send();
  });

  // ---- tags -----------------------------------------------------------------------------------------
  app.get('/api/workspaces/:workspace_id/tags', { schema: { tags, summary: 'Tags of a workspace', params: S.WsParam } }, async (req) =>
    (await run(req, 'tags.list', { space_id: req.params.workspace_id })).tags.map(tagFields),
  );
  app.post('/api/workspaces/:workspace_id/tags', { schema: { tags, summary: 'Create a tag; emits tag.created', params: S.WsParam, body: S.CreateTag } }, async (req) =>
    tagFields((await run(req, 'tags.create', { space_id: req.params.workspace_id, name: req.body.tag_name })).tag),
  );
  app.put('/api/workspaces/:workspace_id/tags/:tag_id', { schema: { tags, summary: 'Rename a tag (managers); emits tag.modified', params: S.TagParam, body: S.CreateTag } }, async (req) =>
    tagFields((await run(req, 'tags.rename', { space_id: req.params.workspace_id, tag_id: req.params.tag_id, name: req.body.tag_name })).tag),
  );
  app.delete('/api/workspaces/:workspace_id/tags/:tag_id', { schema: { tags, summary: 'Delete a tag (managers); emits tag.deleted', params: S.TagParam } }, async (req, reply) => {
    await run(req, 'tags.delete', { space_id: req.params.workspace_id, tag_id: req.params.tag_id });
    return reply.status(204).send();
  });
  app.get('/api/workspaces/:workspace_id/contents/:content_id/tags', { schema: { tags, summary: 'Tags of a content', params: S.ContentParam } }, async (req) =>
    (await run(req, 'content_tags.list', at(req.params))).tags.map(tagFields),
  );
  app.post('/api/workspaces/:workspace_id/contents/:content_id/tags', { schema: { tags, summary: 'Tag a content (tag_id, or tag_name creating the tag); emits content_tag.created', params: S.ContentParam, body: S.AddContentTag } }, async (req) =>
    tagFields((await run(req, 'content_tags.add', { ...at(req.params), ...req.body })).tag),
  );
  app.delete('/api/workspaces/:workspace_id/contents/:content_id/tags/:child_id', { schema: { tags, summary: 'Untag a content; emits content_tag.deleted', params: S.ContentChildParam } }, async (req, reply) => {
    await run(req, 'content_tags.remove', { ...at(req.params), tag_id: req.params.child_id });
    return reply.status(204).send();
  });

  // ---- workspace subscriptions ----------------------------------------------------------------------
  app.put('/api/users/:user_id/workspace_subscriptions', { schema: { tags, summary: 'Ask to join an on-request workspace; emits workspace_subscription.created', params: S.UserParam, body: S.Subscribe } }, async (req) =>
    subscriptionFields((await run(req, 'subscriptions.request', { user_id: req.params.user_id, space_id: req.body.workspace_id })).subscription),
  );
  app.get('/api/users/:user_id/workspace_subscriptions', { schema: { tags, summary: "A user's subscriptions", params: S.UserParam } }, async (req) =>
    (await run(req, 'subscriptions.list', { user_id: req.params.user_id })).subscriptions.map(subscriptionFields),
  );
  app.delete('/api/users/:user_id/workspace_subscriptions/:workspace_id', { schema: { tags, summary: 'Withdraw a pending subscription; emits workspace_subscription.deleted', params: S.WsUserParam } }, async (req, reply) => {
    await run(req, 'subscriptions.withdraw', { user_id: req.params.user_id, space_id: req.params.workspace_id });
    return reply.status(204).send();
  });
  app.get('/api/workspaces/:workspace_id/subscriptions', { schema: { tags, summary: 'Subscriptions to a workspace (managers)', params: S.WsParam } }, async (req) =>
    (await run(req, 'subscriptions.list', { space_id: req.params.workspace_id })).subscriptions.map(subscriptionFields),
  );
  app.put('/api/workspaces/:workspace_id/subscriptions/:user_id/accept', { schema: { tags, summary: 'Accept (the user joins); emits workspace_subscription.modified and workspace_member.created', params: S.WsUserParam, body: S.Accept } }, async (req) =>
    subscriptionFields((await run(req, 'subscriptions.accept', { space_id: req.params.workspace_id, user_id: req.params.user_id, role: ROLE_IN[req.body?.role ?? 'member'] })).subscription),
  );
  app.put('/api/workspaces/:workspace_id/subscriptions/:user_id/reject', { schema: { tags, summary: 'Reject; emits workspace_subscription.modified', params: S.WsUserParam } }, async (req) =>
    subscriptionFields((await run(req, 'subscriptions.reject', { space_id: req.params.workspace_id, user_id: req.params.user_id })).subscription),
  );

  // ---- calls ----------------------------------------------------------------------------------------
  app.post('/api/users/:user_id/outgoing_calls', { schema: { tags, summary: 'Call a user; emits user_call.created', params: S.UserParam, body: S.CreateCall } }, async (req) =>
    callFields((await run(req, 'calls.create', { user_id: req.params.user_id, callee_id: req.body.callee_id })).call),
  );
  app.get('/api/users/:user_id/outgoing_calls', { schema: { tags, summary: 'Calls made', params: S.UserParam } }, async (req) =>
    (await run(req, 'calls.list', { user_id: req.params.user_id, side: 'caller' })).calls.map(callFields),
  );
  app.get('/api/users/:user_id/incoming_calls', { schema: { tags, summary: 'Calls received', params: S.UserParam } }, async (req) =>
    (await run(req, 'calls.list', { user_id: req.params.user_id, side: 'callee' })).calls.map(callFields),
  );
  app.put('/api/users/:user_id/outgoing_calls/:call_id/state', { schema: { tags, summary: 'Caller changes the state (cancelled, unanswered); emits user_call.modified', params: S.UserCallParam, body: S.CallStatePatch } }, async (req) =>
    callFields((await run(req, 'calls.set_state', { user_id: req.params.user_id, call_id: req.params.call_id, side: 'caller', state: req.body.state })).call),
  );
  app.put('/api/users/:user_id/incoming_calls/:call_id/state', { schema: { tags, summary: 'Callee changes the state (accepted, rejected, declined); emits user_call.modified', params: S.UserCallParam, body: S.CallStatePatch } }, async (req) =>
    callFields((await run(req, 'calls.set_state', { user_id: req.params.user_id, call_id: req.params.call_id, side: 'callee', state: req.body.state })).call),
  );
  app.delete('/api/users/:user_id/outgoing_calls/:call_id', { schema: { tags, summary: 'Caller deletes a call; emits user_call.deleted', params: S.UserCallParam } }, async (req, reply) => {
    await run(req, 'calls.delete', { user_id: req.params.user_id, call_id: req.params.call_id });
    return reply.status(204).send();
  });
}
