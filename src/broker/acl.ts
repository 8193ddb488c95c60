// The ACL port: the broker asks it before every subscription and publish, and (optionally) per
// delivery. Herald implements it from its namespace table and membership (namespaces.ts).
import type { Actor } from '../core/actor.js';
import type { BrokerMessage } from './message.js';

/** A topic (trie fan-out) or a queue (one consumer per message). */
export type AddressKind = 'topic' | 'queue';

/** How a namespace decides who may use it. */
export type Access = 'group' | 'user' | 'public' | 'permissive';

/**
 * What a subscription was granted on: the namespace and, for `group` / `user` access, the group or
 * user id bound in the topic. Kept with the subscription so a revocation finds what to cut.
 */
export interface AclGrant {
  readonly namespace: string;
  readonly access: Access;
  /** The bound group id (access `group`) or user id (access `user`), else null. */
  readonly subject: string | null;
}

export type DenyReason = 'not_authorized' | 'no_namespace' | 'invalid';

export type AclDecision =
  | { readonly allow: true; readonly grants: readonly AclGrant[] }
  | { readonly allow: false; readonly reason: DenyReason; readonly message: string };

export interface BrokerAcl {
  /**
   * May `principal` subscribe to `filter` (the inner filter of a shared subscription)? Refuse,
   * never narrow: a wildcard that could match a topic the principal may not read is refused whole.
   */
  authorizeSubscribe(principal: Actor, filter: string, kind: AddressKind): AclDecision | Promise<AclDecision>;
  /** May `principal` publish to `topic` (or send to queue `topic`)? Also checked for wills. */
  authorizePublish(principal: Actor, topic: string, kind: AddressKind): AclDecision | Promise<AclDecision>;
  /**
   * Optional per-delivery check; false drops that one delivery (counted as `forward_denied`). Runs
   * on the delivery hot path, so it must be synchronous and cheap. Leave it out when revocation
   * already keeps subscriptions right (the namespace ACL does).
   */
  authorizeForward?(subscriber: Actor, message: BrokerMessage): boolean;
}

const ALLOW: AclDecision = Object.freeze({ allow: true, grants: Object.freeze([]) as readonly AclGrant[] });

/** Allows everything. For tests, benchmarks and embedding without namespaces; never Herald's default. */
export const allowAllAcl: BrokerAcl = {
  authorizeSubscribe: () => ALLOW,
  authorizePublish: () => ALLOW,
};
