// Spaces: groups, channels and Tracim workspaces (multi-user) and 1-to-1 spaces (unique per pair).
import type { AccessMode, SpaceKind, SpaceView } from '../core/model.js';
import { badRequest, conflict, notFound } from '../core/errors.js';
import type { CommandContext, ReadContext } from './context.js';
import { userOf } from './commit.js';
import { spaceStats } from './conversation.js';
import { EMPTY_STATS } from '../core/conversation.js';

export interface NewSpaceInput {
  name?: string;
  description?: string;
  kind?: SpaceKind;
  access?: AccessMode;
  member_ids?: number[];
  /** With the server API key: the owner (otherwise the actor owns it). */
  owner_id?: number;
}

/** Creates a multi-user space, or finds/creates the 1-to-1 space of two users (`created` false when it existed). */
export async function create(c: CommandContext, input: NewSpaceInput): Promise<{ space: SpaceView; created: boolean }> {
  const kind = input.kind ?? 'multi';
  const ownerId = c.actor.server ? (input.owner_id ?? null) : c.actor.userId;
  const others = [...new Set(input.member_ids ?? [])].filter((id) => id !== ownerId);
  if (kind === 'direct' && (ownerId === null || others.length !== 1)) throw badRequest('a 1-to-1 space has exactly two users: you and one member_id');
  const users = await c.tx.users.refs(ownerId === null ? others : [ownerId, ...others]);
  for (const id of others) if (!users.has(id)) throw notFound(`user ${id}`);
  if (ownerId !== null && !users.has(ownerId)) throw notFound(`user ${ownerId}`);
  let direct_key: string | null = null;
  if (kind === 'direct') {
    const pair = [ownerId!, others[0]].sort((a, b) => a - b);
    direct_key = `${pair[0]}:${pair[1]}`;
    const existing = await c.tx.spaces.direct(direct_key);
    if (existing !== null) return { space: (await c.tx.spaces.view(existing))!, created: false };
  }
  const name = input.name ?? (kind === 'direct' ? [...users.values()].map((u) => u.display_name).join(', ') : '');
  if (!name) throw badRequest('name is required for a multi-user space');
  const id = await c.tx.spaces.insert(
    { name, description: input.description, kind, access: kind === 'direct' ? 'confidential' : (input.access ?? 'confidential'), owner_id: ownerId, created_by: c.actor.userId, direct_key },
    c.now,
  );
  if (ownerId !== null) await c.tx.spaces.addMember(id, ownerId, kind === 'direct' ? 'member' : 'owner', c.now);
  for (const uid of others) await c.tx.spaces.addMember(id, uid, 'member', c.now);
  const space = (await c.tx.spaces.view(id))!;
  await c.emit({ type: 'space.created', data: { space, actor_id: c.actor.userId, stats: EMPTY_STATS } });
  return { space, created: true };
}

export async function get(c: ReadContext, spaceId: number): Promise<SpaceView> {
  await c.access.space(spaceId, 'read');
  return (await c.tx.spaces.view(spaceId))!;
}

/** The live spaces the acting user is a member of. */
export async function list(c: ReadContext): Promise<SpaceView[]> {
  const out: SpaceView[] = [];
  for (const id of await c.tx.spaces.idsOf(userOf(c.actor))) out.push((await c.tx.spaces.view(id))!);
  return out;
}

export async function update(c: CommandContext, spaceId: number, patch: { name?: string; description?: string; access?: AccessMode }): Promise<SpaceView> {
  const { space } = await c.access.space(spaceId, 'manage');
  if (space.kind === 'direct' && patch.access && patch.access !== 'confidential') throw badRequest('a 1-to-1 space is always confidential');
  await c.tx.spaces.update(spaceId, patch, c.now);
  const updated = (await c.tx.spaces.view(spaceId))!;
  await c.emit({ type: 'space.updated', data: { space: updated, actor_id: c.actor.userId, stats: await spaceStats(c, updated.id) } });
  return updated;
}

export async function remove(c: CommandContext, spaceId: number): Promise<void> {
  await c.access.space(spaceId, 'delete');
  await c.tx.spaces.update(spaceId, { deleted: true }, c.now);
  await c.emit({ type: 'space.deleted', data: { space: (await c.tx.spaces.view(spaceId))!, actor_id: c.actor.userId } });
}

/** Restores a deleted multi-user space (its owners, administrators, or the server API key). */
export async function restore(c: CommandContext, spaceId: number): Promise<SpaceView> {
  const space = await c.tx.spaces.summary(spaceId);
  if (!space || space.kind !== 'multi') throw notFound('workspace');
  if ((await c.access.role(spaceId)) !== 'owner' && !(await c.access.isAdmin())) throw notFound('workspace');
  if (!space.deleted) throw conflict('workspace is not deleted');
  await c.tx.spaces.update(spaceId, { deleted: false }, c.now);
  const restored = (await c.tx.spaces.view(spaceId))!;
  await c.emit({ type: 'space.undeleted', data: { space: restored, actor_id: c.actor.userId, stats: await spaceStats(c, restored.id) } });
  return restored;
}
