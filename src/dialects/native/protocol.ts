// The native protocol session, one per connection, the same over WebSocket and SSE:
//   opening (feed cursor opened, welcome sent, missed events replayed) → live → closed.
// Commands (WebSocket only) are answered with command.ack / command.error, one at a time in arrival
// order; `read` and `read_all` are rate-limited per connection.
import { HeraldError } from '../../core/errors.js';
import { asUser } from '../../core/actor.js';
import { Throttle } from '../../core/throttle.js';
import type { Delivered } from '../../events/types.js';
import { Payload, type Connection } from '../../gateway/connection.js';
import type { FeedCursor, CursorSink } from '../../gateway/cursor.js';
import type { CloseReason, LiveConnection, Registration } from '../../gateway/registry.js';
import type { TokenInfo } from '../../gateway/auth.js';
import type { DialectHost } from '../plugin.js';
import { nativeRenderer, envelope } from './render.js';
import { parseEnvelope, runCommand } from './commands.js';

/** Close codes of the native protocol (docs/protocol.md). */
export const NATIVE_CLOSE = {
  shutdown: 1001,
  protocol_error: 1008,
  slow_consumer: 4008,
  revoked: 4009,
} as const;

const CLOSE_FOR: Record<CloseReason, number> = { shutdown: NATIVE_CLOSE.shutdown, revoked: NATIVE_CLOSE.revoked };

export interface NativeOptions {
  /** `read` / `read_all` per connection: a burst, then one per interval. */
  readBurst: number;
  readIntervalMs: number;
}

/** Commands that append an event on every call, so a client could grow the log as fast as it sends. */
const LIMITED = new Set(['read', 'read_all']);

export type NativeState = 'opening' | 'live' | 'closed';

export class NativeSession implements CursorSink, LiveConnection {
  readonly dialect = 'native';
  state: NativeState = 'opening';
  private cursor: FeedCursor | null = null;
  private registration: Registration | null = null;
  /** Commands run one after another, in arrival order. */
  private chain: Promise<void> = Promise.resolve();
  private readonly reads: Throttle;

  constructor(
    private readonly host: DialectHost,
    private readonly conn: Connection,
    readonly userId: number,
    private readonly o: NativeOptions,
    /** The token the connection was opened with (logging it out closes the connection). */
    readonly token: TokenInfo | null = null,
  ) {
    this.reads = new Throttle(o.readBurst, o.readIntervalMs);
  }

  get transport(): string {
    return this.conn.transport;
  }

  /** Registers the connection, opens the feed (welcome, maybe reset), replays what was missed, goes live. */
  async start(resume: number | null, epoch: string | null): Promise<void> {
    this.registration = this.host.connections.register(this);
    this.conn.onFrame((data, binary) => this.onFrame(data, binary));
    this.conn.onClose(() => this.onClosed());
    try {
      const { cursor, start } = await this.host.feeds.open({ userId: this.userId, renderer: nativeRenderer, resume, epoch });
      if (this.state === 'closed') return cursor.close();
      this.cursor = cursor;
      this.control('session.welcome', { user_id: this.userId, epoch: start.epoch, position: start.position, heartbeat_seconds: this.host.server.heartbeatSeconds });
      if (start.reset) {
        this.control('session.reset', { reason: start.reset, position: start.position, message: 'cannot resume from that position: reload state, then continue from this position' });
      }
      cursor.attach(this);
      await cursor.replay();
      if (this.state === 'opening') this.state = 'live';
    } catch (err) {
      this.host.log.error({ err }, 'native session start failed');
      this.conn.close(NATIVE_CLOSE.protocol_error, 'could not start the session');
    }
  }

  // ---- CursorSink ---------------------------------------------------------------------------------------
  deliver(_ev: Delivered, payload: Payload | null): boolean {
    return payload === null || this.write(payload);
  }

  backlogged(): boolean {
    return this.conn.backlogged();
  }

  drained(): Promise<void> {
    return this.conn.drained();
  }

  // ---- LiveConnection -----------------------------------------------------------------------------------
  close(reason: CloseReason, message: string): void {
    this.conn.close(CLOSE_FOR[reason], message);
  }

  // ---- frames -------------------------------------------------------------------------------------------
  private write(p: Payload): boolean {
    if (this.conn.send(p)) return true;
    this.host.metrics.slowConsumer();
    this.conn.close(NATIVE_CLOSE.slow_consumer, 'outgoing buffer full: reconnect and resume from your last position');
    return false;
  }

  /** Frames outside the feed (welcome, acks, errors): no position. */
  private control(type: string, data: unknown): void {
    this.write(new Payload(envelope(null, type, Date.now(), data)));
  }

  private onFrame(data: Buffer, binary: boolean): void {
    this.host.metrics.frameReceived();
    this.chain = this.chain.then(() => this.command(binary ? null : data.toString()));
  }

  /** One command: parse, check the rate limit, run through the command table, answer. Never throws. */
  private async command(text: string | null): Promise<void> {
    if (this.state === 'closed') return;
    let requestId: string | number | null = null;
    try {
      if (text === null) throw new HeraldError('bad_request', 'binary frames are not accepted; send JSON text');
      const env = parseEnvelope(text);
      requestId = env.request_id ?? null;
      if (LIMITED.has(env.type) && !this.reads.take('reads')) {
        throw new HeraldError('rate_limited', `too many read commands: at most ${this.o.readBurst} at once, then one every ${this.o.readIntervalMs} ms`);
      }
      const result = await runCommand(this.host.commands, asUser(this.userId), env);
      this.control('command.ack', { request_id: requestId, result });
    } catch (e) {
      const err = e instanceof HeraldError ? e : null;
      if (!err) this.host.log.error({ err: e }, 'native command failed');
      this.control('command.error', { request_id: requestId, code: err?.code ?? 'internal', message: err?.message ?? 'internal error' });
    }
  }

  private onClosed(): void {
    this.state = 'closed';
    this.cursor?.close();
    this.registration?.unregister();
  }
}
