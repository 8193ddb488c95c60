// The MQTT 5 / 3.1.1 session, one per connection, the same over TCP and WebSocket (docs/dialects/dino.md):
//   awaiting_connect --CONNECT--> connecting --authenticated, broker session open, CONNACK--> live --> closed
// Packets are framed by mqtt-packet (mqtt/codec.ts) and, once live, handled one at a time in arrival
// order (handlers/). The session is the broker core's SessionSink (generic namespaces), owns an EventFeed
// (the user's event topic, from the log), and is a LiveConnection (presence, control orders).
import type { TokenInfo } from '../../gateway/auth.js';
import type { IConnectPacket, Packet } from 'mqtt-packet';
import { ANONYMOUS, type Actor } from '../../core/actor.js';
import { Fifo } from '../../broker/fifo.js';
import type { CloseReason as BrokerCloseReason, Connection as BrokerConnection, Delivery, SessionSink } from '../../broker/index.js';
import type { Connection } from '../../gateway/connection.js';
import type { CloseReason, LiveConnection, Registration } from '../../gateway/registry.js';
import type { MqttContext, MqttDeps, MqttState } from './session-context.js';
import { EVENT_STATE_KEY, EventFeed, type FeedOwner } from './event-feed.js';
import { checkConnect, connackFor, refusal } from './handlers/connect.js';
import { handle } from './handlers/index.js';
import { KeepAlive, type KeepAliveOwner } from './keep-alive.js';
import type { LocalHolder } from './local-sessions.js';
import { PacketReader, type MqttVersion, type PacketSink, type ReadError } from './mqtt/codec.js';
import { RC, connectRefusalCode } from './mqtt/reasons.js';
import { BROKER_LAST_ID, EVENT_FIRST_ID, Wire } from './wire.js';

/** Packets that may arrive while CONNECT is being checked, or wait behind a slow one, before the client is cut. */
const MAX_PENDING_PACKETS = 10_000;

export class MqttSession implements MqttContext, SessionSink, LiveConnection, LocalHolder, PacketSink, KeepAliveOwner, FeedOwner {
  readonly dialect = 'dino';
  readonly transport: string;
  state: MqttState = 'awaiting_connect';
  version: MqttVersion = 5;
  userId = 0;
  /** The token this connection authenticated with (LiveConnection: a logout of it closes us). */
  token: TokenInfo | null = null;
  principal: Actor = ANONYMOUS;
  broker: BrokerConnection | null = null;
  events: EventFeed | null = null;
  connectExpiry = 0;
  readonly wire: Wire;
  private aliases: Map<number, string> | null = null;
  private clientId = '';
  private readonly reader: PacketReader;
  private readonly pending = new Fifo<Packet>();
  private busy = false;
  private readonly keepAlive: KeepAlive;
  /** Incoming QoS 1/2 packet ids not yet acknowledged (PUBACK) or completed (PUBCOMP): the server's Receive Maximum. */
  private incoming: Set<number> | null = null;
  /** Broker deliveries (or PUBRELs to resend) waiting for room in the client's Receive Maximum. */
  private held: Fifo<Delivery | number> | null = null;
  private registration: Registration | null = null;
  /** Set by a client DISCONNECT: whether the will goes out, and a new Session Expiry Interval. */
  private goodbye: { publishWill: boolean; expiry?: number } | null = null;
  private movedAway = false;
  private problemInfo = true;

  constructor(
    readonly deps: MqttDeps,
    readonly conn: Connection,
  ) {
    this.transport = conn.transport;
    this.wire = new Wire(conn);
    // The reader and the timer call back into this session's methods (no closures: ~0.1 KB each per connection).
    this.reader = new PacketReader(deps.settings.maxPacketSize, this);
    this.keepAlive = new KeepAlive(this);
    this.keepAlive.start(deps.settings.connectTimeoutSeconds * 1000);
    conn.onFrame((data) => this.reader.feed(data));
    conn.onClose(() => this.onClosed());
  }

  get aliasesIn(): Map<number, string> {
    return (this.aliases ??= new Map());
  }

  /** KeepAliveOwner: nothing arrived in time. */
  keepAliveExpired(): void {
    if (this.state === 'live') this.fail(RC.keepAliveTimeout, 'no packet within 1.5 × the keep alive');
    else if (this.state === 'awaiting_connect' || this.state === 'connecting') this.conn.close(1002, 'no CONNECT in time');
  }

  // ---- incoming packets (PacketSink) --------------------------------------------------------------------

  onPacket(p: Packet): void {
    this.deps.host.metrics.frameReceived();
    this.keepAlive.touch();
    switch (this.state) {
      case 'awaiting_connect':
        // §3.1.0-1: the first packet must be CONNECT; anything else closes the connection.
        if (p.cmd !== 'connect') return this.conn.close(1002, 'the first packet must be CONNECT');
        this.state = 'connecting';
        this.connect(p).catch((err: unknown) => {
          this.deps.host.log.error({ err }, 'mqtt connect failed');
          if (this.state === 'connecting') this.refuse(this.version, RC.serverUnavailable, 'the server could not open the session');
        });
        return;
      case 'connecting':
      case 'live':
        if (!this.admit(p)) return;
        if (this.pending.length >= MAX_PENDING_PACKETS) return this.fail(RC.quotaExceeded, 'too many packets waiting to be handled');
        this.pending.push(p);
        if (this.state === 'live') this.pump();
        return;
      case 'closed':
        return;
    }
  }

  /** The server's Receive Maximum, counted when a QoS 1/2 PUBLISH arrives (§3.3.4): DISCONNECT 0x93 past it. */
  private admit(p: Packet): boolean {
    if (p.cmd !== 'publish' || p.qos === 0) return true;
    const id = p.messageId ?? 0;
    const set = (this.incoming ??= new Set());
    if (set.has(id)) return true;
    if (set.size >= this.deps.settings.receiveMaximum) {
      this.fail(RC.receiveMaximumExceeded, `more than ${this.deps.settings.receiveMaximum} QoS 1/2 PUBLISHes unacknowledged`);
      return false;
    }
    set.add(id);
    return true;
  }

  /** Handles waiting packets in order; an async handler holds the rest until it is done. */
  private pump(): void {
    while (!this.busy && this.state === 'live') {
      const p = this.pending.shift();
      if (p === undefined) return;
      let r: void | Promise<void>;
      try {
        r = handle(this, p);
      } catch (err) {
        this.internalError(err);
        return;
      }
      if (r !== undefined) {
        this.busy = true;
        r.then(
          () => {
            this.busy = false;
            this.pump();
          },
          (err: unknown) => this.internalError(err),
        );
      }
    }
  }

  private internalError(err: unknown): void {
    this.deps.host.log.error({ err }, 'mqtt packet handling failed');
    this.fail(RC.implementationSpecific, 'internal error');
  }

  onReadError(e: ReadError): void {
    if (e.kind === 'too_large') this.fail(RC.packetTooLarge, e.message);
    else this.fail(RC.malformed, `malformed packet: ${e.message}`);
  }

  // ---- CONNECT ------------------------------------------------------------------------------------------

  private async connect(p: IConnectPacket): Promise<void> {
    const check = await checkConnect(this.deps, p);
    if (this.state !== 'connecting' || this.conn.closed) return;
    if (!check.ok) return this.refuse(check.version, check.code, check.reason);
    const plan = check.plan;
    this.version = plan.version;
    this.wire.version = plan.version;
    this.userId = plan.userId;
    this.token = plan.token;
    this.principal = plan.principal;
    this.problemInfo = plan.requestProblemInformation;
    this.wire.problemInfo = plan.requestProblemInformation;
    this.connectExpiry = plan.sessionExpiryInterval;
    const { core } = this.deps.host.broker;
    // A takeover on this node: the old connection writes its event position into the session first.
    if (plan.clientId !== '') {
      const old = this.deps.sessions.get(plan.clientId);
      if (old !== undefined && old.userId === plan.userId) old.saveState();
    }
    const r = await core.connect({
      clientId: plan.clientId,
      principal: plan.principal,
      cleanStart: plan.cleanStart,
      sessionExpiryInterval: plan.sessionExpiryInterval,
      receiveMaximum: plan.clientReceiveMaximum,
      lastPacketId: BROKER_LAST_ID,
      will: plan.will,
      sink: this,
    });
    if (this.state !== 'connecting' || this.conn.closed) {
      if (r.ok) await core.disconnect(r.connection, { publishWill: true });
      return;
    }
    if (!r.ok) return this.refuse(plan.version, connectRefusalCode(r.reason), r.message);
    this.broker = r.connection;
    this.clientId = r.connection.clientId;
    this.deps.sessions.set(this.clientId, this);
    if (r.assignedClientId === null) this.deps.host.control.takeover(this.clientId);
    this.wire.clientReceiveMax = plan.clientReceiveMaximum;
    this.wire.clientMaxPacket = plan.clientMaxPacket;
    this.wire.aliasMax = plan.clientAliasMax;
    const events = new EventFeed(this);
    this.events = events;
    const reset = r.present ? await events.restore(r.connection.state.get(EVENT_STATE_KEY)) : null;
    if (this.state !== 'connecting' || this.conn.closed || !r.connection.active) return;
    this.send(await connackFor(this.deps, plan, { present: r.present, assigned: r.assignedClientId, reset, clientId: this.clientId }));
    this.state = 'live';
    this.registration = this.deps.host.connections.register(this);
    this.keepAlive.start(plan.keepAlive * 1500); // 1.5 × Keep Alive (§3.1.2.10); 0: none
    core.start(r.connection);
    events.start();
    this.pump();
  }

  /** CONNACK with a refusal, then close (§3.2.2.2). */
  private refuse(version: MqttVersion, code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.deps.host.log.debug({ code, reason }, 'mqtt connect refused');
    this.wire.version = version === 3 ? 4 : version;
    this.send(refusal(version, code, reason));
    this.state = 'closed';
    this.conn.close(1000, reason);
  }

  // ---- MqttContext --------------------------------------------------------------------------------------

  send(p: Packet): boolean {
    if (this.wire.packet(p)) return true;
    if (!this.conn.closed && this.wire.overflowed) this.slowConsumer();
    return false;
  }

  fail(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.deps.host.log.debug({ code, reason, userId: this.userId }, 'mqtt connection closed by the server');
    if (this.state === 'live' && this.version === 5) this.wire.packet({ cmd: 'disconnect', reasonCode: code, properties: { reasonString: reason } });
    this.state = 'closed';
    this.conn.close(1000, reason);
  }

  clientDisconnected(publishWill: boolean, sessionExpiryInterval: number | undefined): void {
    this.goodbye = { publishWill, ...(sessionExpiryInterval !== undefined ? { expiry: sessionExpiryInterval } : {}) };
    this.state = 'closed';
    this.conn.close(1000, 'client disconnected');
  }

  reasonString(text: string): { reasonString?: string } {
    return this.problemInfo ? { reasonString: text } : {};
  }

  incomingDone(_qos: 1 | 2, packetId: number): void {
    this.incoming?.delete(packetId);
  }

  puback(packetId: number): void {
    if (packetId >= EVENT_FIRST_ID) {
      if (this.events?.ack(packetId)) this.slotFree();
      return;
    }
    this.settleBroker((c) => this.deps.host.broker.core.puback(c, packetId));
  }

  pubrec(packetId: number, failed: boolean): void {
    const c = this.broker;
    if (c === null || packetId >= EVENT_FIRST_ID) return;
    if (failed) return this.settleBroker((x) => this.deps.host.broker.core.pubrec(x, packetId, true));
    if (this.deps.host.broker.core.pubrec(c, packetId)) this.send({ cmd: 'pubrel', messageId: packetId });
  }

  pubcomp(packetId: number): void {
    if (packetId >= EVENT_FIRST_ID) return;
    this.settleBroker((c) => this.deps.host.broker.core.pubcomp(c, packetId));
  }

  /** A broker QoS 1/2 exchange completed: its slot in the client's Receive Maximum is free. */
  private settleBroker(fn: (c: BrokerConnection) => boolean): void {
    const c = this.broker;
    if (c === null) return;
    // Counted free before the broker drains its queue into deliver(), which checks for room.
    this.wire.inflight--;
    if (fn(c)) this.slotFree();
    else this.wire.inflight++;
  }

  /** Held broker deliveries go first, then event frames. */
  private slotFree(): void {
    const held = this.held;
    while (held !== null && held.length > 0 && this.wire.hasRoom()) {
      const x = held.shift()!;
      if (typeof x === 'number') this.sendRelease(x);
      else this.sendDelivery(x);
    }
    if (this.wire.hasRoom()) this.events?.pump();
  }

  // ---- SessionSink (broker deliveries) ------------------------------------------------------------------

  deliver(d: Delivery): void {
    if (d.qos > 0 && ((this.held !== null && this.held.length > 0) || !this.wire.hasRoom())) {
      (this.held ??= new Fifo()).push(d);
      return;
    }
    this.sendDelivery(d);
  }

  release(packetId: number): void {
    if ((this.held !== null && this.held.length > 0) || !this.wire.hasRoom()) {
      (this.held ??= new Fifo()).push(packetId);
      return;
    }
    this.sendRelease(packetId);
  }

  private sendRelease(packetId: number): void {
    if (this.send({ cmd: 'pubrel', messageId: packetId })) this.wire.inflight++;
  }

  private sendDelivery(d: Delivery): void {
    const m = this.deps.messages;
    const shared = this.wire.plainHeaders() ? m.sharedHeader(d, this.version) : null;
    const out = this.wire.publish(shared === null ? m.publish(d, this.version, Date.now()) : NO_PUBLISH, m.payload(d.message), shared);
    if (out === 'closed') {
      if (!this.conn.closed) this.slowConsumer();
      return;
    }
    if (d.qos === 0) return;
    if (out === 'sent') this.wire.inflight++;
    // Too large for the client: the broker settles it as if sent (§3.1.2.11.4).
    else if (this.broker !== null) this.deps.host.broker.core.discard(this.broker, d.packetId);
  }

  closed(reason: BrokerCloseReason): void {
    if (reason === 'session_taken_over') this.fail(RC.sessionTakenOver, 'another connection took over this session');
    else this.fail(RC.serverShuttingDown, 'server shutting down');
  }

  revoked(keys: readonly string[], reason: string): void {
    // MQTT has no server-side unsubscribe: the subscriptions are gone, the connection stays (docs/dialects/dino.md).
    this.deps.host.log.debug({ userId: this.userId, keys, reason }, 'mqtt subscriptions revoked');
  }

  // ---- LiveConnection / LocalHolder ---------------------------------------------------------------------

  close(reason: CloseReason, message: string): void {
    if (reason === 'shutdown') this.fail(RC.serverShuttingDown, message || 'server shutting down');
    else this.fail(RC.notAuthorized, message || 'access revoked');
  }

  saveState(): void {
    const c = this.broker;
    if (c === null || !c.active || this.events === null) return;
    this.deps.host.broker.core.setState(c, EVENT_STATE_KEY, this.events.snapshot()).catch((err: unknown) => this.deps.host.log.error({ err }, 'saving the mqtt event position failed'));
  }

  takenOverElsewhere(): void {
    this.movedAway = true;
    this.fail(RC.sessionTakenOver, 'another connection took over this session');
  }

  // ---- the end ------------------------------------------------------------------------------------------

  /** The outgoing buffer filled (also the EventFeed's FeedOwner.slowConsumer). */
  slowConsumer(): void {
    this.deps.host.metrics.slowConsumer();
    this.state = 'closed';
    this.conn.terminate();
  }

  private onClosed(): void {
    this.state = 'closed';
    this.keepAlive.stop();
    this.registration?.unregister();
    this.registration = null;
    if (this.clientId !== '') this.deps.sessions.delete(this.clientId, this);
    const events = this.events;
    const c = this.broker;
    if (c === null || !c.active) {
      events?.close();
      return;
    }
    const core = this.deps.host.broker.core;
    const snapshot = events === null || this.movedAway ? null : events.snapshot();
    events?.close();
    const goodbye = this.goodbye;
    void (async () => {
      if (snapshot !== null) await core.setState(c, EVENT_STATE_KEY, snapshot);
      if (this.movedAway) await core.disconnect(c, { publishWill: false, sessionExpiryInterval: 0 });
      else await core.disconnect(c, { publishWill: goodbye === null ? true : goodbye.publishWill, ...(goodbye?.expiry !== undefined ? { sessionExpiryInterval: goodbye.expiry } : {}) });
    })().catch((err: unknown) => this.deps.host.log.error({ err }, 'closing the mqtt session failed'));
  }
}

/** Placeholder when the shared header is used (the topic and flags are already in it). */
const NO_PUBLISH = { topic: '', qos: 0, retain: false, dup: false, packetId: 0 } as const;
