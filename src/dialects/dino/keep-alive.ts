// Keep Alive enforcement for one connection (§3.1.2.10): one timer, re-armed lazily, fires when no packet
// arrived within 1.5 × the keep alive. Before CONNECT the same timer bounds the wait for CONNECT.
export interface KeepAliveOwner {
  /** Nothing arrived within the limit (called once per start). */
  keepAliveExpired(): void;
}

export class KeepAlive {
  private timer: NodeJS.Timeout | null = null;
  private limitMs = 0;
  private lastSeen = Date.now();

  constructor(private readonly owner: KeepAliveOwner) {}

  /** A packet arrived. */
  touch(): void {
    this.lastSeen = Date.now();
  }

  /** Fires `expired` once if nothing arrives within `ms` of the last packet (0: never). */
  start(ms: number): void {
    this.limitMs = ms;
    this.arm();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.limitMs = 0;
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.limitMs <= 0) return;
    // A shared function with this as its argument: no closure per connection.
    this.timer = setTimeout(KeepAlive.fire, Math.max(50, this.lastSeen + this.limitMs - Date.now()), this);
    this.timer.unref();
  }

  private static fire(this: void, k: KeepAlive): void {
    k.timer = null;
    if (k.limitMs <= 0) return;
    if (Date.now() - k.lastSeen >= k.limitMs) k.owner.keepAliveExpired();
    else k.arm();
  }
}
