// The record-and-wait base of every test client (native WS and SSE, AirSend, Tracim, raw realtime
// clients): kept free of heavy imports, since node --test also runs each helper file on its own.
import type WebSocket from 'ws';

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

/** A Recorder over a WebSocket that also keeps how the server closed it (code and reason). */
export class SocketRecorder<F> extends Recorder<F> {
  closeCode: number | null = null;
  closeReason = '';
  readonly closed: Promise<void>;

  constructor(
    readonly ws: WebSocket,
    name: (f: F) => string,
  ) {
    super(name);
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve();
      }),
    );
  }
}
