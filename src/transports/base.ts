// What every transport's connection shares: the frame and close handlers (frames that arrive before the
// protocol took over are kept), and a close event that fires once.
import type { CloseEvent, Connection, Payload, SendOptions } from '../gateway/connection.js';

export abstract class BaseConnection implements Connection {
  abstract readonly transport: Connection['transport'];
  closed = false;
  private frameHandler: ((data: Buffer, binary: boolean) => void) | null = null;
  private early: [Buffer, boolean][] = [];
  private closeHandler: ((e: CloseEvent) => void) | null = null;
  private ended: CloseEvent | null = null;

  constructor(
    readonly protocol: string | null,
    readonly remoteAddress: string,
  ) {}

  abstract send(payload: Payload, options?: SendOptions): boolean;
  abstract backlogged(): boolean;
  abstract drained(): Promise<void>;
  abstract close(code: number, reason: string): void;
  abstract terminate(): void;

  onFrame(handler: (data: Buffer, binary: boolean) => void): void {
    this.frameHandler = handler;
    for (const [d, b] of this.early.splice(0)) handler(d, b);
  }

  onClose(handler: (e: CloseEvent) => void): void {
    this.closeHandler = handler;
    if (this.ended !== null) handler(this.ended);
  }

  protected frame(data: Buffer, binary: boolean): void {
    if (this.frameHandler === null) this.early.push([data, binary]);
    else this.frameHandler(data, binary);
  }

  protected finish(e: CloseEvent): void {
    if (this.ended !== null) return;
    this.closed = true;
    this.ended = e;
    this.closeHandler?.(e);
  }
}

/** Truncates a close reason to what fits a WebSocket close frame (123 bytes of UTF-8). */
export function closeReason(reason: string, maxBytes = 123): string {
  if (Buffer.byteLength(reason) <= maxBytes) return reason;
  let out = reason.slice(0, maxBytes);
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}
