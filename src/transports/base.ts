// What every transport's connection shares: one frame handler (frames that arrive before the protocol
// took over are kept for it), and close handlers (the transport's and the protocol's) that run once.
import type { CloseEvent, Connection, Payload, SendOptions } from '../gateway/connection.js';

export abstract class BaseConnection implements Connection {
  abstract readonly transport: Connection['transport'];
  closed = false;
  private frameHandler: ((data: Buffer, binary: boolean) => void) | null = null;
  private early: [Buffer, boolean][] = [];
  private readonly closeHandlers: ((e: CloseEvent) => void)[] = [];
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
    if (this.ended !== null) handler(this.ended);
    else this.closeHandlers.push(handler);
  }

  protected frame(data: Buffer, binary: boolean): void {
    if (this.frameHandler === null) this.early.push([data, binary]);
    else this.frameHandler(data, binary);
  }

  protected finish(e: CloseEvent): void {
    if (this.ended !== null) return;
    this.closed = true;
    this.ended = e;
    for (const h of this.closeHandlers.splice(0)) h(e);
  }
}

/** Truncates a close reason to what fits a WebSocket close frame (123 bytes of UTF-8). */
export function closeReason(reason: string, maxBytes = 123): string {
  if (Buffer.byteLength(reason) <= maxBytes) return reason;
  let out = reason.slice(0, maxBytes);
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}
