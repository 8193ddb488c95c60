// The namespace table: which topics are Herald event destinations (served by a feed cursor), which
// are broker namespaces (served by the broker core), and who may use each. One object is both the
// destination resolver the protocol sessions ask first and the ACL the broker enforces.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Actor } from '../core/actor.js';
import type { AclDecision, AclGrant, AddressKind, BrokerAcl, DenyReason } from './acl.js';
import { DEFAULT_TOPIC_LIMITS, parseFilter, validateTopicName, type TopicLimits } from './topic.js';
import { intersectPattern, matchPattern, parsePattern, type Pattern } from './pattern.js';

export const NamespaceSpecSchema = Type.Object(
  {
    /** Stable name, kept in subscription grants (e.g. `dino.groups`). */
    name: Type.String({ minLength: 1 }),
    /** Topic levels: literals, `{param}` (one non-empty level), and `#` last (everything below). */
    pattern: Type.String({ minLength: 1 }),
    kind: Type.Union([Type.Literal('event'), Type.Literal('broker')]),
    access: Type.Union([Type.Literal('group'), Type.Literal('user'), Type.Literal('public'), Type.Literal('permissive')]),
    /** The parameter naming the group (access `group`) or user (access `user`); default: the only one. */
    subject: Type.Optional(Type.String({ minLength: 1 })),
    /** Broker namespaces only: STOMP queues may be used here too. Default false. */
    queues: Type.Optional(Type.Boolean()),
    /** Broker namespaces only: `access` (default) lets readers publish; `none` makes it read-only. */
    publish: Type.Optional(Type.Union([Type.Literal('access'), Type.Literal('none')])),
    /** Default true, except access `permissive`, which is off unless enabled (interop test suites only). */
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type NamespaceSpec = Static<typeof NamespaceSpecSchema>;

export const NamespaceTableSchema = Type.Array(NamespaceSpecSchema);
const checkTable = TypeCompiler.Compile(NamespaceTableSchema);

/** Is `userId` a member of group `groupId` (as written in the topic)? Wired to Herald's membership. */
export type MembershipCheck = (userId: number, groupId: string) => boolean | Promise<boolean>;

export type Resolution =
  | { readonly kind: 'event'; readonly namespace: string; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'broker'; readonly namespace: string; readonly params: Readonly<Record<string, string>>; readonly grants: readonly AclGrant[] }
  | { readonly kind: 'rejected'; readonly reason: DenyReason; readonly message: string };

export type Operation = 'subscribe' | 'publish';

/** What a protocol session asks before serving a SUBSCRIBE / PUBLISH / SEND. */
export interface DestinationResolver {
  resolve(principal: Actor, address: string, op: Operation, kind?: AddressKind): Promise<Resolution>;
}

interface Namespace {
  readonly spec: NamespaceSpec;
  readonly pattern: Pattern;
  readonly subject: string | null;
}

const reject = (reason: DenyReason, message: string): Resolution => ({ kind: 'rejected', reason, message });

export class NamespaceTable implements DestinationResolver, BrokerAcl {
  private readonly namespaces: Namespace[];

  /** Throws on an invalid table (checked once at start, like the rest of the config). */
  constructor(
    specs: unknown,
    private readonly isMember: MembershipCheck,
    private readonly limits: TopicLimits = DEFAULT_TOPIC_LIMITS,
  ) {
    if (!checkTable.Check(specs)) {
      const e = checkTable.Errors(specs).First();
      throw new Error(`invalid namespace table: ${e ? `${e.path} ${e.message}` : 'bad shape'}`);
    }
    const names = new Set<string>();
    this.namespaces = [];
    for (const spec of specs) {
      if (names.has(spec.name)) throw new Error(`namespace ${spec.name}: duplicate name`);
      names.add(spec.name);
      const enabled = spec.enabled ?? spec.access !== 'permissive';
      if (!enabled) continue;
      const pattern = parsePattern(spec.pattern);
      if (typeof pattern === 'string') throw new Error(`namespace ${spec.name}: ${pattern}`);
      let subject: string | null = null;
      if (spec.access === 'group' || spec.access === 'user') {
        subject = spec.subject ?? (pattern.params.length === 1 ? pattern.params[0] : null);
        if (subject === null || !pattern.params.includes(subject)) {
          throw new Error(`namespace ${spec.name}: access ${spec.access} needs a {param} naming the ${spec.access} (set "subject")`);
        }
      }
      if (spec.kind === 'event' && (spec.queues || spec.publish)) throw new Error(`namespace ${spec.name}: queues/publish apply to broker namespaces`);
      this.namespaces.push({ spec, pattern, subject });
    }
  }

  async resolve(principal: Actor, address: string, op: Operation, kind: AddressKind = 'topic'): Promise<Resolution> {
    if (kind === 'queue' || op === 'publish') {
      const bad = validateTopicName(address, this.limits);
      if (bad) return reject('invalid', bad.message);
      return this.resolveExact(principal, address.split('/'), op, kind);
    }
    const parsed = parseFilter(address, this.limits);
    if (!parsed.ok) return reject('invalid', parsed.message);
    if (!parsed.wildcard) {
      const r = await this.resolveExact(principal, parsed.levels, op, kind);
      if (r.kind === 'event' && parsed.share !== null) return reject('invalid', 'an event destination cannot be a shared subscription');
      return r;
    }
    return this.resolveWildcard(principal, parsed.levels);
  }

  private async resolveExact(principal: Actor, levels: readonly string[], op: Operation, kind: AddressKind): Promise<Resolution> {
    for (const ns of this.namespaces) {
      const params = matchPattern(ns.pattern, levels);
      if (!params) continue;
      const { spec } = ns;
      if (spec.kind === 'event') {
        if (kind === 'queue') return reject('invalid', `${spec.name} is an event destination, not a queue`);
        if (op === 'publish') return reject('not_authorized', `${spec.name} carries Herald events; clients cannot publish there`);
      } else {
        if (kind === 'queue' && !spec.queues) return reject('invalid', `namespace ${spec.name} has no queues`);
        if (op === 'publish' && spec.publish === 'none') return reject('not_authorized', `namespace ${spec.name} is read-only`);
      }
      const denied = await this.check(principal, ns, params, new Set());
      if (denied) return denied;
      if (spec.kind === 'event') return { kind: 'event', namespace: spec.name, params };
      return { kind: 'broker', namespace: spec.name, params, grants: [this.grant(ns, params)] };
    }
    return reject('no_namespace', 'no namespace serves this topic');
  }

  /**
   * A wildcard filter is allowed only if EVERY broker namespace it could reach allows it with the
   * parameters the filter binds: a wildcard over a group or user parameter is refused, never narrowed.
   * Event namespaces are not reachable through the broker (events never enter the trie), so they
   * are not consulted; a wildcard reaching no broker namespace is refused.
   */
  private async resolveWildcard(principal: Actor, levels: readonly string[]): Promise<Resolution> {
    const grants: AclGrant[] = [];
    let first: Namespace | null = null;
    let firstParams: Record<string, string> = {};
    let touchedEvent = false;
    for (const ns of this.namespaces) {
      const hit = intersectPattern(ns.pattern, levels);
      if (!hit) continue;
      if (ns.spec.kind === 'event') {
        touchedEvent = true;
        continue;
      }
      const denied = await this.check(principal, ns, hit.bound, hit.unbound);
      if (denied) return denied;
      grants.push(this.grant(ns, hit.bound));
      if (!first) {
        first = ns;
        firstParams = hit.bound;
      }
    }
    if (!first) {
      return reject('no_namespace', touchedEvent ? 'event destinations take an exact topic, without wildcards' : 'no namespace serves this filter');
    }
    return { kind: 'broker', namespace: first.spec.name, params: firstParams, grants };
  }

  private async check(principal: Actor, ns: Namespace, bound: Readonly<Record<string, string>>, unbound: ReadonlySet<string>): Promise<Resolution | null> {
    const { spec, subject } = ns;
    if (spec.access === 'permissive') return null;
    if (principal.server) return null;
    if (principal.userId === null) return reject('not_authorized', 'authentication required');
    if (spec.access === 'public') return null;
    if (subject === null || unbound.has(subject) || bound[subject] === undefined) {
      return reject('not_authorized', `a wildcard in place of {${subject}} could reach another ${spec.access}'s topics in ${spec.name}`);
    }
    const value = bound[subject];
    if (spec.access === 'user') {
      return value === String(principal.userId) ? null : reject('not_authorized', `${spec.name}: not your user topic`);
    }
    return (await this.isMember(principal.userId, value)) ? null : reject('not_authorized', `${spec.name}: not a member of group ${value}`);
  }

  private grant(ns: Namespace, params: Readonly<Record<string, string>>): AclGrant {
    return { namespace: ns.spec.name, access: ns.spec.access, subject: ns.subject === null ? null : (params[ns.subject] ?? null) };
  }

  // ---- BrokerAcl: the same table, answering the broker core ----------------------------------------

  async authorizeSubscribe(principal: Actor, filter: string, kind: AddressKind): Promise<AclDecision> {
    return decision(await this.resolve(principal, filter, 'subscribe', kind));
  }

  async authorizePublish(principal: Actor, topic: string, kind: AddressKind): Promise<AclDecision> {
    return decision(await this.resolve(principal, topic, 'publish', kind));
  }
}

function decision(r: Resolution): AclDecision {
  if (r.kind === 'broker') return { allow: true, grants: r.grants };
  if (r.kind === 'event') return { allow: false, reason: 'invalid', message: `${r.namespace} is an event destination, not a broker topic` };
  return { allow: false, reason: r.reason, message: r.message };
}

