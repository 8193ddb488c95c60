// The record-and-wait base of every test client (native WS and SSE, AirSend, Tracim, raw realtime
// clients): kept free of heavy imports, since node --test also runs each helper file on its own.

/** Records every frame a test client receives and lets a test wait for one, already received or future. */
export class Recorder<F> {
  readonly frames: F[] = [];
  private waiters: { pred: (f: F) => boolean; resolve: (f: F) => void }[] = [];

  /** `name` labels a frame in timeout messages (its type or event). */
  constructor(private readonly name: (f: F) => string) {}

  protected record(f: F): void {
    this.frames.push(f);
    this.waiters = this.waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
  }

  /** Waits for the first frame (already received or future) matching `pred`. */
  next(pred: (f: F) => boolean, timeoutMs = 3000): Promise<F> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for a frame; got ${this.frames.map(this.name).join(',')}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (f) => (clearTimeout(t), resolve(f)) });
    });
  }
}
