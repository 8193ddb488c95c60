// Dino's MQTT topic scheme (docs/dialects/dino.md, "Topics"): each user's event topic, served from the
// event log by a feed cursor, and each group's signalling namespace, served by the broker core to the
// group's members only. Declared to the broker's namespace table by the plugin.
import type { NamespaceSpec } from '../../broker/index.js';

/** The namespace name of the event topics (what the resolver answers for them). */
export const EVENT_NAMESPACE = 'dino.user-events';

export const DINO_NAMESPACES: readonly NamespaceSpec[] = [
  // Herald's events for one user; only that user may subscribe, nobody may publish.
  { name: EVENT_NAMESPACE, pattern: 'dino/users/{userId}/events', kind: 'event', access: 'user' },
  // Per-group signalling between the group's members (typing indicators, calls, app messages): a real
  // broker namespace; `{groupId}` is the Herald space's integer id; membership is the ACL.
  { name: 'dino.groups', pattern: 'dino/groups/{groupId}/#', kind: 'broker', access: 'group' },
];

/** The event topic of a user. */
export function eventTopic(userId: number): string {
  return `dino/users/${userId}/events`;
}
