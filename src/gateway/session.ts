// A realtime connection as the gateway sees it, whatever its transport: who it is, which dialect it
// speaks, its position in the user's feed, and a bounded outgoing buffer.
import type { Writable } from 'node:stream';
import type { Delivered } from '../events/types.js';
import type { Dialect } from '../dialects/dialect.js';
import type { Prepared } from './prepared.js';

export type CloseReason = 'slow_consumer' | 'shutdown' | 'heartbeat_timeout' | 'auth' | 'protocol_error' | 'client';

export abstract class Session {
  /** Position of the last logged event handed to this connection; only grows. */
  position = 0;
  /** While replaying missed events, live ones wait here so none is lost or reordered at the seam. */
  private held: Delivered[] | null = [];
  closed = false;
  /** Set by the gateway to count slow consumers. */
  onSlowConsumer: (() => void) | null = null;

  constructor(
    readonly userId: number,
    readonly dialect: Dialect,
    readonly transport: string,
  ) {}

  /** Transport: queue one encoded frame; return false when the outgoing buffer is over its bound. */
  protected abstract write(frame: Prepared): boolean;
  /** Transport: close with a reason the client can read. */
  abstract close(reason: CloseReason, message: string): void;
  /** Transport: true when half the outgoing bound is in use (replay then waits for `drained`). */
  abstract backlogged(): boolean;
  /** Transport: resolves once the outgoing buffer has drained, or the connection closed. */
  abstract drained(): Promise<void>;

  /** Resolves when `stream` has written out its buffer (or closed); shared by the transports' `drained`. */
  protected whenDrained(stream: Pick<Writable, 'writableLength' | 'once' | 'off'>): Promise<void> {
    if (this.closed || stream.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      stream.once('drain', done);
      stream.once('close', done);
    });
  }

  /** Offers one event; duplicates and events already covered by the position are dropped. */
  offer(ev: Delivered, frame: Prepared | null): void {
    if (this.closed) return;
    if (this.held !== null) {
      this.held.push(ev);
      return;
    }
    this.send(ev, frame);
  }

  /** Returns true when the frame was written (or skipped), false when the session is gone. */
  protected send(ev: Delivered, frame: Prepared | null): boolean {
    if (ev.id !== null) {
      if (ev.id <= this.position) return true;
      this.position = ev.id;
    }
    if (frame === null || this.closed) return !this.closed;
    if (!this.write(frame)) {
      this.slow();
      return false;
    }
    return true;
  }

  private slow(): void {
    this.onSlowConsumer?.();
    this.close('slow_consumer', 'outgoing buffer full: reconnect and resume from your last position');
  }

  /** Ends the replay: releases held live events (rendered by `prepare`) after the backlog. */
  goLive(prepare: (ev: Delivered) => Prepared | null): void {
    const held = this.held ?? [];
    this.held = null;
    for (const ev of held) if (!this.send(ev, prepare(ev))) return;
  }

  /** Writes a replayed or control frame directly (replay happens before goLive). */
  push(ev: Delivered, frame: Prepared | null): boolean {
    return this.send(ev, frame);
  }

  /** Control frames (welcome, acks, errors) that carry no feed position. */
  control(frame: Prepared): void {
    if (!this.closed && !this.write(frame)) this.slow();
  }
}
