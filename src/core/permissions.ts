// Who may do what inside a space. Pure: callers pass the actor's role (null = not a member).
import type { Role } from './model.js';
import { forbidden } from './errors.js';

const RANK: Record<Role, number> = { owner: 0, manager: 1, member: 2, reader: 3 };

export const atLeast = (role: Role | null, min: Role): boolean => role !== null && RANK[role] <= RANK[min];

export type SpaceAction =
  | 'read' // see the space, its messages and events
  | 'post' // post messages, react, type, upload, lock files, create action items
  | 'manage' // rename, change members and roles
  | 'delete'; // delete the space

const NEEDS: Record<SpaceAction, Role> = { read: 'reader', post: 'member', manage: 'manager', delete: 'owner' };

export function can(role: Role | null, action: SpaceAction): boolean {
  return atLeast(role, NEEDS[action]);
}

export function ensure(role: Role | null, action: SpaceAction): void {
  if (role === null) throw forbidden('not a member of this space');
  if (!can(role, action)) throw forbidden(`role ${role} may not ${action} in this space`);
}

/** A manager may not grant or remove a role above their own; only an owner touches owners. */
export function mayAssignRole(actor: Role | null, target: Role): boolean {
  return actor !== null && atLeast(actor, 'manager') && RANK[actor] <= RANK[target];
}
