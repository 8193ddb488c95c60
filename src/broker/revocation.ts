// Revocation: cutting a user's subscriptions and queue consumers when a grant is withdrawn (e.g. removed
// from a group), dropping what was queued for them and telling each connected protocol session. Kept
// apart from the Broker facade, which delegates here; it touches sessions, queues and the outbound
// queue together, which none of those modules should know about each other.
import type { AclGrant } from './acl.js';
import type { RevokeRequest, RevokeResult } from './api.js';
import type { Core } from './core.js';
import type { Outbound } from './outbound.js';
import type { Queues } from './queues.js';
import type { Registry } from './registry.js';
import { topicMatches } from './topic.js';

/** See Broker.revoke; the caller reports deliveries afterwards. */
export function revokeGrants(core: Core, registry: Registry, queues: Queues, out: Outbound, req: RevokeRequest): RevokeResult[] {
  const all = req.access === undefined && req.subject === undefined && req.namespace === undefined;
  const hit = (grants: readonly AclGrant[]) =>
    all || grants.some((g) => (req.access === undefined || g.access === req.access) && (req.subject === undefined || g.subject === req.subject) && (req.namespace === undefined || g.namespace === req.namespace));
  const results: RevokeResult[] = [];
  for (const s of registry.ofUser(req.userId)) {
    const keys: string[] = [];
    for (const sub of [...s.subs.values()]) {
      if (!hit(sub.record.grants)) continue;
      registry.unsubscribe(s, sub);
      keys.push(sub.key);
    }
    for (const c of [...s.consumers.values()]) {
      if (!hit(c.grants)) continue;
      queues.unsubscribe(c);
      keys.push(c.key);
    }
    if (keys.length === 0) continue;
    const remaining = [...s.subs.values()];
    out.purge(s, (topic) => remaining.some((sub) => topicMatches(sub.inner, topic)));
    registry.persist(s);
    results.push({ clientId: s.clientId, keys });
    try {
      s.sink?.revoked(keys, req.reason ?? 'access revoked');
    } catch {
      core.drop('sink_error');
    }
  }
  return results;
}
