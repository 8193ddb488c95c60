// Public projections: what of an entity a given viewer may see. A user's email and admin flag are
// private to the user, administrators and users who share a space with them; everyone else gets the
// public profile.
import type { SpaceSummary, User } from './model.js';
import type { SpaceRef } from './content-model.js';

export type PublicProfile = Omit<User, 'email' | 'is_admin'>;

export function publicProfile(u: User): PublicProfile {
  const { email: _e, is_admin: _a, ...rest } = u;
  return rest;
}

/** The small view of a space Tracim events carry (a 1-to-1 space is always confidential). */
export function spaceRef(s: SpaceSummary): SpaceRef {
  return { id: s.id, name: s.name, description: s.description, access: s.kind === 'multi' ? s.access : 'confidential', deleted: s.deleted };
}
