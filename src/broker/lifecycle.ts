// Session lifecycle (MQTT 5 §3.1.2.4, §3.1.2.5, §3.1.2.11, §3.1.3.2.2, §3.1.4, §4.1): connect with
// clean start, resume or takeover; disconnect; wills with their delay; expiry; session end. Kept
// apart from the Broker facade, which delegates here.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../core/actor.js';
import { NEVER_EXPIRES, type ConnectRefusal, type ConnectRequest, type DisconnectOptions, type WillInput } from './api.js';
import type { Core } from './core.js';
import type { PublishInput } from './message.js';
import type { Queues } from './queues.js';
import type { Registry } from './registry.js';
import { Connection, Session } from './session.js';
import type { BrokerStore } from './store.js';
import { isWellFormed, validateTopicName } from './topic.js';

export type ConnectResult =
  | { readonly ok: true; readonly connection: Connection; readonly present: boolean; readonly assignedClientId: string | null }
  | { readonly ok: false; readonly reason: ConnectRefusal; readonly message: string };

/** How the lifecycle publishes a will (through the facade's routing). */
export type WillPublisher = (input: PublishInput, from: Session) => Promise<unknown>;

export class Lifecycle {
  private readonly locks = new Map<string, Promise<void>>();
  private readonly assignClientId: () => string;

  constructor(
    private readonly core: Core,
    private readonly store: BrokerStore,
    private readonly registry: Registry,
    private readonly queues: Queues,
    private readonly publishAs: WillPublisher,
    assignClientId?: () => string,
  ) {
    this.assignClientId = assignClientId ?? (() => `herald-${randomUUID()}`);
  }

  /** Opens (or resumes, or takes over) the session of `req.clientId`; the caller then sends CONNACK and calls start(). */
  async connect(req: ConnectRequest): Promise<ConnectResult> {
    if (req.clientId === '') return this.connectAs(this.assignClientId(), true, req);
    return this.exclusive(req.clientId, () => this.connectAs(req.clientId, false, req));
  }

  private async connectAs(clientId: string, assigned: boolean, req: ConnectRequest): Promise<ConnectResult> {
    const lim = this.core.limits;
    if (req.clientId.length > lim.maxClientIdLength || !isWellFormed(req.clientId) || req.clientId.includes('\u0000')) {
      return { ok: false, reason: 'client_id_invalid', message: `client id must be valid UTF-8 of at most ${lim.maxClientIdLength} characters` };
    }
    if (req.will) {
      const bad = validateTopicName(req.will.topic, lim.topic);
      if (bad) return { ok: false, reason: 'topic_name_invalid', message: `will topic: ${bad.message}` };
      const d = await this.core.acl.authorizePublish(req.principal, req.will.topic, 'topic');
      if (!d.allow) return { ok: false, reason: 'not_authorized', message: `will topic: ${d.message}` };
    }
    let s = await this.find(clientId);
    if (s && !samePrincipal(s.principal, req.principal)) {
      return { ok: false, reason: 'client_id_in_use', message: 'this client id belongs to another user' };
    }
    const now = this.core.now();
    if (s?.online) await this.takeOver(s, now);
    if (s && this.registry.sessions.get(clientId) !== s) s = undefined; // ended (tick) while we waited
    if (s) {
      const end = s.expiresAt(NEVER_EXPIRES);
      if (req.cleanStart || (end !== null && end <= now)) {
        await this.endSession(s); // publishes a will still pending: the session ends (§3.1.3.2.2)
        s = undefined;
      }
    }
    const present = s !== undefined;
    if (!s) {
      s = new Session(clientId, req.principal, req.overlap ?? 'merge');
      this.registry.add(s);
    }
    s.principal = req.principal;
    s.overlap = req.overlap ?? s.overlap;
    s.expiryInterval = this.expiry(req.sessionExpiryInterval);
    s.lastPacketId = Math.max(1, Math.min(Math.floor(req.lastPacketId ?? 65_535), 65_535));
    s.window = Math.max(1, Math.min(req.receiveMaximum ?? 65_535, lim.maxInflight, s.lastPacketId));
    s.disconnectedAt = null;
    s.generation++;
    const conn = new Connection(s, s.generation);
    s.connection = conn;
    s.sink = req.sink;
    s.started = false;
    // The new connection's will replaces the old one; a delayed will still waiting is cancelled:
    // the session reconnected within its Will Delay Interval (§3.1.3.2.2).
    this.setWill(s, req.will ?? null);
    this.registry.persist(s);
    this.registry.reschedule(s);
    await this.core.writes.settled();
    this.core.holders?.hold(clientId);
    return { ok: true, connection: conn, present, assignedClientId: assigned ? clientId : null };
  }

  /** The connection is gone. Its queue consumers end; the session lives on per its expiry. */
  async disconnect(conn: Connection, opts: DisconnectOptions): Promise<void> {
    if (!conn.active) return;
    const s = conn.session;
    const now = this.core.now();
    this.detach(s);
    s.disconnectedAt = now;
    if (opts.sessionExpiryInterval !== undefined) s.expiryInterval = this.expiry(opts.sessionExpiryInterval);
    for (const c of [...s.consumersView.values()]) this.queues.unsubscribe(c);
    const published = this.armWill(s, opts.publishWill, now);
    if (published) await published;
    if (s.expiryInterval === 0) await this.endSession(s);
    else {
      this.registry.persist(s);
      this.registry.reschedule(s);
    }
    await this.core.writes.settled();
  }

  /** Publishes due delayed wills and ends expired sessions (§3.1.2.11.2, §3.1.3.2.2). */
  async tick(now: number = this.core.now()): Promise<void> {
    for (const s of this.registry.deadlines.due(now)) {
      if (s.online || this.registry.sessions.get(s.clientId) !== s) continue;
      if (s.willAt !== null && s.willAt <= now) await this.publishWill(s);
      const end = s.expiresAt(NEVER_EXPIRES);
      if (end !== null && end <= now) await this.endSession(s);
      else {
        this.registry.persist(s);
        this.registry.reschedule(s);
      }
    }
    await this.core.writes.settled();
  }

  private async find(clientId: string): Promise<Session | undefined> {
    const live = this.registry.sessions.get(clientId);
    if (live) return live;
    const load = await this.store.loadSession(clientId); // another node's, or one not restored
    if (!load) return undefined;
    // Records written by another node carry its sequence numbers: continue above them.
    for (const r of [...load.inflight, ...load.queued]) this.core.seedSequence(r.seq);
    return this.registry.sessions.get(clientId) ?? this.registry.hydrate(load, this.core.now());
  }

  /** §3.1.4: the old connection is told `session_taken_over` and ends abnormally (its will arms). */
  private async takeOver(s: Session, now: number): Promise<void> {
    const sink = s.sink;
    this.detach(s);
    s.disconnectedAt = now;
    for (const c of [...s.consumersView.values()]) this.queues.unsubscribe(c);
    const published = this.armWill(s, true, now);
    try {
      sink?.closed('session_taken_over');
    } catch {
      this.core.drop('sink_error');
    }
    if (published) await published;
  }

  private detach(s: Session): void {
    s.connection = null;
    s.sink = null;
    s.started = false;
  }

  private setWill(s: Session, will: WillInput | null): void {
    s.will = will;
    s.willAt = null;
    if (will) this.core.writes.push({ op: 'will.put', clientId: s.clientId, will: { will } });
    else this.core.writes.push({ op: 'will.delete', clientId: s.clientId });
  }

  /**
   * At disconnect: publish the will now (no delay, or the session ends now), arm it for later, or
   * drop it (normal disconnect, §3.1.2.5). Returns the publication in progress, if any.
   */
  private armWill(s: Session, abnormal: boolean, now: number): Promise<void> | null {
    if (!s.will) return null;
    if (!abnormal) {
      this.setWill(s, null);
      return null;
    }
    const delay = s.will.delayInterval ?? 0;
    if (delay <= 0 || s.expiryInterval === 0) return this.publishWill(s);
    s.willAt = now + delay * 1000;
    return null;
  }

  private async publishWill(s: Session): Promise<void> {
    const will = s.will;
    this.setWill(s, null);
    if (!will) return;
    // Membership may have changed since CONNECT: the will is authorised again, as the session's user.
    const d = await this.core.acl.authorizePublish(s.principal, will.topic, 'topic');
    if (!d.allow) return;
    const { delayInterval: _delay, ...input } = will;
    await this.publishAs(input, s);
  }

  /**
   * Ends a session: a pending will is published, subscriptions and state go (§4.1).
   * UNFINISHED: QoS 1/2 messages in flight to a shared-subscription member whose session ends are
   * not handed to another member of the group (§4.8.2 says SHOULD); they are dropped with it.
   */
  private async endSession(s: Session): Promise<void> {
    if (this.registry.sessions.get(s.clientId) !== s) return;
    if (s.willAt !== null) await this.publishWill(s);
    for (const c of [...s.consumersView.values()]) this.queues.unsubscribe(c);
    this.registry.remove(s);
    this.core.holders?.release(s.clientId);
  }

  /**
   * Takes over a session whose node died (a cluster): loaded from the store as "connected when its broker
   * stopped", so its will is armed and its expiry runs here, and messages for it are queued here.
   */
  adopt(clientId: string): Promise<void> {
    return this.exclusive(clientId, async () => void (await this.find(clientId)));
  }

  /** A Session Expiry Interval as the broker applies it: whole seconds, capped; nonsense counts as 0. */
  private expiry(seconds: number): number {
    if (!Number.isFinite(seconds) || seconds < 0) return 0;
    return Math.min(Math.floor(seconds), this.core.limits.maxSessionExpiry);
  }

  /** Runs `fn` after every earlier call for the same key finished (connects of one client id). */
  private async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.locks.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
}

function samePrincipal(a: Actor, b: Actor): boolean {
  return a.userId === b.userId && a.server === b.server;
}
