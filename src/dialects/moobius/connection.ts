// What a Moobius user connection and a channel service connection share: frames handled one at a time in
// arrival order, every request answered with exactly one `copy`, the silence timeout, the feed cursor,
// registration (presence, logout closes it) and the close codes (docs/dialects/moobius.md).
import { HeraldError } from '../../core/errors.js';
import type { Delivered } from '../../events/types.js';
import { Payload, type Connection } from '../../gateway/connection.js';
import type { CursorSink, FeedCursor } from '../../gateway/cursor.js';
import type { TokenInfo } from '../../gateway/auth.js';
import type { CloseReason, LiveConnection, Registration } from '../../gateway/registry.js';
import type { DialectHost } from '../plugin.js';
import type { View } from '../render.js';
import { parseFrame, Refusal, refusalOf, type FrameType, type MoobiusFrame } from './frames.js';
import { copyRefusal, type MoobiusCopy } from './render.js';

/** WebSocket close codes of the Moobius endpoints. 1009 (a frame over the size limit) is the transport's. */
export const MOOBIUS_CLOSE = {
  shutdown: 1001,
  /** The session could not start (the database is unreachable…): reconnect later. */
  internal: 1011,
  /** No frame (heartbeat or other) within the timeout. */
  heartbeat_timeout: 4000,
  /** The client does not read fast enough, or sends frames faster than they are answered. */
  slow_consumer: 4008,
  /** Logged out, password changed, account deleted. */
  revoked: 4009,
  /** A service connected again with the same key: the older connection ends. */
  replaced: 4010,
} as const;

const CLOSE_FOR: Record<CloseReason, [number, string]> = {
  shutdown: [MOOBIUS_CLOSE.shutdown, 'server shutting down'],
  revoked: [MOOBIUS_CLOSE.revoked, 'credentials revoked'],
};

export interface SessionOptions {
  /** A connection that sends nothing for this long is closed (4000). */
  timeoutSeconds: number;
  /** Frames received and not yet answered; one more closes the connection (4008): memory stays bounded. */
  maxPending: number;
}

export abstract class MoobiusConnection implements CursorSink, LiveConnection {
  readonly dialect = 'moobius';
  readonly transport: string;
  protected cursor: FeedCursor | null = null;
  private registration: Registration | null = null;
  private chain: Promise<void>;
  private silence: NodeJS.Timeout | null = null;
  private pending = 0;
  closed = false;

  constructor(
    protected readonly host: DialectHost,
    protected readonly conn: Connection,
    readonly userId: number,
    readonly token: TokenInfo | null,
    private readonly accepted: readonly FrameType[],
    private readonly o: SessionOptions,
  ) {
    this.transport = conn.transport;
    conn.onFrame((data, binary) => this.onFrame(binary ? null : data.toString()));
    conn.onClose(() => this.onClosed());
    this.armSilence();
    this.registration = host.connections.register(this);
    this.chain = Promise.resolve();
  }

  /** Starts the session (after the subclass is constructed); frames that arrive meanwhile wait for it. */
  run(): this {
    this.chain = this.begin().catch((err: unknown) => {
      this.host.log.error({ err }, 'moobius session start failed');
      this.shut(MOOBIUS_CLOSE.internal, 'could not start the session');
    });
    return this;
  }

  /** Loads what the session needs and opens its feed; frames are handled after it. */
  protected abstract start(): Promise<void>;
  /** One accepted, well-formed frame: the copy answering it (a Refusal thrown is answered too). */
  protected abstract handle(frame: MoobiusFrame): Promise<MoobiusCopy>;
  /** Whether this connection shows the event (its payload is already rendered for the dialect). */
  protected abstract shows(ev: Delivered): boolean;
  /** Every event of the feed, shown or not (the directory follows membership changes). */
  protected observe(_ev: Delivered): void {}
  protected ended(): void {}

  private async begin(): Promise<void> {
    await this.start();
    const cursor = this.cursor;
    if (cursor === null) return;
    if (this.closed) return cursor.close();
    cursor.attach(this);
    await cursor.replay();
  }

  private armSilence(): void {
    if (this.silence !== null) clearTimeout(this.silence);
    const s = this.o.timeoutSeconds;
    this.silence = setTimeout(() => this.shut(MOOBIUS_CLOSE.heartbeat_timeout, `no heartbeat within ${s} s`), s * 1000);
    this.silence.unref();
  }

  private onFrame(text: string | null): void {
    if (this.closed) return;
    this.host.metrics.frameReceived();
    // Any frame shows the client is there; heartbeat is the one it sends when it has nothing else to say.
    this.armSilence();
    if (++this.pending > this.o.maxPending) return this.shut(MOOBIUS_CLOSE.slow_consumer, `more than ${this.o.maxPending} frames waiting for an answer: wait for copies before sending more`);
    this.chain = this.chain
      .then(() => this.frame(text))
      .catch((err: unknown) => this.host.log.error({ err }, 'moobius frame failed'))
      .finally(() => this.pending--);
  }

  /** Parses, runs and answers one frame; never throws for anything the client sent. */
  private async frame(text: string | null): Promise<void> {
    if (this.closed) return;
    const parsed = parseFrame(text, this.accepted);
    if (!parsed.ok) return this.reply(copyRefusal(parsed.head.type, parsed.head.request_id, parsed.refusal.code, parsed.refusal.message));
    const f = parsed.frame;
    let copy: MoobiusCopy;
    try {
      copy = await this.handle(f);
    } catch (e) {
      const r = e instanceof Refusal ? e : e instanceof HeraldError ? refusalOf(e) : null;
      if (r === null) this.host.log.error({ err: e, type: f.type }, 'moobius request failed');
      copy = copyRefusal(f.type, f.request_id, r?.code ?? 'internal', r?.message ?? 'internal error');
    }
    this.reply(copy);
  }

  protected reply(copy: MoobiusCopy): void {
    if (!this.closed) this.write(new Payload(JSON.stringify(copy)));
  }

  // ---- CursorSink ---------------------------------------------------------------------------------------
  deliver(ev: Delivered, payload: Payload | null, _view: View): boolean {
    this.observe(ev);
    if (payload === null || !this.shows(ev)) return true;
    return this.write(payload);
  }

  backlogged(): boolean {
    return this.conn.backlogged();
  }

  drained(): Promise<void> {
    return this.conn.drained();
  }

  private write(p: Payload): boolean {
    if (this.conn.send(p)) return true;
    this.host.metrics.slowConsumer();
    this.shut(MOOBIUS_CLOSE.slow_consumer, 'outgoing buffer full: reconnect');
    return false;
  }

  // ---- LiveConnection -----------------------------------------------------------------------------------
  close(reason: CloseReason, message: string): void {
    const [code, fallback] = CLOSE_FOR[reason];
    this.shut(code, message || fallback);
  }

  shut(code: number, reason: string): void {
    if (this.closed) return;
    this.host.log.debug({ code, reason, userId: this.userId }, 'moobius connection closed');
    this.conn.close(code, reason);
    this.onClosed();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.silence !== null) clearTimeout(this.silence);
    this.cursor?.close();
    this.registration?.unregister();
    this.registration = null;
    this.ended();
  }
}
