// Herald's native protocol: envelope {id, type, at, data}; id is the feed position (null when ephemeral).
// The data is the canonical snapshot; for the public view it arrives without private user fields.
import type { Delivered } from '../../events/types.js';
import type { SpaceView } from '../../core/model.js';
import type { Renderer } from '../render.js';

export function envelope(id: number | null, type: string, at: number, data: unknown): string {
  return JSON.stringify({ id, type, at: new Date(at).toISOString(), data });
}

const memberSets = new WeakMap<SpaceView, Set<number>>();
const isMember = (space: SpaceView, userId: number): boolean => {
  let s = memberSets.get(space);
  if (s === undefined) memberSets.set(space, (s = new Set(space.members.map((m) => m.user.id))));
  return s.has(userId);
};
/** Open and on-request spaces are announced to every user, so they can find and join them. */
const listed = (space: SpaceView) => space.kind === 'multi' && space.access !== 'confidential';

/**
 * Tracim's administrator rule (administrators hear of every workspace and membership) stays in Tracim: a
 * native client sees space and member events as a member does. Account events (user.*) keep their audience.
 */
export function acceptsNative(ev: Delivered, userId: number): boolean {
  switch (ev.type) {
    case 'space.created':
    case 'space.updated':
    case 'space.deleted':
    case 'space.undeleted':
      return isMember(ev.data.space, userId) || listed(ev.data.space);
    case 'member.added':
    case 'member.updated':
      return isMember(ev.data.space, userId) || ev.data.member.user.id === userId;
    case 'member.removed':
      return isMember(ev.data.space, userId) || ev.data.member.user.id === userId;
    default:
      return true;
  }
}

export const nativeRenderer: Renderer = {
  name: 'native',
  privateFields: true,
  render: (ev: Delivered) => envelope(ev.id, ev.type, ev.at, ev.data),
  accepts: acceptsNative,
};
