// Token bucket per key (typing is throttled per user and space). Bursts beyond the bucket are dropped.
export class Throttle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the action may go ahead; consumes one token. */
  take(key: string): boolean {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    const refilled = Math.floor((now - b.at) / this.refillMs);
    if (refilled > 0) {
      b.tokens = Math.min(this.burst, b.tokens + refilled);
      b.at += refilled * this.refillMs;
    }
    if (b.tokens === this.burst) b.at = now;
    const ok = b.tokens > 0;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.sweep(now);
    return ok;
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets) if (now - b.at > this.burst * this.refillMs) this.buckets.delete(k);
  }
}
