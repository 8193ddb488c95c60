// Coalesces the broker's store writes: every op pushed in one turn of the microtask queue goes to
// BrokerStore.apply as one batch (one promise per batch, not one per delivery), in push order.
import type { BrokerStore, StoreOp } from './store.js';

export class WriteBatcher {
  private ops: StoreOp[] = [];
  private collecting: Promise<void> | null = null;
  private last: Promise<void> = Promise.resolve();
  /** Ops pushed since creation; a caller compares it before and after to know whether it wrote. */
  pushed = 0;

  constructor(
    private readonly store: BrokerStore,
    private readonly onError: (err: unknown) => void,
  ) {}

  push(op: StoreOp): void {
    this.ops.push(op);
    this.pushed++;
    if (!this.collecting) this.collecting = this.schedule();
  }

  private schedule(): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      queueMicrotask(() => {
        const batch = this.ops;
        this.ops = [];
        this.collecting = null;
        // apply() is called in batch order without waiting for the previous one: stores apply in call order.
        this.store.apply(batch).then(resolve, (err: unknown) => {
          this.onError(err);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
      });
    });
    this.last = p;
    // Nobody may be waiting on this batch; its failure is reported through onError.
    p.catch(() => undefined);
    return p;
  }

  /** Resolves when everything pushed so far is applied; rejects if that batch failed. */
  settled(): Promise<void> {
    return this.collecting ?? this.last;
  }
}
