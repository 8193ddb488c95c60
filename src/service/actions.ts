// Action items of a space: created and updated by members, deleted by their creator or a manager.
import type { ActionView } from '../core/model.js';
import { badRequest, forbidden, notFound } from '../core/errors.js';
import { can } from '../core/permissions.js';
import type { CommandContext, ReadContext } from './context.js';

export interface ActionInput {
  name: string;
  description?: string;
  type?: number;
  due_at?: number | null;
  assignee_id?: number | null;
}

export type ActionPatch = Partial<Pick<ActionView, 'name' | 'description' | 'status' | 'due_at' | 'assignee_id'>>;

async function assignable(c: ReadContext, spaceId: number, assigneeId: number | null | undefined): Promise<void> {
  if (assigneeId != null && !(await c.tx.spaces.role(spaceId, assigneeId))) throw badRequest('assignee is not a member of this space');
}

/** An action item the actor may `post` in the space of; non-members learn nothing about it. */
async function existing(c: ReadContext, actionId: number) {
  const action = await c.tx.actions.get(actionId);
  if (!action) throw notFound('action');
  const { role } = await c.access.space(action.space_id, 'post').catch(() => {
    throw notFound('action');
  });
  return { action, role };
}

export async function create(c: CommandContext, spaceId: number, input: ActionInput): Promise<ActionView> {
  await c.access.space(spaceId, 'post');
  await assignable(c, spaceId, input.assignee_id);
  const action = await c.tx.actions.insert(
    { space_id: spaceId, name: input.name, description: input.description ?? '', type: input.type ?? 1, status: 0, due_at: input.due_at ?? null, assignee_id: input.assignee_id ?? null, created_by: c.actor.userId },
    c.now,
  );
  await c.emit({ type: 'action.created', data: { action } });
  return action;
}

export async function list(c: ReadContext, spaceId: number): Promise<ActionView[]> {
  await c.access.space(spaceId, 'read');
  return c.tx.actions.list(spaceId);
}

export async function update(c: CommandContext, actionId: number, patch: ActionPatch): Promise<ActionView> {
  const { action: before } = await existing(c, actionId);
  await assignable(c, before.space_id, patch.assignee_id);
  await c.tx.actions.update(actionId, patch, c.actor.userId, c.now);
  const action = (await c.tx.actions.get(actionId))!;
  await c.emit({ type: 'action.updated', data: { action } });
  return action;
}

export async function remove(c: CommandContext, actionId: number): Promise<void> {
  const { action, role } = await existing(c, actionId);
  if (action.created_by !== c.actor.userId && !can(role, 'manage')) throw forbidden('only the creator or a manager may delete an action item');
  await c.tx.actions.delete(actionId);
  await c.emit({ type: 'action.deleted', data: { action, actor_id: c.actor.userId } });
}
