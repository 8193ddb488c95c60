// STOMP heart-beats both ways (STOMP 1.2, "Heart-beating"): an EOL when the server wrote nothing for
// half the negotiated interval (so the client never waits longer than the interval), and dead-peer
// detection when the client sent nothing for two of its intervals.
import type { StompWriter } from './writer.js';

export class Heartbeats {
  private outTimer: NodeJS.Timeout | null = null;
  private inTimer: NodeJS.Timeout | null = null;
  private received = false;
  private missed = 0;

  constructor(
    private readonly writer: StompWriter,
    /** Nothing came from the client for two intervals of `ms`. */
    private readonly dead: (ms: number) => void,
  ) {}

  start(t: { out: number; in: number }): void {
    if (t.out > 0) {
      this.outTimer = setInterval(() => {
        if (!this.writer.wrote) this.writer.heartbeat();
        this.writer.wrote = false;
      }, Math.max(1, Math.floor(t.out / 2)));
      this.outTimer.unref();
    }
    if (t.in > 0) {
      this.inTimer = setInterval(() => {
        if (this.received) {
          this.received = false;
          this.missed = 0;
        } else if (++this.missed >= 2) this.dead(t.in);
      }, t.in);
      this.inTimer.unref();
    }
  }

  /** Any bytes from the client (a frame or a heart-beat EOL). */
  activity(): void {
    this.received = true;
  }

  stop(): void {
    if (this.outTimer !== null) clearInterval(this.outTimer);
    if (this.inTimer !== null) clearInterval(this.inTimer);
    this.outTimer = this.inTimer = null;
  }
}
