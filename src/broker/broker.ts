// The Broker facade: what the MQTT and STOMP protocol sessions call. It owns no network code and
// no framing; every call takes the Connection handle that connect() returned, and deliveries come
// back through that connection's SessionSink. Timing is driven by tick(now) (or an unref'd ticker).
import {
  NEVER_EXPIRES,
  type ConnectRequest,
  type DisconnectOptions,
  type PublishResult,
  type QueueSubscribeRequest,
  type RevokeRequest,
  type RevokeResult,
  type SubscribeRequest,
  type SubscribeResult,
} from './api.js';
import { Core, type BrokerStats } from './core.js';
import type { BrokerMessage, PublishInput } from './message.js';
import type { BrokerOptions } from './options.js';
import { Outbound } from './outbound.js';
import { Queues } from './queues.js';
import { Registry } from './registry.js';
import { Lifecycle, type ConnectResult } from './lifecycle.js';
import { Publishing } from './publishing.js';
import { revokeGrants } from './revocation.js';
import { Subscriptions, type SubscribeOutcome } from './subscriptions.js';
import { Router } from './router.js';
import { Connection, Session } from './session.js';
import type { BrokerStore } from './store.js';

export interface SessionInfo {
  readonly online: boolean;
  readonly subscriptions: readonly string[];
  readonly queued: number;
  readonly inflight: number;
  readonly dropped: number;
  readonly expiresAt: number | null;
  readonly willPending: boolean;
}

export class Broker {
  private readonly core: Core;
  private readonly store: BrokerStore;
  private readonly out: Outbound;
  private readonly router: Router;
  private readonly queues: Queues;
  private readonly registry: Registry;
  private readonly lifecycle: Lifecycle;
  private readonly subs: Subscriptions;
  private readonly publishing: Publishing;
  private ticker: NodeJS.Timeout | null = null;
  private reported = 0;
  private readonly queueRoute: BrokerOptions['queueRoute'];

  constructor(opts: BrokerOptions) {
    this.core = new Core(opts);
    this.store = opts.store;
    this.out = new Outbound(this.core);
    this.router = new Router(this.out);
    this.queueRoute = opts.queueRoute;
    this.queues = new Queues(this.core, opts.queueRoute ? (q, on) => opts.queueRoute!.serving(q, on) : undefined);
    this.registry = new Registry(this.core, this.router);
    this.subs = new Subscriptions(this.core, this.store, this.registry, this.router, this.queues, () => this.reportDelivered());
    this.publishing = new Publishing(this.core, this.router, this.queues, opts.relay, opts.sharedStore === true, opts.queueRoute, () => this.reportDelivered());
    this.lifecycle = new Lifecycle(this.core, this.store, this.registry, this.queues, (input, from) => this.publishing.route(input, from), opts.assignClientId);
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
  connect(req: ConnectRequest): Promise<ConnectResult> {
    return this.lifecycle.connect(req);
  }

  /**
   * Another node of the cluster took this session over (its client reconnected there; the store is
   * shared): drop it from this node without writing anything, so a late call from the old connection
   * cannot touch what the new holder wrote. The protocol session closes its connection itself.
   */
  forget(clientId: string): boolean {
    const s = this.registry.sessions.get(clientId);
    if (!s) return false;
    s.connection = null;
    s.sink = null;
    s.started = false;
    for (const c of [...s.consumers.values()]) this.queues.unsubscribe(c);
    this.registry.drop(s);
    return true;
  }

  /** Sessions of a dead node this node now holds (see Lifecycle.adopt). */
  async adopt(clientIds: readonly string[]): Promise<void> {
    for (const id of clientIds) await this.lifecycle.adopt(id);
  }

  /** A store shared with other nodes: continue the broker-wide sequence above everything stored. */
  async seedSequence(): Promise<void> {
    this.core.seedSequence(await this.store.maxSequence());
  }

  /** The protocol session has sent CONNACK / CONNECTED: resend in-flight (DUP), drain, dispatch. */
  start(conn: Connection): void {
    if (!conn.active) return;
    this.out.start(conn.session);
    this.queues.resume(conn.session);
    this.reportDelivered();
  }

  /** The connection is gone: its queue consumers end, its will follows `publishWill` and the delay, the session lives on per its expiry. */
  async disconnect(conn: Connection, opts: DisconnectOptions): Promise<void> {
    await this.lifecycle.disconnect(conn, opts);
    this.reportDelivered();
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

  /** SUBSCRIBE: per request, granted QoS or a refusal; retained messages follow via deliverRetained() (after SUBACK). */
  subscribe(conn: Connection, reqs: readonly SubscribeRequest[]): Promise<SubscribeOutcome> {
    return this.subs.subscribe(conn, reqs);
  }

  /** A STOMP SUBSCRIBE to a queue; the key is the STOMP subscription id. */
  subscribeQueue(conn: Connection, req: QueueSubscribeRequest): Promise<SubscribeResult> {
    return this.subs.subscribeQueue(conn, req);
  }

  /** Removes subscriptions or queue consumers by key; true where one existed (MQTT 0x00 vs 0x11). */
  unsubscribe(conn: Connection, keys: readonly string[]): Promise<boolean[]> {
    return this.subs.unsubscribe(conn, keys);
  }

  // ---- publishing -----------------------------------------------------------------------------------

  /**
   * Publishes to the trie. `conn` null: the server publishes (no session, no No Local). For QoS 2
   * give the PUBLISH packet id: a repeat before pubrel() is reported `duplicate` and not delivered
   * again (§4.3.3). Resolves once the store holds what the publish changed (then PUBACK / PUBREC).
   */
  publish(conn: Connection | null, input: PublishInput, opts: { packetId?: number } = {}): Promise<PublishResult> {
    return this.publishing.publish(conn, input, opts);
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

  /**
   * The protocol session dropped this QoS 1/2 delivery unsent (too large for the client's Maximum
   * Packet Size, §3.1.2.11.4): the broker behaves as if it had completed. May be called from
   * inside SessionSink.deliver.
   */
  discard(conn: Connection, packetId: number): boolean {
    return this.settleOutgoing(conn, (s) => this.out.discard(s, packetId));
  }

  private settleOutgoing(conn: Connection, fn: (s: Session) => boolean): boolean {
    if (!conn.active) return false;
    const ok = fn(conn.session);
    this.reportDelivered();
    return ok;
  }

  /**
   * A message published on another node of the cluster (the bus relay): routed to this node's
   * subscribers as a server publish, and kept as this node's retained copy when it is one.
   */
  deliverRemote(message: BrokerMessage): Promise<number> {
    return this.publishing.deliverRemote(message);
  }

  // ---- queues (STOMP /queue/...) --------------------------------------------------------------------

  /** Sends to a queue: one consumer gets it. Refused with quota_exceeded when the queue is full. */
  send(conn: Connection | null, queue: string, input: Omit<PublishInput, 'topic'>): Promise<PublishResult> {
    return this.publishing.send(conn, queue, input);
  }

  /** A queue message another node handed over (QueueRouter.serve): taken only while this node has consumers. */
  acceptQueued(queue: string, message: BrokerMessage): boolean {
    return this.publishing.acceptQueued(queue, message);
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
    const results = revokeGrants(this.core, this.registry, this.queues, this.out, req);
    this.reportDelivered();
    return results;
  }

  /** Publishes due delayed wills and ends expired sessions (§3.1.2.11.2, §3.1.3.2.2). */
  async tick(now: number = this.core.now()): Promise<void> {
    await this.lifecycle.tick(now);
    if (this.queueRoute) await this.queues.forwardStranded(this.queueRoute.offer);
    this.reportDelivered();
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

  private reportDelivered(): void {
    const d = this.core.stats.delivered - this.reported;
    if (d > 0) {
      this.reported = this.core.stats.delivered;
      this.core.metrics.delivered?.(d);
    }
  }
}
