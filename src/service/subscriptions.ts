// Workspace subscriptions: a user asks to join an on-request workspace; its managers accept (the user
// joins) or reject; the user may withdraw a pending request.
import type { Role } from '../core/model.js';
import type { SubscriptionView } from '../core/content-model.js';
import { conflict, forbidden, notFound } from '../core/errors.js';
import { mayAssignRole } from '../core/permissions.js';
import type { CommandContext, ReadContext } from './context.js';
import { authorOf } from './content.js';
import { join } from './members.js';

const selfOrServer = (c: ReadContext, userId: number, refusal: string) => {
  if (c.actor.userId !== userId && !c.actor.server) throw forbidden(refusal);
};

/** A pending request (a rejected one may be renewed). */
export async function request(c: CommandContext, userId: number, spaceId: number): Promise<SubscriptionView> {
  selfOrServer(c, userId, 'you may only subscribe yourself');
  const space = await c.tx.spaces.ref(spaceId);
  if (!space || space.deleted || space.access !== 'on_request') throw notFound('on-request workspace');
  if (await c.tx.spaces.role(spaceId, userId)) throw conflict('already a member');
  const existing = await c.tx.subscriptions.row(spaceId, userId);
  if (existing?.state === 'pending') throw conflict('a subscription is already pending');
  const id = await c.tx.subscriptions.upsert(spaceId, userId, c.now);
  const subscription = (await c.tx.subscriptions.view(id))!;
  const data = { subscription, author: await authorOf(c), manager_ids: await c.tx.spaces.managerIds(spaceId) };
  await c.emit(existing ? { type: 'subscription.updated', data } : { type: 'subscription.created', data });
  return subscription;
}

/** A manager accepts (the user joins with `role`: member.added follows) or rejects a pending request. */
export async function evaluate(c: CommandContext, spaceId: number, userId: number, accept: boolean, role: Role = 'member'): Promise<SubscriptionView> {
  const { role: actorRole } = await c.access.space(spaceId, 'manage', 'workspace');
  const row = await c.tx.subscriptions.row(spaceId, userId);
  if (!row) throw notFound('subscription');
  if (row.state !== 'pending') throw conflict(`subscription is already ${row.state}`);
  if (accept && !mayAssignRole(actorRole, role)) throw forbidden(`role ${actorRole} may not grant ${role}`);
  await c.tx.subscriptions.evaluate(row.id, accept ? 'accepted' : 'rejected', c.actor.userId, c.now);
  const subscription = (await c.tx.subscriptions.view(row.id))!;
  await c.emit({ type: 'subscription.updated', data: { subscription, author: await authorOf(c), manager_ids: await c.tx.spaces.managerIds(spaceId) } });
  if (accept && !(await c.tx.spaces.role(spaceId, userId))) await join(c, spaceId, userId, role);
  return subscription;
}

export async function withdraw(c: CommandContext, userId: number, spaceId: number): Promise<void> {
  selfOrServer(c, userId, 'you may only withdraw your own subscription');
  const row = await c.tx.subscriptions.row(spaceId, userId);
  if (!row || row.state !== 'pending') throw notFound('pending subscription');
  const subscription = (await c.tx.subscriptions.view(row.id))!;
  const manager_ids = await c.tx.spaces.managerIds(spaceId);
  await c.tx.subscriptions.delete(row.id);
  await c.emit({ type: 'subscription.deleted', data: { subscription, author: await authorOf(c), manager_ids } });
}

/** A workspace's requests (its managers) or a user's own (the user, administrators). */
export async function list(c: ReadContext, filter: { space_id?: number; user_id?: number }): Promise<SubscriptionView[]> {
  if (filter.space_id !== undefined) await c.access.space(filter.space_id, 'manage', 'workspace');
  else if (filter.user_id === undefined) throw forbidden('give a workspace or a user');
  else await c.access.selfOrAdmin(filter.user_id, 'you may only list your own subscriptions');
  return c.tx.subscriptions.list({ spaceId: filter.space_id, authorId: filter.user_id });
}
