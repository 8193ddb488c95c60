// What committed events mean for live access, decided once on the node that committed them and sent to
// every node over the control plane: a deleted user's connections close at once, everywhere; a removed
// member loses the space's broker namespaces.
import type { Delivered } from '../events/types.js';
import type { ControlMessage } from '../bus/bus.js';

export function revocationsOf(ev: Delivered): ControlMessage[] {
  switch (ev.type) {
    case 'user.deleted':
      return [{ kind: 'close_user', user_id: ev.data.user.id, reason: 'this account was deleted' }];
    case 'member.removed':
      return [{ kind: 'revoke_space', user_id: ev.data.member.user.id, space_id: ev.data.space.id }];
    default:
      return [];
  }
}
