// HeraldClient: one logical session with Herald's native protocol over any number of connections.
// It reconnects with backoff and jitter, resumes from the last position and epoch (dropping anything at or
// below it, so each event is delivered once), reports resets, falls back to SSE + REST when WebSocket
// cannot connect, refreshes tokens, and turns commands into promises settled by command.ack/command.error.
import { backoffDelay, backoffOptions, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import type { ClientOptions, ClientState, ClientStats } from './options.js';
import { AuthError, CommandError } from './errors.js';
import { HeraldRest } from './rest.js';
import { findWebSocket, openSse, openWebSocket, parseFrame, type CloseInfo, type Transport, type TransportKind } from './transports.js';
import type { CommandInput, CommandName, CommandResult, EventOfType, HeraldEventFrame, Reset, ServerErrorCode, Welcome } from './types.js';

interface Pending {
  type: CommandName;
  data: unknown;
  requestId: number;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class HeraldClient {
  readonly rest: HeraldRest;
  state: ClientState = 'idle';
  /** The last position delivered (or where the feed started): the next connection resumes from it. */
  position: number | null = null;
  epoch: string | null = null;
  readonly stats: ClientStats = { connections: 0, duplicates: 0, resets: 0, transport: null };

  private token: string;
  private mode: TransportKind;
  private readonly backoff: BackoffOptions;
  private conn: Transport | null = null;
  private welcome: Welcome | null = null;
  private attempt = 0;
  private wsFailures = 0;
  /** When `auto` fell back to SSE (0: it has not). */
  private fellBackAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private lastSeen = 0;
  private nextRequestId = 1;
  private readonly queue: Pending[] = [];
  private readonly inflight = new Map<number, Pending>();
  /** Events held while reset handlers reload state (a reset handler may return a promise). */
  private held: HeraldEventFrame[] | null = null;
  // A throwing handler must not stop delivery to the others or break the session: its error goes to onError.
  private readonly events = new Emitter((err, key) => key !== 'error' && this.events.emit('error', err));
  private firstWelcome: { resolve(w: Welcome): void; reject(e: Error): void } | null = null;

  constructor(private readonly o: ClientOptions) {
    this.token = o.token;
    this.mode = o.transport === 'sse' ? 'sse' : 'websocket';
    this.backoff = backoffOptions(o.backoff);
    if (o.resumeFrom) {
      this.position = o.resumeFrom.position;
      this.epoch = o.resumeFrom.epoch;
    }
    this.rest = new HeraldRest({ url: o.url, token: () => this.token, refresh: () => this.refresh('unauthenticated'), fetch: o.fetch });
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------
  /** Starts the session; resolves at the first `session.welcome`, rejects with AuthError if the token is refused for good. */
  connect(): Promise<Welcome> {
    if (this.state !== 'idle') return Promise.reject(new Error(`connect() called in state ${this.state}`));
    const p = new Promise<Welcome>((resolve, reject) => (this.firstWelcome = { resolve, reject }));
    this.setState('connecting');
    void this.open();
    return p;
  }

  /** Ends the session: no reconnect; unsent and unanswered commands reject with `closed`. */
  close(): void {
    if (this.isClosed()) return;
    this.shutdown(null);
  }

  /** Replaces the token (used from the next connection and REST call on). */
  setToken(token: string): void {
    this.token = token;
  }

  get transport(): TransportKind | null {
    return this.conn?.kind ?? null;
  }

  // ---- events -------------------------------------------------------------------------------------------
  /** Events of one type, typed by it; returns an unsubscribe function. */
  on<T extends HeraldEventFrame['type']>(type: T, fn: (event: EventOfType<T>) => void): () => void {
    return this.events.on(`event:${type}`, fn as (v: never) => void);
  }

  /** Every event (persistent and ephemeral), once each, in order. */
  onEvent(fn: (event: HeraldEventFrame) => void): () => void {
    return this.events.on('event', fn as (v: never) => void);
  }

  /**
   * The server could not resume (position too old, ahead, other epoch): reload state over REST. Events
   * that arrive meanwhile are held until the promise the handler returns settles.
   */
  onReset(fn: (reset: Reset) => void | Promise<void>): () => void {
    return this.events.on('reset', fn as (v: never) => void);
  }

  onState(fn: (state: ClientState) => void): () => void {
    return this.events.on('state', fn as (v: never) => void);
  }

  /** Errors that stop the client (AuthError) and handler exceptions. */
  onError(fn: (err: Error) => void): () => void {
    return this.events.on('error', fn as (v: never) => void);
  }

  // ---- commands -----------------------------------------------------------------------------------------
  /**
   * Sends a native command; resolves with `command.ack`'s result, rejects with CommandError. Commands sent
   * while reconnecting wait for the connection (within their timeout); over SSE they go through REST.
   */
  send<C extends CommandName>(type: C, data: CommandInput<C>, opts: { timeoutMs?: number } = {}): Promise<CommandResult<C>> {
    if (this.isClosed()) return Promise.reject(new CommandError('closed', 'the client is closed', type));
    return new Promise<CommandResult<C>>((resolve, reject) => {
      const requestId = this.nextRequestId++;
      const ms = opts.timeoutMs ?? this.o.commandTimeoutMs ?? 10_000;
      const p: Pending = {
        type,
        data,
        requestId,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: setTimeout(() => this.settle(p, new CommandError('timeout', `no answer to ${type} within ${ms} ms`, type, requestId)), ms),
      };
      this.queue.push(p);
      this.flush();
    });
  }

  private flush(): void {
    if (this.state !== 'open' || this.conn === null) return;
    while (this.queue.length) {
      const p = this.queue.shift()!;
      if (this.conn.kind === 'sse') {
        this.rest.command(p.type, p.data as never).then(
          (r) => this.settle(p, null, r),
          (e: unknown) => this.settle(p, CommandError.fromRest(e, p.type, p.requestId)),
        );
        continue;
      }
      this.inflight.set(p.requestId, p);
      if (!this.conn.send(JSON.stringify({ type: p.type, request_id: p.requestId, data: p.data }))) {
        this.inflight.delete(p.requestId);
        this.queue.unshift(p);
        return;
      }
    }
  }

  private settle(p: Pending, err: Error | null, result?: unknown): void {
    clearTimeout(p.timer);
    const i = this.queue.indexOf(p);
    if (i >= 0) this.queue.splice(i, 1);
    this.inflight.delete(p.requestId);
    if (err) p.reject(err);
    else p.resolve(result);
  }

  // ---- connections --------------------------------------------------------------------------------------
  private async open(): Promise<void> {
    this.retryTimer = null;
    if (this.isClosed()) return;
    let transport: Transport | null = null;
    const handlers = {
      text: (t: string) => this.conn === transport && this.frame(t),
      alive: () => (this.lastSeen = Date.now()),
      closed: (info: CloseInfo) => this.conn === transport && void this.dropped(info),
    };
    if (this.mode === 'websocket') {
      const Ctor = await findWebSocket(this.o.WebSocket);
      if (this.isClosed()) return;
      if (Ctor === null) this.mode = 'sse';
      else transport = this.conn = openWebSocket(Ctor, this.url('ws', '/api/v1/ws', { access_token: this.token, resume: this.position, epoch: this.epoch }), handlers);
    }
    if (this.mode === 'sse') {
      transport = this.conn = openSse(this.o.fetch ?? ((i, init) => fetch(i, init)), this.url('http', '/api/v1/events', { last_event_id: this.position, epoch: this.epoch }), this.token, handlers);
    }
    const ms = this.o.connectTimeoutMs ?? 15_000;
    this.connectTimer = setTimeout(() => this.conn?.close(), ms);
  }

  private url(scheme: 'ws' | 'http', path: string, q: Record<string, string | number | null>): string {
    const base = this.o.url.replace(/\/+$/, '');
    const b = scheme === 'ws' ? base.replace(/^http/, 'ws') : base;
    const qs = Object.entries(q)
      .filter((e): e is [string, string | number] => e[1] !== null)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&');
    return `${b}${path}${qs ? `?${qs}` : ''}`;
  }

  /** One server envelope. */
  private frame(text: string): void {
    const f = parseFrame(text);
    if (f === null) return; // not a Herald envelope: ignore rather than break the session
    const data = (f.data ?? {}) as Record<string, unknown>;
    if (f.type === 'session.welcome') return this.welcomed(data as unknown as Welcome);
    if (f.type === 'session.reset') return this.reset(data as unknown as Reset);
    if (f.type === 'command.ack' || f.type === 'command.error') return this.answer(f.type, data);
    const id = typeof f.id === 'number' ? f.id : null;
    if (id !== null) {
      // Positions only grow for a user: one at or below what was delivered is a repeat.
      if (this.position !== null && id <= this.position) {
        this.stats.duplicates++;
        return;
      }
      this.position = id;
    }
    const ev = f as unknown as HeraldEventFrame;
    if (this.held) this.held.push(ev);
    else this.emitEvent(ev);
  }

  private welcomed(w: Welcome): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.welcome = w;
    this.epoch = w.epoch;
    if (this.position === null) this.position = w.position;
    this.attempt = 0;
    this.wsFailures = 0;
    this.stats.connections++;
    this.stats.transport = this.conn?.kind ?? null;
    this.setState('open');
    this.startWatchdog(w.heartbeat_seconds);
    this.firstWelcome?.resolve(w);
    this.firstWelcome = null;
    this.flush();
  }

  private reset(r: Reset): void {
    // The session goes on live from the reset position (even a lower one: another epoch's log).
    this.position = r.position;
    this.stats.resets++;
    const handlers = this.events.listeners('reset') as unknown as ((r: Reset) => void | Promise<void>)[];
    const held: HeraldEventFrame[] = (this.held ??= []);
    const release = () => {
      if (this.held !== held) return;
      this.held = null;
      for (const ev of held) this.emitEvent(ev);
    };
    Promise.allSettled(handlers.map((h) => Promise.resolve().then(() => h(r)))).then((results) => {
      for (const x of results) if (x.status === 'rejected') this.events.emit('error', x.reason instanceof Error ? x.reason : new Error(String(x.reason)));
      release();
    });
  }

  private answer(type: 'command.ack' | 'command.error', data: Record<string, unknown>): void {
    const id = data.request_id;
    const p = typeof id === 'number' ? this.inflight.get(id) : undefined;
    if (!p) return; // a late answer to a timed-out command, or the watchdog's ping
    if (type === 'command.ack') this.settle(p, null, data.result);
    else this.settle(p, new CommandError((data.code as ServerErrorCode) ?? 'internal', String(data.message ?? 'command failed'), p.type, p.requestId));
  }

  private async dropped(info: CloseInfo): Promise<void> {
    this.conn = null;
    this.stopWatchdog();
    if (this.connectTimer) clearTimeout(this.connectTimer);
    // Sent but unanswered: it may or may not have run; not resent, so nothing is done twice.
    for (const p of [...this.inflight.values()]) this.settle(p, new CommandError('disconnected', `the connection dropped before ${p.type} was answered`, p.type, p.requestId));
    if (this.isClosed()) return;
    const welcomed = this.welcome !== null;
    this.welcome = null;
    this.setState(this.stats.connections === 0 ? 'connecting' : 'reconnecting');

    if (info.code === 4009 || info.status === 401) {
      const fresh = await this.refresh(info.code === 4009 ? 'revoked' : 'unauthenticated');
      if (fresh === null) return this.shutdown(new AuthError(info.code === 4009 ? 'revoked' : 'unauthenticated', info.reason || 'the server refused the token'));
    } else if (!welcomed && info.status === undefined && this.mode === 'websocket' && !info.opened) {
      // A browser cannot see why an upgrade failed: ask the HTTP API whether it is the token or the path.
      const probe = await this.probe();
      if (this.isClosed()) return;
      if (probe === 401) {
        const fresh = await this.refresh('unauthenticated');
        if (fresh === null) return this.shutdown(new AuthError('unauthenticated', 'the server refused the token'));
      } else if (probe !== null && probe < 500) {
        this.wsFailures++;
        if ((this.o.transport ?? 'auto') === 'auto' && this.wsFailures >= (this.o.fallbackAfter ?? 2)) {
          this.mode = 'sse';
          this.fellBackAt = Date.now();
        }
      }
    }
    if (this.isClosed()) return;
    // After a while on the fallback, the next connection tries WebSocket again (the proxy may be gone).
    if (this.mode === 'sse' && this.fellBackAt > 0 && Date.now() - this.fellBackAt >= (this.o.retryWebSocketAfterMs ?? 300_000)) {
      this.mode = 'websocket';
      this.fellBackAt = 0;
      this.wsFailures = 0;
    }
    const delay = backoffDelay(welcomed ? 0 : this.attempt, this.backoff, this.o.random);
    this.attempt = welcomed ? 1 : this.attempt + 1;
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }

  /** The HTTP status of `GET /api/v1/me` with the token, or null when the server cannot be reached. */
  private async probe(): Promise<number | null> {
    try {
      const f = this.o.fetch ?? ((i, init) => fetch(i, init));
      const res = await f(`${this.o.url.replace(/\/+$/, '')}/api/v1/me`, { headers: { authorization: `Bearer ${this.token}` } });
      await res.body?.cancel().catch(() => undefined);
      return res.status;
    } catch {
      return null;
    }
  }

  private refreshing: Promise<string | null> | null = null;

  /** One refresh at a time, shared by the socket and REST calls. */
  private refresh(reason: 'unauthenticated' | 'revoked'): Promise<string | null> {
    const cb = this.o.refreshToken;
    if (!cb) return Promise.resolve(null);
    this.refreshing ??= Promise.resolve()
      .then(() => cb(reason))
      .then(
        (t) => {
          if (t) this.token = t;
          return t || null;
        },
        () => null,
      )
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** WebSocket: a `ping` when quiet for a heartbeat; any transport: closed and resumed when quiet for three. */
  private startWatchdog(heartbeatSeconds: number): void {
    this.stopWatchdog();
    const hb = Math.max(1, heartbeatSeconds) * 1000;
    this.lastSeen = Date.now();
    this.watchdog = setInterval(() => {
      const quiet = Date.now() - this.lastSeen;
      if (quiet > 3 * hb) this.conn?.close();
      else if (quiet > hb) this.conn?.send(JSON.stringify({ type: 'ping', request_id: 'heartbeat', data: {} }));
    }, hb);
    (this.watchdog as { unref?: () => void }).unref?.();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private shutdown(err: Error | null): void {
    this.setState('closed');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.stopWatchdog();
    const c = this.conn;
    this.conn = null;
    c?.close();
    for (const p of [...this.queue, ...this.inflight.values()]) this.settle(p, new CommandError('closed', 'the client was closed', p.type, p.requestId));
    if (err) this.events.emit('error', err);
    this.firstWelcome?.reject(err ?? new Error('closed before the first welcome'));
    this.firstWelcome = null;
  }

  private emitEvent(ev: HeraldEventFrame): void {
    this.events.emit(`event:${ev.type}`, ev);
    this.events.emit('event', ev);
  }

  /** A method, not a comparison, because `close()` may run during any await. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private setState(s: ClientState): void {
    if (this.state === s) return;
    this.state = s;
    this.events.emit('state', s);
  }
}
