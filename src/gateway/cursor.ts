// A feed cursor: one reader's position in a user's feed, optionally filtered to one space. It holds live
// events while it replays what was missed, then goes live; a protocol session may own several (a STOMP
// subscription per chat), and a cursor may be detached from its connection and resumed later from its
// position (a persistent MQTT session).
import type { Delivered } from '../events/types.js';
import type { Renderer, View } from '../dialects/render.js';
import type { Payload } from './connection.js';

/** Where a cursor writes: the protocol session, which frames the payload for its connection. */
export interface CursorSink {
  /**
   * Writes one event (payload null: this dialect renders nothing for it, but the protocol may add its own
   * frames, rendered for `view`). False when the connection cannot take it: the sink has closed it as a
   * slow consumer.
   */
  deliver(event: Delivered, payload: Payload | null, view: View): boolean;
  backlogged(): boolean;
  drained(): Promise<void>;
}

export interface FeedFilter {
  /** Only events of this space. */
  space: number;
}

/** detached: not receiving; holding/replaying: live events wait in `held`; live: written as they come. */
export type CursorState = 'detached' | 'holding' | 'replaying' | 'live' | 'closed';

/** What the gateway does for its cursors. */
export interface CursorHub {
  track(cursor: FeedCursor): void;
  untrack(cursor: FeedCursor): void;
  /** The user's feed after `after`, oldest first. */
  read(userId: number, after: number, limit: number): Promise<Delivered[]>;
  /** The view and payload of a replayed event for this cursor's dialect and user (payload null when not rendered). */
  render(cursor: FeedCursor, event: Delivered): { payload: Payload | null; view: View };
  /** Live events a cursor holds during a replay before it drops them and re-reads the store. */
  readonly maxHeld: number;
  /** Counts a dropped hold (the replay re-reads the store). */
  heldOverflow(cursor: FeedCursor): void;
}

const REPLAY_BATCH = 500;

export class FeedCursor {
  state: CursorState = 'detached';
  private held: { ev: Delivered; payload: Payload | null; view: View }[] = [];
  /** The hold overflowed: live events are dropped until the replay has re-read the store. */
  private overflowed = false;
  private sink: CursorSink | null = null;

  constructor(
    private readonly hub: CursorHub,
    readonly userId: number,
    readonly renderer: Renderer,
    readonly filter: FeedFilter | null,
    /** Position of the last logged event handed to this cursor; only grows. */
    public position: number,
  ) {}

  /** Starts receiving live events, held until `replay` has caught up. */
  hold(): void {
    if (this.state === 'closed') throw new Error('cursor closed');
    if (this.state === 'detached') this.hub.track(this);
    this.state = 'holding';
    this.held = [];
    this.overflowed = false;
  }

  attach(sink: CursorSink): void {
    this.sink = sink;
  }

  /** Sends every event the user missed after `position` (paced by the sink), then releases held events and goes live. */
  async replay(): Promise<void> {
    if (this.state !== 'holding' || this.sink === null) throw new Error(`replay needs a holding cursor with a sink (state ${this.state})`);
    this.state = 'replaying';
    for (;;) {
      const batch = await this.hub.read(this.userId, this.position, REPLAY_BATCH);
      for (const ev of batch) {
        if (this.state !== 'replaying') return;
        if (this.filter !== null && ev.space_id !== this.filter.space) {
          this.position = Math.max(this.position, ev.id!);
          continue;
        }
        if (this.renderer.accepts !== undefined && !this.renderer.accepts(ev, this.userId)) {
          this.position = Math.max(this.position, ev.id!);
          continue;
        }
        const { payload, view } = this.hub.render(this, ev);
        // A replay can be far larger than the outgoing bound: pace it by the socket instead of failing.
        if (this.sink!.backlogged()) await this.sink!.drained();
        if (this.state !== 'replaying' || !this.send(ev, payload, view)) return;
      }
      if (this.state !== 'replaying') return;
      if (batch.length < REPLAY_BATCH) {
        if (!this.overflowed) break;
        // Held events were dropped: they are committed, so the store has them. Hold again, read again.
        this.overflowed = false;
        this.held = [];
      }
    }
    const held = this.held;
    this.held = [];
    this.state = 'live';
    for (const h of held) if (!this.send(h.ev, h.payload, h.view)) return;
  }

  /** One live event from the gateway (already rendered for this cursor's dialect and view). */
  offer(ev: Delivered, payload: Payload | null, view: View): void {
    if (this.state === 'live') {
      this.send(ev, payload, view);
      return;
    }
    if (this.state !== 'holding' && this.state !== 'replaying') return;
    if (this.overflowed) return;
    if (this.held.length >= this.hub.maxHeld) {
      this.overflowed = true;
      this.held = [];
      this.hub.heldOverflow(this);
      return;
    }
    this.held.push({ ev, payload, view });
  }

  /** Writes one event unless the position already covers it; false when the sink gave up (the cursor detaches). */
  private send(ev: Delivered, payload: Payload | null, view: View): boolean {
    if (ev.id !== null) {
      if (ev.id <= this.position) return true;
      this.position = ev.id;
    }
    if (this.sink === null) return true;
    if (this.sink.deliver(ev, payload, view)) return true;
    this.detach();
    return false;
  }

  /** Stops delivery and forgets held events; the position stays, so the cursor can be resumed. */
  detach(): void {
    if (this.state === 'detached' || this.state === 'closed') return;
    this.hub.untrack(this);
    this.state = 'detached';
    this.held = [];
    this.sink = null;
  }

  close(): void {
    this.detach();
    this.state = 'closed';
  }
}
