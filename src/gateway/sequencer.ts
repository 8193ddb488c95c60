// Position order at a node: the bus should deliver positioned events in order, but a cluster transport
// may reorder or lose one across a reconnect. Positions are contiguous, so a gap is exact: later events
// wait while the missing ones are read from the store (after a short wait, in case they are in flight).
// A gap at the tail (the last events of a burst were lost, so nothing later arrives to reveal it) is found
// by comparing with the log head now and then (observeHead, from the gateway's head check).
import type { Delivered } from '../events/types.js';

export interface SequencerOptions {
  /** How long a gap may stay open before the store is asked. */
  gapWaitMs: number;
  /** Events after `after`, as published (EventLog.range). */
  fill(after: number, limit: number): Promise<Delivered[]>;
  deliver(ev: Delivered): void;
  onError(err: unknown): void;
  /** Events read from the store to fill a gap (herald_stream_gap_fills_total). */
  filled?(count: number): void;
}

const FILL_BATCH = 500;

export class Sequencer {
  /** Next position to deliver; null until started (events are kept until then). */
  private next: number | null = null;
  private readonly pending = new Map<number, Delivered>();
  private timer: NodeJS.Timeout | null = null;
  private filling = false;
  private stopped = false;
  /** The highest position known to be committed (from a head check); a tail gap when >= next. */
  private known = 0;
  private failures = 0;

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

  /**
   * The log head as read from the store: positions up to it are committed, so any not delivered by the
   * time the gap wait ends are read from the store (they were lost in transit, or are still in flight).
   */
  observeHead(head: number): void {
    if (this.stopped || this.next === null || head < this.next) return;
    if (head > this.known) this.known = head;
    this.scheduleFill();
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
    if (this.pending.size > 0 || this.known >= this.next) this.scheduleFill();
    else if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private scheduleFill(): void {
    if (this.timer !== null || this.filling) return;
    // After failed reads (the database is down) wait longer each time, up to 2 s.
    const wait = this.failures === 0 ? this.o.gapWaitMs : Math.min(2000, this.o.gapWaitMs * 2 ** this.failures);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.fillGap();
    }, wait);
    this.timer.unref();
  }

  private async fillGap(): Promise<void> {
    if (this.next === null || this.stopped) return;
    // Up to the first held event, or up to the known head when nothing is held.
    const through = this.pending.size > 0 ? Math.min(...this.pending.keys()) - 1 : this.known;
    if (through < this.next) return;
    this.filling = true;
    try {
      const missing = through - this.next + 1;
      let n = 0;
      const got = await this.o.fill(this.next - 1, Math.min(missing, FILL_BATCH));
      if (got.length > 0 && got[0].id !== null && got[0].id > this.next) {
        // Pruned meanwhile (a node cut off for longer than the retention): nothing can bring them back.
        this.o.onError(new Error(`events ${this.next}..${got[0].id - 1} were pruned before this node received them`));
        this.next = got[0].id;
      }
      this.failures = 0;
      for (const ev of got) {
        if (ev.id === this.next) {
          n++;
          this.push(ev);
        }
      }
      if (n > 0) this.o.filled?.(n);
    } catch (err) {
      this.failures++;
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
