// Per-connection outgoing queue: everything queued in one turn of the event loop goes out in one socket
// write. Small batches are copied into one buffer; large ones are handed over as a vector (cork/uncork,
// one writev) so shared payload bytes are never copied per connection.
import type { Writable } from 'node:stream';

/** Up to this many bytes a batch is concatenated (cheaper than a vector of tiny chunks). */
const COPY_LIMIT = 16 * 1024;

type Sink = Pick<Writable, 'write' | 'cork' | 'uncork' | 'writableLength' | 'destroyed'>;

export class OutBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(
    private readonly out: Sink,
    /** Outgoing bytes (queued here and in the socket) above which `fits` says no. */
    private readonly max: number,
  ) {}

  /** Bytes queued here and not yet handed to the socket. */
  get pending(): number {
    return this.bytes;
  }

  /** Whether `n` more bytes stay within the bound. */
  fits(n: number): boolean {
    return this.out.writableLength + this.bytes + n <= this.max;
  }

  /** True when half the bound is in use. */
  backlogged(): boolean {
    return this.out.writableLength + this.bytes > this.max / 2;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    const out = this.chunks;
    const bytes = this.bytes;
    if (out.length === 0) return;
    this.chunks = [];
    this.bytes = 0;
    if (this.out.destroyed) return;
    if (out.length === 1) this.out.write(out[0]);
    else if (bytes <= COPY_LIMIT) this.out.write(Buffer.concat(out, bytes));
    else {
      this.out.cork();
      for (const c of out) this.out.write(c);
      this.out.uncork();
    }
  };

  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}

/** Resolves when `stream` has written out its buffer (or closed). */
export function whenDrained(stream: Pick<Writable, 'writableLength' | 'once' | 'off'>, closed: boolean): Promise<void> {
  if (closed || stream.writableLength === 0) return Promise.resolve();
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
