// A session's subscription to its user's event topic, served from the event log by a feed cursor (never
// the broker's trie). QoS 1 event publishes share the client's Receive Maximum with broker deliveries and
// use packet ids EVENT_FIRST_ID..EVENT_LAST_ID. A persistent session keeps, with its broker session
// (`setState`), the feed position below which everything is acknowledged and the packet ids still in
// flight: a reconnect replays from that position and resends those with DUP and the same ids (§4.4).
import { Fifo } from '../../broker/fifo.js';
import type { Delivered } from '../../events/types.js';
import type { Connection, Payload } from '../../gateway/connection.js';
import type { CursorSink, FeedCursor } from '../../gateway/cursor.js';
import type { ResetReason } from '../../gateway/gateway.js';
import type { DialectHost } from '../plugin.js';
import type { DinoFrames } from './renderer.js';
import { eventTopic } from './topics.js';
import { EVENT_FIRST_ID, EVENT_LAST_ID, type PublishProperties, type Wire } from './wire.js';

/** The broker session state key the event subscription is kept under. */
export const EVENT_STATE_KEY = 'dino.events';

/** MQTT 5 properties of an event publish without a Subscription Identifier (shared, never written). */
const UTF8_PAYLOAD: PublishProperties = Object.freeze({ payloadFormatIndicator: true });

/** Event frames waiting for room in the client's Receive Maximum; past this the feed re-reads the log later. */
const MAX_QUEUED_FRAMES = 1000;

export interface EventSubscription {
  /** Granted QoS: 0 or 1 (event publishes are never QoS 2: the log already makes them exactly resumable). */
  qos: 0 | 1;
  /** Subscription Identifier (§3.8.2.1.2), 0 = none. */
  subscriptionId: number;
}

interface Stored {
  v: 1;
  qos: 0 | 1;
  sid: number;
  epoch: string | null;
  /** Every event at or below it was acknowledged (QoS 1) or written (QoS 0). */
  position: number;
  /** [packet id, position, frame index] of QoS 1 event publishes not acknowledged. */
  inflight: [number, number, number][];
}

interface Frame {
  position: number;
  /** 0 for the event's own payload, 1 for the `group` that follows a join/leave. */
  index: number;
  payload: Payload;
}

/** The MQTT session a feed belongs to (passed itself, so a feed costs no deps object or closures). */
export interface FeedOwner {
  readonly deps: { readonly host: DialectHost; readonly frames: DinoFrames };
  readonly wire: Wire;
  readonly conn: Connection;
  /** Fixed before the feed is created. */
  readonly userId: number;
  /** The outgoing buffer filled: the session closes the connection. */
  slowConsumer(): void;
}

export class EventFeed implements CursorSink {
  sub: EventSubscription | null = null;
  private cursor: FeedCursor | null = null;
  private epoch: string | null = null;
  /** Last position handed over when no cursor is open (after an unsubscribe or an overflow). */
  private lastPosition = 0;
  /** QoS 1 frames in flight by packet id (created on first use: most connections are idle). */
  private inflight: Map<number, Frame> | null = null;
  private readonly queue = new Fifo<Frame>();
  /** After an overflow: the position to re-read the log from once there is room again. */
  private behind: number | null = null;
  /** Packet ids of frames in flight before the reconnect, by `position:index` (resent with DUP). */
  private restored: Map<string, number> | null = null;
  private reserved: Set<number> | null = null;
  private nextId = EVENT_FIRST_ID;
  private props: PublishProperties | undefined = undefined;
  /** drained() callers waiting for room (null: none, the usual case). */
  private waiters: (() => void)[] | null = null;
  private closed = false;

  private readonly topic: string;

  constructor(private readonly owner: FeedOwner) {
    this.topic = eventTopic(owner.userId);
  }

  /** SUBSCRIBE to the event topic: a new subscription starts at the log head; a repeated one only changes its options. */
  async subscribe(s: EventSubscription): Promise<void> {
    const fresh = this.sub === null;
    this.setSub(s);
    if (!fresh || this.cursor !== null) return;
    await this.open(null, null);
  }

  /** Starts delivery (after SUBACK or CONNACK): replays what the position missed, then live. */
  start(): void {
    const c = this.cursor;
    if (c === null || this.closed) return;
    c.attach(this);
    c.replay()
      .then(() => {
        this.restored = null;
        this.reserved = null;
      })
      .catch((err: unknown) => this.owner.deps.host.log.error({ err }, 'dino event replay failed'));
  }

  /** UNSUBSCRIBE: false when there was no event subscription (UNSUBACK 0x11). Frames in flight still complete. */
  unsubscribe(): boolean {
    if (this.sub === null) return false;
    this.lastPosition = this.committed();
    this.sub = null;
    this.cursor?.close();
    this.cursor = null;
    this.behind = null;
    while (this.queue.shift() !== undefined);
    return true;
  }

  /** Re-opens the subscription a persistent session kept; returns the reset when the position is gone. */
  async restore(json: string | undefined): Promise<ResetReason | null> {
    if (json === undefined) return null;
    let st: Stored;
    try {
      st = JSON.parse(json) as Stored;
    } catch {
      return null;
    }
    if (st.v !== 1) return null;
    this.setSub({ qos: st.qos, subscriptionId: st.sid });
    if (st.inflight.length > 0) {
      this.restored = new Map(st.inflight.map(([id, pos, i]) => [`${pos}:${i}`, id]));
      this.reserved = new Set(st.inflight.map(([id]) => id));
    }
    return this.open(st.position, st.epoch);
  }

  /** The state to keep with the broker session, or null when there is no event subscription. */
  snapshot(): string | null {
    if (this.sub === null) return null;
    const st: Stored = { v: 1, qos: this.sub.qos, sid: this.sub.subscriptionId, epoch: this.epoch, position: this.committed(), inflight: [] };
    if (this.inflight !== null) for (const [id, f] of this.inflight) st.inflight.push([id, f.position, f.index]);
    return JSON.stringify(st);
  }

  /** PUBACK for an event publish; false when the id is not one of ours in flight. */
  ack(packetId: number): boolean {
    if (this.inflight === null || !this.inflight.delete(packetId)) return false;
    this.owner.wire.inflight--;
    return true;
  }

  /** A slot in the Receive Maximum is free: queued frames go, waiting replays continue, an overflow re-reads. */
  pump(): void {
    while (this.queue.length > 0 && this.owner.wire.hasRoom()) {
      const f = this.queue.shift()!;
      if (!this.sendQos1(f)) return;
    }
    if (this.queue.length > 0 || !this.owner.wire.hasRoom()) return;
    this.wake();
    if (this.behind !== null && this.sub !== null && this.cursor === null && !this.closed) {
      const from = this.behind;
      this.behind = null;
      void this.open(from, this.epoch)
        .then(() => this.start())
        .catch((err: unknown) => this.owner.deps.host.log.error({ err }, 'dino event feed could not re-read the log'));
    }
  }

  close(): void {
    this.closed = true;
    this.cursor?.close();
    this.cursor = null;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = null;
    if (w !== null) for (const r of w) r();
  }

  // ---- CursorSink ---------------------------------------------------------------------------------------

  deliver(ev: Delivered, payload: Payload | null, _view: unknown): boolean {
    if (this.sub === null || this.closed) return true;
    const position = ev.id ?? this.lastPosition;
    if (payload !== null && !this.frame({ position, index: 0, payload })) return false;
    const extra = this.owner.deps.frames.followUp(ev, this.owner.userId);
    if (extra !== null && !this.frame({ position, index: 1, payload: extra })) return false;
    return true;
  }

  backlogged(): boolean {
    return (this.sub !== null && this.sub.qos > 0 && !this.owner.wire.hasRoom()) || this.owner.conn.backlogged();
  }

  async drained(): Promise<void> {
    if (this.owner.conn.backlogged()) await this.owner.conn.drained();
    if (this.closed || this.owner.conn.closed || this.sub === null || this.sub.qos === 0 || this.owner.wire.hasRoom()) return;
    await new Promise<void>((resolve) => (this.waiters ??= []).push(resolve));
  }

  // ---- internals ----------------------------------------------------------------------------------------

  private setSub(s: EventSubscription): void {
    this.sub = s;
    const v5 = this.owner.wire.version === 5;
    this.props = !v5 ? undefined : s.subscriptionId > 0 ? { payloadFormatIndicator: true, subscriptionIdentifier: s.subscriptionId } : UTF8_PAYLOAD;
  }

  private async open(resume: number | null, epoch: string | null): Promise<ResetReason | null> {
    const { cursor, start } = await this.owner.deps.host.feeds.open({ userId: this.owner.userId, renderer: this.owner.deps.frames.renderer, resume, epoch });
    if (this.closed || this.sub === null) {
      cursor.close();
      return null;
    }
    this.cursor = cursor;
    this.epoch = start.epoch;
    if (start.reset !== null) {
      // The position is gone (pruned, or another database): what was in flight cannot be resent.
      this.restored = null;
      this.reserved = null;
    }
    return start.reset;
  }

  private frame(f: Frame): boolean {
    if (this.sub!.qos === 0) return this.outcome(this.owner.wire.publish({ topic: this.topic, qos: 0, retain: false, dup: false, packetId: 0, properties: this.props }, f.payload));
    if (this.behind !== null) return true; // re-read from the log later
    if (this.queue.length > 0 || !this.owner.wire.hasRoom()) {
      if (this.queue.length >= MAX_QUEUED_FRAMES) {
        // Too far behind the client's acknowledgements: stop the cursor, re-read the log when there is room.
        this.behind = this.queue.peek()!.position - 1;
        while (this.queue.shift() !== undefined);
        this.cursor?.close();
        this.cursor = null;
        return true;
      }
      this.queue.push(f);
      return true;
    }
    return this.sendQos1(f);
  }

  private sendQos1(f: Frame): boolean {
    const key = this.restored === null ? null : `${f.position}:${f.index}`;
    const again = key === null ? undefined : this.restored!.get(key);
    if (again !== undefined) this.restored!.delete(key!);
    const id = again ?? this.allocate();
    const out = this.owner.wire.publish({ topic: this.topic, qos: 1, retain: false, dup: again !== undefined, packetId: id, properties: this.props }, f.payload);
    if (out === 'sent') {
      (this.inflight ??= new Map()).set(id, f);
      this.owner.wire.inflight++;
    }
    return this.outcome(out);
  }

  private outcome(o: 'sent' | 'too_large' | 'closed'): boolean {
    if (o !== 'closed') return true; // too large for the client: dropped as if delivered (§3.1.2.11.4)
    if (!this.owner.conn.closed) this.owner.slowConsumer();
    return false;
  }

  private allocate(): number {
    const span = EVENT_LAST_ID - EVENT_FIRST_ID + 1;
    for (let i = 0; i < span; i++) {
      const id = this.nextId;
      this.nextId = id === EVENT_LAST_ID ? EVENT_FIRST_ID : id + 1;
      if (!this.inflight?.has(id) && !this.reserved?.has(id)) return id;
    }
    throw new Error('no free event packet id');
  }

  /** Every event at or below this position is acknowledged (QoS 1) or written (QoS 0). */
  private committed(): number {
    let min = Infinity;
    if (this.inflight !== null) for (const f of this.inflight.values()) if (f.position < min) min = f.position;
    const q = this.queue.peek();
    if (q !== undefined && q.position < min) min = q.position;
    if (this.behind !== null && this.behind + 1 < min) min = this.behind + 1;
    if (min !== Infinity) return min - 1;
    return this.cursor?.position ?? this.lastPosition;
  }
}
