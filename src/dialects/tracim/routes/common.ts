// Shared by the Tracim route modules: the typed app, running a command as the request's actor, and the
// Tracim shapes of users, workspaces and members returned by the HTTP API.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { CommandName, InputOf, OutputOf } from '../../../commands/index.js';
import type { RunOptions } from '../../../commands/command.js';
import { actorOf } from '../../../gateway/http-auth.js';
import type { MemberView, Role, SpaceView, User } from '../../../core/model.js';
import type { PublicProfile } from '../../../core/projection.js';
import { iso, memberFields, userFields, workspaceFields } from '../fields.js';
import type { TracimRouteDeps } from './deps.js';

export const typed = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>();
export type App = ReturnType<typeof typed>;
export const tags = ['tracim'];

/** Runs a command of the table as the request's (authenticated) actor. */
export function runner(deps: TracimRouteDeps) {
  return <N extends CommandName>(req: FastifyRequest, name: N, input: InputOf<N>, opts?: RunOptions): Promise<OutputOf<N>> =>
    deps.commands.run(name, actorOf(req), input, opts) as Promise<OutputOf<N>>;
}

/** Tracim role names (and Herald's own) → Herald roles. */
export const ROLE_IN: Record<string, Role> = {
  'workspace-manager': 'manager',
  'content-manager': 'member',
  contributor: 'member',
  reader: 'reader',
  owner: 'owner',
  manager: 'manager',
  member: 'member',
};

/** A user in Tracim's shape: with email and profile only when the caller may see them (see core/projection.ts). */
export function userOut(u: User | PublicProfile) {
  // userFields reads only public fields (id, names, avatar, deleted).
  const base = { ...userFields(u as User), created: iso(u.created_at) };
  return 'email' in u ? { ...base, email: u.email, profile: u.is_admin ? 'administrators' : 'users' } : base;
}

export const workspaceOut = (s: SpaceView) => ({ ...workspaceFields(s), created: iso(s.created_at), owner_id: s.owner_id, number_of_members: s.members.length });

export const memberOut = (m: MemberView, workspaceId: number) => ({ ...memberFields(m), user_id: m.user.id, workspace_id: workspaceId, user: userFields(m.user) });
