// Members of a space: add, change a role, leave or remove. A manager never grants or removes a role
// above their own, and a space keeps at least one owner.
import type { MemberView, Role } from '../core/model.js';
import { conflict, forbidden, notFound } from '../core/errors.js';
import { ensure, mayAssignRole } from '../core/permissions.js';
import type { CommandContext } from './context.js';
import { botMessage } from './messages.js';
import { spaceStats } from './conversation.js';

/** Adds the user to the space and emits `member.added` (no permission check: callers have made it). */
export async function join(c: CommandContext, spaceId: number, userId: number, role: Role): Promise<MemberView> {
  await c.tx.spaces.addMember(spaceId, userId, role, c.now);
  const space = (await c.tx.spaces.view(spaceId))!;
  const member = space.members.find((m) => m.user.id === userId)!;
  await c.emit({ type: 'member.added', data: { space, member, actor_id: c.actor.userId, stats: await spaceStats(c, spaceId) } });
  return member;
}

export async function add(c: CommandContext, spaceId: number, userId: number, role: Role = 'member'): Promise<MemberView> {
  const { space, role: actorRole } = await c.access.space(spaceId, 'read');
  if (space.kind === 'direct') throw conflict('a 1-to-1 space cannot get more members');
  ensure(actorRole, 'manage');
  if (!mayAssignRole(actorRole, role)) throw forbidden(`role ${actorRole} may not grant ${role}`);
  const user = await c.tx.users.get(userId);
  if (!user || user.deleted) throw notFound('user');
  if (await c.tx.spaces.role(spaceId, userId)) throw conflict('already a member');
  const member = await join(c, spaceId, userId, role);
  const text = c.actor.userId === null ? `@${userId} was added to this channel` : `@${c.actor.userId} has added @${userId} to this channel`;
  await botMessage(c, spaceId, 2, text);
  return member;
}

/**
 * The actor joins a space on their own: only an `open` multi-user space (Talk-and-Travel's country chats).
 * A confidential or 1-to-1 space the actor is not in stays hidden (not found); an on-request one needs a
 * subscription request.
 */
export async function joinOpen(c: CommandContext, spaceId: number): Promise<MemberView> {
  const userId = c.actor.userId;
  if (userId === null) throw forbidden('only a user can join a space');
  const space = await c.tx.spaces.ref(spaceId);
  if (!space || space.deleted) throw notFound('space');
  if (await c.tx.spaces.role(spaceId, userId)) throw conflict('already a member');
  if (space.access === 'confidential') throw notFound('space');
  if (space.access !== 'open') throw forbidden('this space takes join requests (subscriptions.request)');
  return join(c, spaceId, userId, 'member');
}

/** The actor leaves a space: "not a member" (conflict) for a space they could see, else not found. */
export async function leave(c: CommandContext, spaceId: number): Promise<void> {
  const userId = c.actor.userId;
  if (userId === null) throw forbidden('only a user can leave a space');
  const space = await c.tx.spaces.ref(spaceId);
  const role = space ? await c.tx.spaces.role(spaceId, userId) : null;
  if (!space || space.deleted || (!role && space.access === 'confidential')) throw notFound('space');
  if (!role) throw conflict('not a member');
  await remove(c, spaceId, userId);
}

export async function setRole(c: CommandContext, spaceId: number, userId: number, role: Role): Promise<MemberView> {
  const { role: actorRole } = await c.access.space(spaceId, 'manage');
  const members = await c.tx.spaces.members(spaceId);
  const current = members.find((m) => m.user.id === userId);
  if (!current) throw notFound('member');
  if (!mayAssignRole(actorRole, role) || !mayAssignRole(actorRole, current.role)) throw forbidden(`role ${actorRole} may not change a ${current.role} to ${role}`);
  if (current.role === 'owner' && role !== 'owner' && members.filter((m) => m.role === 'owner').length === 1) throw conflict('a space keeps at least one owner');
  await c.tx.spaces.setRole(spaceId, userId, role);
  const space = (await c.tx.spaces.view(spaceId))!;
  const member = space.members.find((m) => m.user.id === userId)!;
  await c.emit({ type: 'member.updated', data: { space, member, actor_id: c.actor.userId, stats: await spaceStats(c, space.id) } });
  return member;
}

/** Leave (the actor removes themself) or kick (a manager removes someone). */
export async function remove(c: CommandContext, spaceId: number, userId: number): Promise<void> {
  const leaving = c.actor.userId === userId;
  const { role: actorRole } = await c.access.space(spaceId, leaving ? 'read' : 'manage');
  const members = await c.tx.spaces.members(spaceId);
  const member = members.find((m) => m.user.id === userId);
  if (!member) throw notFound('member');
  if (!leaving && !mayAssignRole(actorRole, member.role)) throw forbidden(`role ${actorRole} may not remove a ${member.role}`);
  if (member.role === 'owner' && members.filter((m) => m.role === 'owner').length === 1 && members.length > 1) {
    throw conflict('the last owner cannot leave; make someone else owner first');
  }
  await c.tx.spaces.removeMember(spaceId, userId);
  await c.emit({ type: 'member.removed', data: { space: (await c.tx.spaces.view(spaceId))!, member, actor_id: c.actor.userId, stats: await spaceStats(c, spaceId) } });
}
