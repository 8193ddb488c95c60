// The session registry: sessions by client id and by user (for revocation), their subscriptions in
// the trie, their deadlines, and the translation between live sessions and stored records.
import type { Core } from './core.js';
import { Deadlines } from './deadlines.js';
import { messageBytes } from './message.js';
import type { Router } from './router.js';
import { Session, Subscription } from './session.js';
import type { SessionLoad, SessionRecord, SubscriptionRecord } from './store.js';
import { parseFilter } from './topic.js';
import { NEVER_EXPIRES } from './api.js';

export class Registry {
  readonly sessions = new Map<string, Session>();
  private readonly byUser = new Map<number, Set<Session>>();
  readonly deadlines = new Deadlines<Session>();

  constructor(
    private readonly core: Core,
    private readonly router: Router,
  ) {}

  add(s: Session): void {
    this.sessions.set(s.clientId, s);
    if (s.principal.userId !== null) {
      let set = this.byUser.get(s.principal.userId);
      if (!set) this.byUser.set(s.principal.userId, (set = new Set()));
      set.add(s);
    }
    this.core.metrics.sessionOpened?.();
  }

  /** Forgets a session and its subscriptions (queue consumers are the caller's). */
  remove(s: Session): void {
    this.drop(s);
    this.core.writes.push({ op: 'session.delete', clientId: s.clientId });
    this.core.metrics.sessionEnded?.();
  }

  /** Drops a session from this node's memory only: another node of the cluster holds it now; the store keeps it. */
  drop(s: Session): void {
    for (const sub of s.subs.values()) this.router.trie.remove(sub);
    s.subs.clear();
    this.sessions.delete(s.clientId);
    const uid = s.principal.userId;
    if (uid !== null) {
      const set = this.byUser.get(uid);
      set?.delete(s);
      if (set?.size === 0) this.byUser.delete(uid);
    }
    this.deadlines.schedule(s, null);
  }

  ofUser(userId: number): readonly Session[] {
    const set = this.byUser.get(userId);
    return set ? [...set] : [];
  }

  /** Adds (or replaces, by key) a subscription. The record's filter must be valid. */
  subscribe(s: Session, record: SubscriptionRecord): Subscription {
    const parsed = parseFilter(record.filter, this.core.limits.topic);
    if (!parsed.ok) throw new Error(`stored filter is invalid: ${parsed.message}`);
    const old = s.subs.get(record.key);
    if (old) this.router.trie.remove(old);
    const sub = new Subscription(s, record, parsed.levels, parsed.share, parsed.filter);
    s.subs.set(record.key, sub);
    this.router.trie.add(sub);
    return sub;
  }

  unsubscribe(s: Session, sub: Subscription): void {
    this.router.trie.remove(sub);
    s.subs.delete(sub.key);
    this.core.writes.push({ op: 'sub.delete', clientId: s.clientId, key: sub.key });
  }

  record(s: Session): SessionRecord {
    return {
      clientId: s.clientId,
      userId: s.principal.userId,
      server: s.principal.server,
      expiryInterval: s.expiryInterval,
      disconnectedAt: s.disconnectedAt,
      willAt: s.willAt,
      overlap: s.overlap,
      state: s.stateRecord(),
    };
  }

  persist(s: Session): void {
    this.core.writes.push({ op: 'session.put', session: this.record(s) });
  }

  /** The next moment this offline session needs attention: its delayed will or its end. */
  reschedule(s: Session): void {
    const end = s.expiresAt(NEVER_EXPIRES);
    const candidates = [end, s.willAt].filter((x): x is number => x !== null);
    this.deadlines.schedule(s, s.online || candidates.length === 0 ? null : Math.min(...candidates));
  }

  /** Rebuilds a session from the store. Sessions that were connected when the broker stopped are
   * treated as disconnected now, abnormally: their will is scheduled (§3.1.2.5). */
  hydrate(l: SessionLoad, now: number): Session {
    const r = l.session;
    const s = new Session(r.clientId, { userId: r.userId, server: r.server }, r.overlap);
    s.expiryInterval = r.expiryInterval;
    s.will = l.will?.will ?? null;
    s.willAt = r.willAt;
    s.disconnectedAt = r.disconnectedAt;
    for (const [k, v] of Object.entries(r.state)) s.state.set(k, v);
    for (const sub of l.subscriptions) this.subscribe(s, sub);
    let maxId = 0;
    for (const rec of l.inflight) {
      s.inflight.set(rec.packetId, rec);
      if (rec.packetId > maxId) maxId = rec.packetId;
    }
    s.nextPacketId = maxId >= 65_535 ? 1 : maxId + 1;
    for (const q of l.queued) {
      s.pending.push(q);
      s.pendingBytes += messageBytes(q.message);
    }
    for (const id of l.incomingQos2) s.incoming.add(id);
    if (s.disconnectedAt === null) {
      s.disconnectedAt = now;
      if (s.will && s.willAt === null) s.willAt = now + (s.will.delayInterval ?? 0) * 1000;
      this.persist(s);
    }
    this.add(s);
    this.reschedule(s);
    return s;
  }
}
