// WebSocket framing for server-to-client messages (RFC 6455 §5.2: unmasked, unfragmented). Frames are
// built once per payload and opcode and written straight to the socket by WsConnection, bypassing ws's
// Sender queue. That is only correct while permessage-deflate is off (RSV1 never set, no compression
// state to keep in step), which websocket.ts enforces. The header is written by hand because ws has no
// API for a header covering bytes sent in several parts (a per-connection prefix and a shared body).
import type { Payload } from '../gateway/connection.js';

export const OPCODE = { text: 1, binary: 2 } as const;
export type Opcode = (typeof OPCODE)[keyof typeof OPCODE];

/** The header of one final, unmasked frame carrying `length` payload bytes. */
export function frameHeader(opcode: Opcode, length: number): Buffer {
  if (length < 126) return Buffer.from([0x80 | opcode, length]);
  if (length < 0x10000) {
    const h = Buffer.allocUnsafe(4);
    h[0] = 0x80 | opcode;
    h[1] = 126;
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.allocUnsafe(10);
  h[0] = 0x80 | opcode;
  h[1] = 127;
  h.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
  h.writeUInt32BE(length >>> 0, 6);
  return h;
}

function build(p: Payload, opcode: Opcode): Buffer {
  const body = p.bytes();
  return Buffer.concat([frameHeader(opcode, body.length), body]);
}
// Module-level builders: nothing is allocated per recipient when the frame is already cached.
const buildText = (p: Payload) => build(p, OPCODE.text);
const buildBinary = (p: Payload) => build(p, OPCODE.binary);

/** The complete frame of a payload (header + bytes), built once and shared by every socket it goes to. */
export function wholeFrame(p: Payload, opcode: Opcode): Buffer {
  return opcode === OPCODE.text ? p.encoded('ws:1', buildText) : p.encoded('ws:2', buildBinary);
}

/**
 * One message made of a per-connection prefix, the shared payload and an optional suffix: the parts to
 * write, in order. Header and prefix are joined (small, per connection); the payload bytes are shared.
 */
export function prefixedFrame(p: Payload, opcode: Opcode, prefix: Buffer | undefined, suffix: Buffer | undefined): Buffer[] {
  const body = p.bytes();
  const length = (prefix?.length ?? 0) + body.length + (suffix?.length ?? 0);
  const header = frameHeader(opcode, length);
  const head = prefix === undefined ? header : Buffer.concat([header, prefix]);
  return suffix === undefined ? [head, body] : [head, body, suffix];
}
