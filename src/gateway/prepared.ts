// One rendered event for one dialect, with its transport encodings built lazily and at most once.
import * as wsModule from 'ws';

// ws exports its frame encoder (ws/lib/sender.js) but @types/ws does not declare it.
interface FrameOptions { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, o: FrameOptions): Buffer[] } };

export class Prepared {
  private ws: Buffer | null = null;
  private sse: string | null = null;

  constructor(
    readonly id: number | null,
    readonly text: string,
  ) {}

  /** The complete WebSocket text frame (header + payload), shared by every socket it goes to. */
  wsFrame(): Buffer {
    if (this.ws === null) {
      const parts = Sender.frame(Buffer.from(this.text), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false });
      this.ws = Buffer.concat(parts);
    }
    return this.ws;
  }

  /** The SSE record; logged events carry `id:` so EventSource reconnects with Last-Event-ID. */
  sseRecord(): string {
    if (this.sse === null) {
      const data = this.text.includes('\n') ? this.text.split('\n').map((l) => `data: ${l}`).join('\n') : `data: ${this.text}`;
      this.sse = (this.id === null ? '' : `id: ${this.id}\n`) + data + '\n\n';
    }
    return this.sse;
  }
}
