// STOMP transactions (BEGIN / COMMIT / ABORT): SEND, ACK and NACK frames that name a transaction are
// kept here and applied, in order, at COMMIT; ABORT (or the connection's end) discards them. Bounded per
// connection, so a client cannot grow the server's memory without limit.
import { StompError } from './stomp-error.js';
import type { StompFrame } from './stomp-codec.js';

export class Transactions {
  private readonly open = new Map<string, StompFrame[]>();

  constructor(
    private readonly maxOpen: number,
    private readonly maxFrames: number,
  ) {}

  begin(id: string): void {
    if (this.open.has(id)) throw new StompError(`transaction ${id} is already open`);
    if (this.open.size >= this.maxOpen) throw new StompError(`too many open transactions (at most ${this.maxOpen})`);
    this.open.set(id, []);
  }

  /** Buffers a SEND, ACK or NACK of transaction `id`. */
  add(id: string, frame: StompFrame): void {
    const frames = this.frames(id);
    if (frames.length >= this.maxFrames) throw new StompError(`transaction ${id} holds too many frames (at most ${this.maxFrames})`);
    frames.push(frame);
  }

  /** COMMIT: the transaction's frames, in order; it is closed. */
  commit(id: string): StompFrame[] {
    const frames = this.frames(id);
    this.open.delete(id);
    return frames;
  }

  abort(id: string): void {
    this.frames(id);
    this.open.delete(id);
  }

  /** The connection ended: every open transaction is aborted (STOMP 1.2, "DISCONNECT"). */
  clear(): void {
    this.open.clear();
  }

  private frames(id: string): StompFrame[] {
    const frames = this.open.get(id);
    if (frames === undefined) throw new StompError(`unknown transaction ${id}`, 'BEGIN it first; a transaction ends at its COMMIT or ABORT');
    return frames;
  }
}
