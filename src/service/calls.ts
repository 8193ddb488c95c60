// Calls between two users: the caller starts one (with a meeting URL), each side changes its state,
// the caller deletes it. Only the two users (or the server API key) act on a call.
import { randomUUID } from 'node:crypto';
import type { CallState, CallView } from '../core/content-model.js';
import { badRequest, forbidden, notFound } from '../core/errors.js';
import type { CommandContext, ReadContext } from './context.js';
import { authorOf } from './content.js';

export type CallSide = 'caller' | 'callee';

const asUser = (c: ReadContext, userId: number, refusal: string) => {
  if (c.actor.userId !== userId && !c.actor.server) throw forbidden(refusal);
};

export async function create(c: CommandContext, callerId: number, calleeId: number): Promise<CallView> {
  asUser(c, callerId, 'you may only call as yourself');
  if (callerId === calleeId) throw badRequest('you cannot call yourself');
  const callee = await c.tx.users.get(calleeId);
  if (!callee || callee.deleted) throw notFound('callee');
  const id = await c.tx.calls.insert(callerId, calleeId, c.settings.callUrlBase + randomUUID(), c.now);
  const call = (await c.tx.calls.view(id))!;
  await c.emit({ type: 'call.created', data: { call, author: await authorOf(c) } });
  return call;
}

/** State change by the caller (cancelled, unanswered) or the callee (accepted, rejected, declined). */
export async function setState(c: CommandContext, userId: number, callId: number, side: CallSide, state: CallState): Promise<CallView> {
  asUser(c, userId, 'you may only change your own calls');
  const call = await c.tx.calls.view(callId);
  if (!call || (side === 'caller' ? call.caller.id : call.callee.id) !== userId) throw notFound('call');
  const allowed: CallState[] = side === 'caller' ? ['cancelled', 'unanswered', 'in_progress'] : ['accepted', 'rejected', 'declined', 'unanswered'];
  if (!allowed.includes(state)) throw badRequest(`the ${side} may set the state to ${allowed.join(', ')}`);
  await c.tx.calls.setState(callId, state, c.now);
  const updated = (await c.tx.calls.view(callId))!;
  await c.emit({ type: 'call.updated', data: { call: updated, author: await authorOf(c) } });
  return updated;
}

export async function remove(c: CommandContext, userId: number, callId: number): Promise<void> {
  asUser(c, userId, 'you may only delete your own calls');
  const call = await c.tx.calls.view(callId);
  if (!call || call.caller.id !== userId) throw notFound('call');
  await c.tx.calls.delete(callId);
  await c.emit({ type: 'call.deleted', data: { call, author: await authorOf(c) } });
}

export async function list(c: ReadContext, userId: number, side: CallSide): Promise<CallView[]> {
  await c.access.selfOrAdmin(userId, 'you may only list your own calls');
  return c.tx.calls.list(userId, side);
}
