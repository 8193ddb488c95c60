// Tracim workspaces (the chat side's spaces) and their members.
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as S from '../schemas.js';
import { type App, memberOut, ROLE_IN, runner, tags, workspaceOut } from './common.js';
import type { TracimRouteDeps } from './deps.js';

export function workspaceRoutes(app: App, deps: TracimRouteDeps): void {
  const run = runner(deps);

  app.post('/api/workspaces', { schema: { tags, summary: 'Create a workspace; emits workspace.created', body: S.CreateWorkspace } }, async (req) =>
    workspaceOut((await run(req, 'spaces.create', { name: req.body.label, description: req.body.description, access: req.body.access_type, kind: 'multi' })).space),
  );
  app.get('/api/workspaces/:workspace_id', { schema: { tags, summary: 'A workspace', params: S.WsParam } }, async (req) =>
    workspaceOut((await run(req, 'spaces.get', { space_id: req.params.workspace_id })).space),
  );
  app.put('/api/workspaces/:workspace_id', { schema: { tags, summary: 'Rename, describe or change the access type; emits workspace.modified', params: S.WsParam, body: S.WorkspacePatch } }, async (req) =>
    workspaceOut((await run(req, 'spaces.update', { space_id: req.params.workspace_id, name: req.body.label, description: req.body.description, access: req.body.access_type })).space),
  );
  app.put('/api/workspaces/:workspace_id/trashed', { schema: { tags, summary: 'Delete a workspace (owner); emits workspace.deleted', params: S.WsParam } }, async (req, reply) => {
    await run(req, 'spaces.delete', { space_id: req.params.workspace_id });
    return reply.status(204).send();
  });
  app.put('/api/workspaces/:workspace_id/trashed/restore', { schema: { tags, summary: 'Restore a deleted workspace; emits workspace.undeleted', params: S.WsParam } }, async (req) =>
    workspaceOut((await run(req, 'spaces.undelete', { space_id: req.params.workspace_id })).space),
  );

  app.get('/api/workspaces/:workspace_id/members', { schema: { tags, summary: 'Members and their roles', params: S.WsParam } }, async (req) => {
    const { space } = await run(req, 'spaces.get', { space_id: req.params.workspace_id });
    return space.members.map((m) => memberOut(m, space.id));
  });
  app.post('/api/workspaces/:workspace_id/members', { schema: { tags, summary: 'Add a member; emits workspace_member.created', params: S.WsParam, body: S.AddMember } }, async (req) => {
    const { member } = await run(req, 'members.add', { space_id: req.params.workspace_id, user_id: req.body.user_id, role: ROLE_IN[req.body.role ?? 'member'] });
    return memberOut(member, req.params.workspace_id);
  });
  app.put('/api/workspaces/:workspace_id/members/:user_id', { schema: { tags, summary: "Change a member's role; emits workspace_member.modified", params: S.WsUserParam, body: S.RolePatch } }, async (req) => {
    const { member } = await run(req, 'members.set_role', { space_id: req.params.workspace_id, user_id: req.params.user_id, role: ROLE_IN[req.body.role] });
    return memberOut(member, req.params.workspace_id);
  });
  const removeMember = async (req: FastifyRequest<{ Params: { workspace_id: number; user_id: number } }>, reply: FastifyReply) => {
    await run(req, 'members.remove', { space_id: req.params.workspace_id, user_id: req.params.user_id });
    return reply.status(204).send();
  };
  app.delete('/api/workspaces/:workspace_id/members/:user_id', { schema: { tags, summary: 'Remove a member (or leave); emits workspace_member.deleted', params: S.WsUserParam } }, removeMember);
  app.put('/api/workspaces/:workspace_id/members/:user_id/disabled', { schema: { tags, summary: 'Same as DELETE (Tracim path)', params: S.WsUserParam } }, removeMember);
}
