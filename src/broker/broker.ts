// The Broker facade: what the MQTT and STOMP protocol sessions call. It owns no network code and
// no framing; every call takes the Connection handle that connect() returned, and deliveries come
// back through that connection's SessionSink. Timing is driven by tick(now) (or an unref'd ticker).
import { randomUUID } from 'node:crypto';
import { SERVER, type Actor } from '../core/actor.js';
import type { AclDecision, AclGrant } from './acl.js';
import {
  NEVER_EXPIRES,
  type ConnectRefusal,
  type ConnectRequest,
  type DisconnectOptions,
  type PublishResult,
  type QueueSubscribeRequest,
  type RevokeRequest,
  type RevokeResult,
  type SubscribeRequest,
  type SubscribeResult,
  type WillInput,
} from './api.js';
import { Core, type BrokerStats } from './core.js';
import { createMessage, type PublishInput } from './message.js';
import type { BrokerOptions } from './options.js';
import { Outbound } from './outbound.js';
import { Queues } from './queues.js';
import { Registry } from './registry.js';
import { Router } from './router.js';
import { Connection, Session, type Subscription } from './session.js';
import type { BrokerStore, SubscriptionRecord } from './store.js';
import { isWellFormed, parseFilter, topicMatches, validateTopicName } from './topic.js';

export type ConnectResult =
  | { readonly ok: true; readonly connection: Connection; readonly present: boolean; readonly assignedClientId: string | null }
  | { readonly ok: false; readonly reason: ConnectRefusal; readonly message: string };

export interface SubscribeOutcome {
  readonly results: readonly SubscribeResult[];
  /** Sends the retained messages these subscriptions asked for; call after SUBACK. Returns how many. */
  deliverRetained(): number;
}

export interface SessionInfo {
  readonly online: boolean;
  readonly subscriptions: readonly string[];
  readonly queued: number;
  readonly inflight: number;
  readonly dropped: number;
  readonly expiresAt: number | null;
  readonly willPending: boolean;
}

const MAX_SUBSCRIPTION_ID = 268_435_455;

export class Broker {
  private readonly core: Core;
  private readonly store: BrokerStore;
  private readonly out: Outbound;
  private readonly router: Router;
  private readonly queues: Queues;
  private readonly registry: Registry;
  private readonly assignClientId: () => string;
  private ticker: NodeJS.Timeout | null = null;
  private reported = 0;
  private readonly locks = new Map<string, Promise<void>>();

  constructor(opts: BrokerOptions) {
    this.core = new Core(opts);
    this.store = opts.store;
    this.out = new Outbound(this.core);
    this.router = new Router(this.out);
    this.queues = new Queues(this.core);
    this.registry = new Registry(this.core, this.router);
    this.assignClientId = opts.assignClientId ?? (() => `herald-${randomUUID()}`);
  }

  /** Loads stored sessions and queues; call once, before the first connect. */
  async restore(): Promise<void> {
    const now = this.core.now();
    this.core.seedSequence(await this.store.maxSequence());
    for (const l of await this.store.listSessions()) {
      if (!this.registry.sessions.has(l.session.clientId)) this.registry.hydrate(l, now);
    }
    this.queues.restore(await this.store.listQueues());
    await this.core.writes.settled();
  }

  // ---- sessions -------------------------------------------------------------------------------------

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
    s.expiryInterval = Math.min(req.sessionExpiryInterval, lim.maxSessionExpiry);
    s.window = Math.max(1, Math.min(req.receiveMaximum ?? 65_535, lim.maxInflight));
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
    return { ok: true, connection: conn, present, assignedClientId: assigned ? clientId : null };
  }

  /** The protocol session has sent CONNACK / CONNECTED: resend in-flight (DUP), drain, dispatch. */
  start(conn: Connection): void {
    if (!conn.active) return;
    this.out.start(conn.session);
    this.queues.resume(conn.session);
    this.reportDelivered();
  }

  /** The connection is gone. Its queue consumers end; the session lives on per its expiry. */
  async disconnect(conn: Connection, opts: DisconnectOptions): Promise<void> {
    if (!conn.active) return;
    const s = conn.session;
    const now = this.core.now();
    this.detach(s);
    s.disconnectedAt = now;
    if (opts.sessionExpiryInterval !== undefined) s.expiryInterval = Math.min(opts.sessionExpiryInterval, this.core.limits.maxSessionExpiry);
    for (const c of [...s.consumers.values()]) this.queues.unsubscribe(c);
    const published = this.armWill(s, opts.publishWill, now);
    if (published) await published;
    if (s.expiryInterval === 0) await this.endSession(s);
    else {
      this.registry.persist(s);
      this.registry.reschedule(s);
    }
    this.reportDelivered();
    await this.core.writes.settled();
  }

  /** The protocol session's key/value slot (e.g. Herald event feed positions); null deletes. */
  async setState(conn: Connection, key: string, value: string | null): Promise<void> {
    if (!conn.active) return;
    const s = conn.session;
    if (value === null) s.state.delete(key);
    else s.state.set(key, value);
    this.registry.persist(s);
    await this.core.writes.settled();
  }

  // ---- subscriptions --------------------------------------------------------------------------------

  async subscribe(conn: Connection, reqs: readonly SubscribeRequest[]): Promise<SubscribeOutcome> {
    const results: SubscribeResult[] = [];
    const wantRetained: Subscription[] = [];
    for (const req of reqs) results.push(await this.subscribeOne(conn, req, wantRetained));
    let fetched: { sub: Subscription; messages: Awaited<ReturnType<BrokerStore['matchRetained']>> }[] = [];
    if (wantRetained.length > 0) {
      await this.core.writes.settled(); // a retained message published just before is visible
      fetched = await Promise.all(wantRetained.map(async (sub) => ({ sub, messages: await this.store.matchRetained(sub.inner) })));
    } else {
      await this.core.writes.settled();
    }
    return {
      results,
      deliverRetained: () => {
        let n = 0;
        const now = this.core.now();
        for (const { sub, messages } of fetched) {
          if (!sub.session.subs.has(sub.key) || sub.session.subs.get(sub.key) !== sub) continue;
          // An expired retained message is cleared, unless a newer one replaced it meanwhile.
          n += this.router.deliverRetained(sub, messages, now, (m) => this.core.writes.push({ op: 'retained.delete', topic: m.topic, createdAt: m.createdAt }));
        }
        this.reportDelivered();
        return n;
      },
    };
  }

  private async subscribeOne(conn: Connection, req: SubscribeRequest, wantRetained: Subscription[]): Promise<SubscribeResult> {
    if (!conn.active) return { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };
    const parsed = parseFilter(req.filter, this.core.limits.topic);
    if (!parsed.ok) return { ok: false, reason: 'topic_filter_invalid', message: parsed.message };
    if (parsed.share !== null && req.noLocal) return { ok: false, reason: 'protocol_error', message: 'No Local on a shared subscription (MQTT 5 §3.8.3.1)' };
    const sid = req.subscriptionId ?? 0;
    if (!Number.isInteger(sid) || sid < 0 || sid > MAX_SUBSCRIPTION_ID) return { ok: false, reason: 'protocol_error', message: 'subscription identifier out of range' };
    const key = req.key ?? req.filter;
    const s = conn.session;
    if (!s.subs.has(key) && !s.consumers.has(key) && s.subs.size + s.consumers.size >= this.core.limits.maxSubscriptions) {
      return { ok: false, reason: 'quota_exceeded', message: `at most ${this.core.limits.maxSubscriptions} subscriptions per session` };
    }
    const d = await this.core.acl.authorizeSubscribe(s.principal, parsed.filter, 'topic');
    if (!d.allow) return { ok: false, reason: d.reason === 'invalid' ? 'topic_filter_invalid' : 'not_authorized', message: d.message };
    if (!conn.active) return { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };
    const existed = s.subs.has(key);
    const old = s.consumers.get(key);
    if (old) this.queues.unsubscribe(old);
    const record: SubscriptionRecord = {
      key,
      filter: req.filter,
      qos: req.qos,
      noLocal: req.noLocal === true,
      retainAsPublished: req.retainAsPublished === true,
      retainHandling: req.retainHandling ?? 0,
      subscriptionId: sid,
      grants: d.grants,
    };
    const sub = this.registry.subscribe(s, record); // replaces a subscription with the same key (§3.8.4)
    this.core.writes.push({ op: 'sub.put', clientId: s.clientId, sub: record });
    // §3.8.4 Retain Handling; §4.8.2: no retained messages for a shared subscription.
    if (parsed.share === null && (record.retainHandling === 0 || (record.retainHandling === 1 && !existed))) wantRetained.push(sub);
    return { ok: true, qos: req.qos, existed };
  }

  /** Removes subscriptions or queue consumers by key; true where one existed (MQTT 0x00 vs 0x11). */
  async unsubscribe(conn: Connection, keys: readonly string[]): Promise<boolean[]> {
    if (!conn.active) return keys.map(() => false);
    const s = conn.session;
    const out = keys.map((key) => {
      const sub = s.subs.get(key);
      if (sub) {
        this.registry.unsubscribe(s, sub);
        return true;
      }
      const c = s.consumers.get(key);
      if (c) {
        this.queues.unsubscribe(c);
        return true;
      }
      return false;
    });
    this.reportDelivered();
    await this.core.writes.settled();
    return out;
  }

  // ---- publishing -----------------------------------------------------------------------------------

  /**
   * Publishes to the trie. `conn` null: the server publishes (no session, no No Local). For QoS 2
   * give the PUBLISH packet id: a repeat before pubrel() is reported `duplicate` and not delivered
   * again (§4.3.3). Resolves once the store holds what the publish changed (then PUBACK / PUBREC).
   */
  async publish(conn: Connection | null, input: PublishInput, opts: { packetId?: number } = {}): Promise<PublishResult> {
    const s = conn ? conn.session : null;
    if (conn && !conn.active) return { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };
    const bad = validateTopicName(input.topic, this.core.limits.topic);
    if (bad) return { ok: false, reason: 'topic_name_invalid', message: bad.message };
    const d = await this.core.acl.authorizePublish(s ? s.principal : SERVER, input.topic, 'topic');
    if (conn && !conn.active) return { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };
    if (!d.allow) return denied(d);
    const qos2 = s !== null && input.qos === 2 && opts.packetId !== undefined;
    if (qos2) {
      if (s.incoming.has(opts.packetId!)) return { ok: true, matched: 0, duplicate: true };
      s.incoming.add(opts.packetId!);
      this.core.writes.push({ op: 'incoming.put', clientId: s.clientId, packetId: opts.packetId! });
    }
    return this.route(input, s);
  }

  /** PUBREL for an incoming QoS 2 packet id; false when unknown (PUBCOMP 0x92). */
  async pubrel(conn: Connection, packetId: number): Promise<boolean> {
    if (!conn.active || !conn.session.incoming.delete(packetId)) return false;
    this.core.writes.push({ op: 'incoming.delete', clientId: conn.clientId, packetId });
    await this.core.writes.settled();
    return true;
  }

  /** PUBACK from the client for an outgoing QoS 1 delivery. */
  puback(conn: Connection, packetId: number): boolean {
    return this.settleOutgoing(conn, (s) => this.out.puback(s, packetId));
  }

  /** PUBREC from the client for an outgoing QoS 2 delivery; `failed` when its reason code is ≥ 0x80. */
  pubrec(conn: Connection, packetId: number, failed = false): boolean {
    return this.settleOutgoing(conn, (s) => this.out.pubrec(s, packetId, failed));
  }

  /** PUBCOMP from the client for an outgoing QoS 2 delivery. */
  pubcomp(conn: Connection, packetId: number): boolean {
    return this.settleOutgoing(conn, (s) => this.out.pubcomp(s, packetId));
  }

  private settleOutgoing(conn: Connection, fn: (s: Session) => boolean): boolean {
    if (!conn.active) return false;
    const ok = fn(conn.session);
    this.reportDelivered();
    return ok;
  }

  private async route(input: PublishInput, from: Session | null): Promise<PublishResult> {
    const message = createMessage(input, from ? from.clientId : null, this.core.now());
    const before = this.core.writes.pushed;
    if (message.retain) {
      // §3.3.1.3: an empty payload clears the retained message; the message itself is still delivered.
      if (message.payload.length === 0) this.core.writes.push({ op: 'retained.delete', topic: message.topic });
      else this.core.writes.push({ op: 'retained.put', message });
    }
    const matched = this.router.fanout(message, from);
    this.core.stats.published++;
    this.core.metrics.published?.(matched);
    this.reportDelivered();
    if (this.core.writes.pushed !== before) await this.core.writes.settled();
    return { ok: true, matched, duplicate: false };
  }

  // ---- queues (STOMP /queue/...) --------------------------------------------------------------------

  async subscribeQueue(conn: Connection, req: QueueSubscribeRequest): Promise<SubscribeResult> {
    if (!conn.active) return { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };
    const bad = validateTopicName(req.queue, this.core.limits.topic);
    if (bad) return { ok: false, reason: 'topic_filter_invalid', message: bad.message };
    const s = conn.session;
    if (!s.subs.has(req.key) && !s.consumers.has(req.key) && s.subs.size + s.consumers.size >= this.core.limits.maxSubscriptions) {
      return { ok: false, reason: 'quota_exceeded', message: `at most ${this.core.limits.maxSubscriptions} subscriptions per session` };
    }
    const d = await this.core.acl.authorizeSubscribe(s.principal, req.queue, 'queue');
    if (!d.allow) return { ok: false, reason: d.reason === 'invalid' ? 'topic_filter_invalid' : 'not_authorized', message: d.message };
    if (!conn.active) return { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };
    const existed = s.consumers.has(req.key) || s.subs.has(req.key);
    const oldSub = s.subs.get(req.key);
    if (oldSub) this.registry.unsubscribe(s, oldSub);
    const old = s.consumers.get(req.key);
    if (old) this.queues.unsubscribe(old);
    this.queues.subscribe(s, req, d.grants);
    this.reportDelivered();
    await this.core.writes.settled();
    return { ok: true, qos: 1, existed };
  }

  /** Sends to a queue: one consumer gets it. Refused with quota_exceeded when the queue is full. */
  async send(conn: Connection | null, queue: string, input: Omit<PublishInput, 'topic'>): Promise<PublishResult> {
    const s = conn ? conn.session : null;
    if (conn && !conn.active) return { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };
    const bad = validateTopicName(queue, this.core.limits.topic);
    if (bad) return { ok: false, reason: 'topic_name_invalid', message: bad.message };
    const d = await this.core.acl.authorizePublish(s ? s.principal : SERVER, queue, 'queue');
    if (!d.allow) return denied(d);
    const message = createMessage({ ...input, topic: queue, retain: false }, s ? s.clientId : null, this.core.now());
    const r = this.queues.send(queue, message);
    if (!r.ok) return { ok: false, reason: 'quota_exceeded', message: `queue ${queue} is full` };
    this.core.stats.published++;
    this.reportDelivered();
    await this.core.writes.settled();
    return { ok: true, matched: 1, duplicate: false };
  }

  /** STOMP ACK of a queue delivery (its packetId is the tag); false when the tag is unknown. */
  ack(conn: Connection, tag: number): boolean {
    return this.settleOutgoing(conn, (s) => this.queues.ack(s, tag));
  }

  /** STOMP NACK: the message (client mode: and every earlier unacked one) goes to another consumer. */
  nack(conn: Connection, tag: number): boolean {
    return this.settleOutgoing(conn, (s) => this.queues.nack(s, tag));
  }

  /** Ready entries of a queue (not handed out); for metrics and tests. */
  queueDepth(queue: string): number {
    return this.queues.depth(queue);
  }

  // ---- revocation, time, lifecycle ------------------------------------------------------------------

  /**
   * Cuts a user's subscriptions and queue consumers whose grant matches (e.g. the group they were
   * removed from), drops what was queued for them, and tells each connected protocol session.
   * With no access/subject/namespace, cuts every subscription of the user.
   */
  revoke(req: RevokeRequest): RevokeResult[] {
    const all = req.access === undefined && req.subject === undefined && req.namespace === undefined;
    const hit = (grants: readonly AclGrant[]) =>
      all || grants.some((g) => (req.access === undefined || g.access === req.access) && (req.subject === undefined || g.subject === req.subject) && (req.namespace === undefined || g.namespace === req.namespace));
    const results: RevokeResult[] = [];
    for (const s of this.registry.ofUser(req.userId)) {
      const keys: string[] = [];
      for (const sub of [...s.subs.values()]) {
        if (!hit(sub.record.grants)) continue;
        this.registry.unsubscribe(s, sub);
        keys.push(sub.key);
      }
      for (const c of [...s.consumers.values()]) {
        if (!hit(c.grants)) continue;
        this.queues.unsubscribe(c);
        keys.push(c.key);
      }
      if (keys.length === 0) continue;
      const remaining = [...s.subs.values()];
      this.out.purge(s, (topic) => remaining.some((sub) => topicMatches(sub.inner, topic)));
      this.registry.persist(s);
      results.push({ clientId: s.clientId, keys });
      try {
        s.sink?.revoked(keys, req.reason ?? 'access revoked');
      } catch {
        this.core.drop('sink_error');
      }
    }
    this.reportDelivered();
    return results;
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

  /** Calls tick() every `intervalMs` on an unref'd timer (never keeps the process alive). */
  startTicker(intervalMs = 1000): void {
    this.stopTicker();
    this.ticker = setInterval(() => void this.tick().catch((err: unknown) => this.core.metrics.storeError?.(err)), intervalMs);
    this.ticker.unref();
  }

  stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  /**
   * Stops: every connection is told `server_shutting_down` and treated as an abnormal disconnect
   * (§3.1.2.5: wills follow their delays; persistent sessions are stored). The store stays open.
   */
  async close(): Promise<void> {
    this.stopTicker();
    for (const s of [...this.registry.sessions.values()]) {
      const conn = s.connection;
      if (!conn) continue;
      const sink = s.sink;
      await this.disconnect(conn, { publishWill: true });
      try {
        sink?.closed('server_shutting_down');
      } catch {
        this.core.drop('sink_error');
      }
    }
    await this.core.writes.settled();
  }

  stats(): BrokerStats & { sessions: number; online: number; subscriptions: number } {
    let online = 0;
    for (const s of this.registry.sessions.values()) if (s.online) online++;
    return { ...this.core.stats, dropped: { ...this.core.stats.dropped }, sessions: this.registry.sessions.size, online, subscriptions: this.router.trie.size };
  }

  session(clientId: string): SessionInfo | undefined {
    const s = this.registry.sessions.get(clientId);
    if (!s) return undefined;
    return {
      online: s.online,
      subscriptions: [...s.subs.keys(), ...s.consumers.keys()],
      queued: s.pending.length,
      inflight: s.inflight.size,
      dropped: s.dropped,
      expiresAt: s.expiresAt(NEVER_EXPIRES),
      willPending: s.willAt !== null,
    };
  }

  // ---- internals ------------------------------------------------------------------------------------

  private async find(clientId: string): Promise<Session | undefined> {
    const live = this.registry.sessions.get(clientId);
    if (live) return live;
    const load = await this.store.loadSession(clientId); // another node's, or one not restored
    if (!load) return undefined;
    return this.registry.sessions.get(clientId) ?? this.registry.hydrate(load, this.core.now());
  }

  /** §3.1.4: the old connection is told `session_taken_over` and ends abnormally (its will arms). */
  private async takeOver(s: Session, now: number): Promise<void> {
    const sink = s.sink;
    this.detach(s);
    s.disconnectedAt = now;
    for (const c of [...s.consumers.values()]) this.queues.unsubscribe(c);
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
    await this.route(input, s);
  }

  /** Ends a session: a pending will is published, subscriptions and state go (§4.1). */
  private async endSession(s: Session): Promise<void> {
    if (this.registry.sessions.get(s.clientId) !== s) return;
    if (s.willAt !== null) await this.publishWill(s);
    for (const c of [...s.consumers.values()]) this.queues.unsubscribe(c);
    this.registry.remove(s);
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

  private reportDelivered(): void {
    const d = this.core.stats.delivered - this.reported;
    if (d > 0) {
      this.reported = this.core.stats.delivered;
      this.core.metrics.delivered?.(d);
    }
  }
}

function samePrincipal(a: Actor, b: Actor): boolean {
  return a.userId === b.userId && a.server === b.server;
}

function denied(d: AclDecision & { allow: false }): PublishResult {
  return { ok: false, reason: d.reason === 'invalid' ? 'topic_name_invalid' : 'not_authorized', message: d.message };
}
