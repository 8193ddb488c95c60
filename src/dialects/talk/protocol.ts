// The STOMP 1.2 session, one per WebSocket or TCP connection (docs/dialects/talk-and-travel.md):
//   awaiting_connect --CONNECT/STOMP--> connecting --credentials ok--> connected --DISCONNECT--> closing --> closed
// Bytes go through one incremental parser (several frames per message, a frame split across messages);
// frames are handled one at a time, in order, by handlers/ (one per frame). A protocol violation is an
// ERROR frame and the end of the connection; a refused chat command is a message on /user/queue/errors.
import type { TokenInfo } from '../../gateway/auth.js';
import { asUser, type Actor } from '../../core/actor.js';
import { HeraldError } from '../../core/errors.js';
import type { CloseReason as BrokerCloseReason, Connection as BrokerConnection, Delivery, SessionSink } from '../../broker/index.js';
import type { Connection } from '../../gateway/connection.js';
import type { CloseReason, LiveConnection, Registration } from '../../gateway/registry.js';
import { StompError, type SessionContext, type TalkDeps } from './session-context.js';
import { reportError } from './errors.js';
import { negotiate, type ConnectTerms } from './handlers/connect.js';
import { HANDLERS, applyFrame } from './handlers/index.js';
import { Heartbeats } from './heartbeat.js';
import { CLIENT_COMMANDS, COMMANDS_WITH_BODY, StompParser, type StompFrame, type StompVersion } from './stomp-codec.js';
import { Subscriptions } from './subscriptions.js';
import { Transactions } from './transactions.js';
import { StompWriter } from './writer.js';

export type StompState = 'awaiting_connect' | 'connecting' | 'connected' | 'closing' | 'closed';

/** WebSocket close codes after an ERROR frame or a server-side end (TCP has none). */
export const STOMP_CLOSE = {
  disconnected: 1000,
  shutdown: 1001,
  protocol_error: 1002,
  /** Bad credentials, a revoked user, a slow consumer. */
  policy: 1008,
  internal: 1011,
} as const;

export const SERVER_NAME = 'Herald/0.1.0';

export class StompSession implements SessionContext, LiveConnection, SessionSink {
  readonly dialect = 'talk';
  readonly transport: string;
  state: StompState = 'awaiting_connect';
  userId = 0;
  /** The token this connection authenticated with (LiveConnection: a logout of it closes us). */
  token: TokenInfo | null = null;
  actor: Actor = asUser(0);
  version: StompVersion = '1.2';
  readonly subs = new Subscriptions();
  readonly transactions: Transactions;
  readonly writer: StompWriter;
  private brokerConnection: BrokerConnection | null = null;
  private readonly parser: StompParser;
  private readonly heartbeats: Heartbeats;
  private registration: Registration | null = null;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly connectTimer: NodeJS.Timeout;

  constructor(
    readonly deps: TalkDeps,
    private readonly conn: Connection,
  ) {
    this.transport = conn.transport;
    const s = deps.settings;
    this.transactions = new Transactions(s.maxTransactions, s.maxTransactionFrames);
    this.writer = new StompWriter(conn, () => this.slowConsumer());
    this.heartbeats = new Heartbeats(this.writer, (ms) => this.fail(new StompError('heart-beat timeout', `nothing received for ${2 * ms} ms`), undefined, STOMP_CLOSE.policy));
    this.parser = new StompParser({ frame: (f) => this.onFrame(f) }, s.limits);
    this.connectTimer = setTimeout(() => {
      if (this.state === 'awaiting_connect' || this.state === 'connecting') this.fail(new StompError('no CONNECT', `send CONNECT within ${s.connectTimeoutMs} ms`), undefined, STOMP_CLOSE.policy);
    }, s.connectTimeoutMs);
    this.connectTimer.unref();
    conn.onFrame((data) => this.onData(data));
    conn.onClose(() => this.onClosed());
  }

  get stopped(): boolean {
    return this.state === 'closing' || this.state === 'closed' || this.conn.closed;
  }

  get broker(): BrokerConnection {
    if (this.brokerConnection === null) throw new Error('the session is not connected');
    return this.brokerConnection;
  }

  // ---- input ------------------------------------------------------------------------------------------

  private onData(data: Buffer): void {
    this.heartbeats.activity();
    if (this.stopped) return;
    const err = this.parser.push(data);
    if (err !== null) this.fail(new StompError(`malformed frame (${err.code})`, err.message));
  }

  /** Synchronously from the parser, so the version agreed at CONNECT applies to the frames after it. */
  private onFrame(f: StompFrame): void {
    this.deps.host.metrics.frameReceived();
    if (this.stopped) return;
    if (this.state === 'awaiting_connect') return this.onConnect(f);
    if (++this.pending > this.deps.settings.maxPendingFrames) {
      return this.fail(new StompError('too many frames waiting', `at most ${this.deps.settings.maxPendingFrames} frames may wait to be handled`), f.headers.receipt, STOMP_CLOSE.policy);
    }
    this.chain = this.chain
      .then(() => this.handle(f))
      .catch((err: unknown) => this.deps.host.log.error({ err }, 'stomp frame failed'))
      .finally(() => this.pending--);
  }

  private onConnect(f: StompFrame): void {
    if (f.command !== 'CONNECT' && f.command !== 'STOMP') {
      return this.fail(new StompError('not connected', `the first frame must be CONNECT or STOMP, got ${f.command}`), f.headers.receipt);
    }
    let terms: ConnectTerms;
    try {
      terms = negotiate(f, this.deps.settings.heartbeatMs);
    } catch (e) {
      return this.fail(e instanceof StompError ? e : new StompError('invalid CONNECT'), undefined, STOMP_CLOSE.policy);
    }
    this.state = 'connecting';
    this.version = this.writer.version = terms.version;
    this.parser.setVersion(terms.version);
    // Frames pipelined after CONNECT wait for it on the chain.
    this.chain = this.connect(terms).catch((err: unknown) => {
      this.deps.host.log.error({ err }, 'stomp connect failed');
      this.fail(new StompError('internal error', 'could not start the session'), undefined, STOMP_CLOSE.internal);
    });
  }

  private async connect(t: ConnectTerms): Promise<void> {
    const host = this.deps.host;
    try {
      const principal = await host.authenticate(t.credentials);
      this.userId = principal.actor.userId!;
      this.token = principal.token;
    } catch (e) {
      const detail = e instanceof HeraldError ? e.message : 'invalid credentials';
      return this.fail(new StompError('authentication failed', detail), undefined, STOMP_CLOSE.policy);
    }
    if (this.stopped) return;
    this.actor = asUser(this.userId);
    // A clean broker session per connection; one MESSAGE per matching subscription (docs/broker.md).
    const r = await host.broker.core.connect({ clientId: '', principal: this.actor, cleanStart: true, sessionExpiryInterval: 0, sink: this, overlap: 'each' });
    if (!r.ok) return this.fail(new StompError('server unavailable', r.message), undefined, STOMP_CLOSE.internal);
    this.brokerConnection = r.connection;
    if (this.stopped) return void host.broker.core.disconnect(r.connection, { publishWill: false });
    clearTimeout(this.connectTimer);
    this.registration = host.connections.register(this);
    this.state = 'connected';
    this.writer.frame('CONNECTED', { version: t.version, 'heart-beat': t.serverHeartbeat, server: SERVER_NAME, session: r.connection.clientId, 'user-name': String(this.userId) });
    this.heartbeats.start(t.heartbeat);
    host.broker.core.start(r.connection);
  }

  private async handle(f: StompFrame): Promise<void> {
    if (this.state !== 'connected') return;
    const receipt = f.headers.receipt;
    const handler = Object.hasOwn(HANDLERS, f.command) ? HANDLERS[f.command] : undefined;
    if (handler === undefined) {
      return this.fail(new StompError(CLIENT_COMMANDS.has(f.command) ? `${f.command} is not allowed now` : `unknown command ${f.command.slice(0, 32)}`), receipt);
    }
    if (f.body.length > 0 && !COMMANDS_WITH_BODY.has(f.command)) return this.fail(new StompError(`a ${f.command} frame has no body`), receipt);
    try {
      await handler(this, f);
    } catch (e) {
      if (e instanceof StompError) return this.fail(e, receipt);
      this.deps.host.log.error({ err: e, command: f.command }, 'stomp handler failed');
      return this.fail(new StompError('internal error', `the server could not process this ${f.command}`), receipt, STOMP_CLOSE.internal);
    }
    if (f.command !== 'DISCONNECT' && this.state === 'connected') this.writer.receipt(receipt);
  }

  apply(f: StompFrame): Promise<void> {
    return Promise.resolve(applyFrame(this, f));
  }

  // ---- ending -----------------------------------------------------------------------------------------

  /** ERROR (with the offending frame's receipt) and close: only this connection ends. */
  private fail(e: StompError, receipt?: string, code: number = STOMP_CLOSE.protocol_error): void {
    if (this.stopped) return;
    this.deps.host.log.debug({ userId: this.userId, message: e.message, detail: e.detail }, 'stomp error');
    this.writer.error(e.message, e.detail, receipt, e.headers);
    this.state = 'closing';
    this.conn.close(code, e.message);
  }

  disconnect(receipt: string | undefined): void {
    this.writer.receipt(receipt);
    this.state = 'closing';
    this.conn.close(STOMP_CLOSE.disconnected, 'disconnected');
  }

  private slowConsumer(): void {
    if (this.stopped) return;
    this.deps.host.metrics.slowConsumer();
    this.state = 'closing';
    this.conn.close(STOMP_CLOSE.policy, 'outgoing buffer full: reconnect and resume (x-herald-resume)');
  }

  private onClosed(): void {
    this.state = 'closed';
    clearTimeout(this.connectTimer);
    this.heartbeats.stop();
    this.transactions.clear();
    this.subs.closeAll();
    this.registration?.unregister();
    const bc = this.brokerConnection;
    // Unacknowledged queue messages go back to their queue, flagged redelivered.
    if (bc !== null) this.deps.host.broker.core.disconnect(bc, { publishWill: false }).catch((err: unknown) => this.deps.host.log.error({ err }, 'broker disconnect failed'));
  }

  // ---- LiveConnection (control orders) ----------------------------------------------------------------

  close(reason: CloseReason, message: string): void {
    if (reason === 'shutdown') this.fail(new StompError('server shutting down', message || 'reconnect and resume'), undefined, STOMP_CLOSE.shutdown);
    else this.fail(new StompError('connection closed by the server', message), undefined, STOMP_CLOSE.policy);
  }

  // ---- SessionSink (the broker core) ------------------------------------------------------------------

  deliver(d: Delivery): void {
    const sub = this.subs.get(d.key);
    if (sub === undefined || (sub.kind !== 'topic' && sub.kind !== 'queue') || this.stopped) return;
    const client = sub.ack !== 'auto';
    const id = this.writer.delivery(d, sub.head, client);
    if (client && d.kind === 'queue') this.subs.track(sub, id, d.packetId);
  }

  release(): void {
    // QoS 2 is MQTT's: STOMP subscriptions are QoS 0.
  }

  closed(reason: BrokerCloseReason): void {
    this.fail(new StompError(reason === 'server_shutting_down' ? 'server shutting down' : 'session taken over'), undefined, STOMP_CLOSE.shutdown);
  }

  revoked(keys: readonly string[], reason: string): void {
    for (const k of keys) this.subs.remove(k);
    reportError(this.subs, this.writer, { code: 'subscription_revoked', message: reason, subscriptions: [...keys] });
  }
}
