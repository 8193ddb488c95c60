// Position order at a node: the bus should deliver positioned events in order, but a cluster transport
// may reorder or lose one across a reconnect. Positions are contiguous, so a gap is exact: later events
// wait while the missing ones are read from the store (after a short wait, in case they are in flight).
import type { Delivered } from '../events/types.js';

export interface SequencerOptions {
  /** How long a gap may stay open before the store is asked. */
  gapWaitMs: number;
  /** Events after `after`, as published (EventLog.range). */
  fill(after: number, limit: number): Promise<Delivered[]>;
  deliver(ev: Delivered): void;
  onError(err: unknown): void;
}

const FILL_BATCH = 500;

export class Sequencer {
  /** Next position to deliver; null until started (events are kept until then). */
  private next: number | null = null;
  private readonly pending = new Map<number, Delivered>();
  private timer: NodeJS.Timeout | null = null;
  private filling = false;
  private stopped = false;

  constructor(private readonly o: SequencerOptions) {}

  /** Starts after `head`: everything up to it is already accounted for (the node seeded its state there). */
  start(head: number): void {
    this.next = head + 1;
    for (const id of [...this.pending.keys()]) if (id < this.next) this.pending.delete(id);
    this.drain();
  }

  push(ev: Delivered): void {
    if (this.stopped || ev.id === null) return;
    if (this.next !== null && ev.id < this.next) return; // already delivered (a redelivery)
    if (this.next !== null && ev.id === this.next && this.pending.size === 0) {
      this.next++;
      this.o.deliver(ev);
      return;
    }
    this.pending.set(ev.id, ev);
    this.drain();
  }

  /** Expected next position (for tests and metrics). */
  get expected(): number | null {
    return this.next;
  }

  private drain(): void {
    if (this.next === null) return;
    for (let ev = this.pending.get(this.next); ev !== undefined; ev = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.next++;
      this.o.deliver(ev);
    }
    if (this.pending.size > 0) this.scheduleFill();
    else if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private scheduleFill(): void {
    if (this.timer !== null || this.filling) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.fillGap();
    }, this.o.gapWaitMs);
    this.timer.unref();
  }

  private async fillGap(): Promise<void> {
    if (this.next === null || this.pending.size === 0 || this.stopped) return;
    this.filling = true;
    try {
      const missing = Math.min(...this.pending.keys()) - this.next;
      for (const ev of await this.o.fill(this.next - 1, Math.min(missing, FILL_BATCH))) {
        if (ev.id === this.next) this.push(ev);
      }
    } catch (err) {
      this.o.onError(err);
    } finally {
      this.filling = false;
    }
    this.drain();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.pending.clear();
  }
}
