// The AirSend RTM session, one per WebSocket connection (docs/dialects/airsend.md):
//   awaiting_auth --first frame ws_auth--> authenticating --token ok--> live --> closed
// Anything else first, a bad token, or no ws_auth within one heartbeat interval closes the connection
// with an AIRSEND_CLOSE code. Frames that arrive while the token is checked wait; once live, frames are
// handled one at a time, in order (handlers.ts).
import { HeraldError } from '../../core/errors.js';
import { asUser } from '../../core/actor.js';
import type { Delivered } from '../../events/types.js';
import { Payload, type Connection } from '../../gateway/connection.js';
import type { CursorSink, FeedCursor } from '../../gateway/cursor.js';
import type { CloseReason, LiveConnection, Registration } from '../../gateway/registry.js';
import type { TokenInfo } from '../../gateway/auth.js';
import type { DialectHost } from '../plugin.js';
import type { Renderer, View } from '../render.js';
import { AIRSEND_CLOSE, parseFrame } from './commands.js';
import type { AirSendExtras } from './extras.js';
import { handle, type HandlerContext } from './handlers.js';
import { airEnvelope } from './render.js';

export type AirSendState = 'awaiting_auth' | 'authenticating' | 'live' | 'closed';

export interface AirSendDeps {
  host: DialectHost;
  renderer: Renderer;
  extras: AirSendExtras;
}

const CLOSE_FOR: Record<CloseReason, [number, string]> = {
  shutdown: [AIRSEND_CLOSE.shutdown, 'server shutting down'],
  revoked: [AIRSEND_CLOSE.revoked, ''],
};

export class AirSendSession implements CursorSink, LiveConnection {
  readonly dialect = 'airsend';
  readonly transport: string;
  state: AirSendState = 'awaiting_auth';
  userId = 0;
  /** The ws_token the connection authenticated with (logging out its session closes the connection). */
  token: TokenInfo | null = null;
  private cursor: FeedCursor | null = null;
  private registration: Registration | null = null;
  private readonly queued: (string | null)[] = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    private readonly d: AirSendDeps,
    private readonly conn: Connection,
  ) {
    this.transport = conn.transport;
    const seconds = d.host.server.heartbeatSeconds;
    this.authTimer = setTimeout(() => {
      if (this.state === 'awaiting_auth' || this.state === 'authenticating') this.refuse(AIRSEND_CLOSE.not_authenticated, `no ws_auth within ${seconds} s`);
    }, seconds * 1000);
    this.authTimer.unref();
    conn.onFrame((data, binary) => this.onFrame(binary ? null : data.toString()));
    conn.onClose(() => this.onClosed());
  }

  private onFrame(text: string | null): void {
    this.d.host.metrics.frameReceived();
    switch (this.state) {
      case 'awaiting_auth':
        this.state = 'authenticating';
        this.authenticate(text).catch((err: unknown) => {
          this.d.host.log.error({ err }, 'airsend ws_auth failed');
          this.refuse(AIRSEND_CLOSE.internal, 'could not authenticate');
        });
        return;
      case 'authenticating':
        this.queued.push(text);
        return;
      case 'live':
        this.enqueue(text);
        return;
      case 'closed':
        return;
    }
  }

  /** Ends the connection before it went live (or on a bad frame), with the document's code and a reason. */
  private refuse(code: number, reason: string): void {
    this.state = 'closed';
    clearTimeout(this.authTimer);
    this.d.host.log.debug({ code, reason }, 'airsend connection closed');
    this.conn.close(code, reason);
  }

  private async authenticate(text: string | null): Promise<void> {
    const parsed = parseFrame(text);
    if (!parsed.ok) {
      const unknown = parsed.code === AIRSEND_CLOSE.unknown_command;
      return this.refuse(unknown ? AIRSEND_CLOSE.not_authenticated : parsed.code, unknown ? `the first frame must be ws_auth: ${parsed.reason}` : parsed.reason);
    }
    if (parsed.command.command !== 'ws_auth') return this.refuse(AIRSEND_CLOSE.not_authenticated, `the first frame must be ws_auth, got "${parsed.command.command}"`);
    let claims: Record<string, unknown>;
    try {
      const principal = await this.d.host.authenticate({ token: parsed.command.auth_token, purpose: 'rtm' });
      this.userId = principal.actor.userId!;
      this.token = principal.token;
      claims = principal.claims;
      if (claims.user_id !== undefined && claims.user_id !== this.userId) throw new HeraldError('unauthenticated', 'invalid token');
    } catch (e) {
      return this.refuse(AIRSEND_CLOSE.auth_failed, `ws_auth failed: ${e instanceof HeraldError ? e.message : 'invalid token'}`);
    }
    if (this.state !== 'authenticating' || this.conn.closed) return;
    clearTimeout(this.authTimer);
    this.state = 'live';
    this.registration = this.d.host.connections.register(this);
    for (const t of this.queued.splice(0)) this.enqueue(t);
    // rtm.connect remembered the feed position: ws_auth replays whatever happened in between.
    const position = typeof claims.herald_position === 'number' ? claims.herald_position : null;
    const epoch = typeof claims.herald_epoch === 'string' ? claims.herald_epoch : null;
    try {
      const { cursor } = await this.d.host.feeds.open({ userId: this.userId, renderer: this.d.renderer, resume: position, epoch });
      if (this.conn.closed) return cursor.close();
      this.cursor = cursor;
      cursor.attach(this);
      await cursor.replay();
    } catch (err) {
      this.d.host.log.error({ err }, 'airsend session start failed');
      this.refuse(AIRSEND_CLOSE.internal, 'could not start the session');
    }
  }

  private enqueue(text: string | null): void {
    this.chain = this.chain.then(() => this.frame(text)).catch((err: unknown) => this.d.host.log.error({ err }, 'airsend command failed'));
  }

  /** One frame of a live connection: a bad frame closes it; a refused command is logged and ignored. */
  private async frame(text: string | null): Promise<void> {
    if (this.state !== 'live') return;
    const parsed = parseFrame(text);
    if (!parsed.ok) return this.refuse(parsed.code, parsed.reason);
    const ctx: HandlerContext = {
      actor: asUser(this.userId),
      commands: this.d.host.commands,
      reply: (event, payload) => void this.write(new Payload(airEnvelope(event, payload))),
      debug: (o, msg) => this.d.host.log.debug(o, msg),
    };
    try {
      const outcome = await handle(ctx, parsed.command);
      this.d.host.log.debug({ userId: this.userId, command: parsed.command.command, outcome }, 'airsend command');
    } catch (e) {
      // The document has no error frame: the command is ignored and the connection stays open.
      if (!(e instanceof HeraldError)) throw e;
      this.d.host.log.debug({ userId: this.userId, command: parsed.command.command, code: e.code, message: e.message }, 'airsend command refused');
    }
  }

  // ---- CursorSink: the event's frame, then the frames AirSend adds for this recipient --------------------
  deliver(ev: Delivered, payload: Payload | null, view: View): boolean {
    if (payload !== null && !this.write(payload)) return false;
    for (const extra of this.d.extras.after(ev, this.userId, view)) if (!this.write(extra)) return false;
    return true;
  }

  backlogged(): boolean {
    return this.conn.backlogged();
  }

  drained(): Promise<void> {
    return this.conn.drained();
  }

  private write(p: Payload): boolean {
    if (this.conn.send(p)) return true;
    this.d.host.metrics.slowConsumer();
    this.refuse(AIRSEND_CLOSE.slow_consumer, 'outgoing buffer full: reconnect and resume from your last position');
    return false;
  }

  // ---- LiveConnection -----------------------------------------------------------------------------------
  close(reason: CloseReason, message: string): void {
    const [code, fallback] = CLOSE_FOR[reason];
    this.refuse(code, message || fallback);
  }

  private onClosed(): void {
    this.state = 'closed';
    clearTimeout(this.authTimer);
    this.cursor?.close();
    this.registration?.unregister();
  }
}
