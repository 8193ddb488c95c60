// STOMP 1.2 frame serializer (docs/dialects/talk-and-travel.md, "Frame codec"): header escaping per
// version and command, whole frames, and SharedBody, which frames a body once so that only the
// per-connection header prefix differs between subscribers.
import { UNESCAPED_COMMANDS, type StompVersion } from './stomp-codec.js';

const NUL = 0x00;

/** Headers to write, in order; undefined and null values are skipped. */
export type HeaderInput = Readonly<Record<string, string | number | boolean | null | undefined>> | ReadonlyArray<readonly [string, string | number]>;

/** One heart-beat (an EOL between frames). */
export const HEARTBEAT: Buffer = Buffer.from('\n');

/**
 * A header name or value as written in a frame of `command`. 1.2 escapes CR, LF, colon and backslash;
 * 1.1 all but CR. CONNECT/CONNECTED/STOMP and 1.0 frames cannot escape: a CR or LF there becomes a space,
 * so a value can never break the framing.
 */
export function escapeHeader(s: string, command: string, version: StompVersion = '1.2'): string {
  if (version === '1.0' || UNESCAPED_COMMANDS.has(command)) return /[\r\n]/.test(s) ? s.replace(/[\r\n]/g, ' ') : s;
  if (!/[\r\n:\\]/.test(s)) return s;
  let out = '';
  for (const c of s) {
    if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === ':') out += '\\c';
    else if (c === '\r') out += version === '1.2' ? '\\r' : '\r';
    else out += c;
  }
  return out;
}

function headerLines(headers: HeaderInput, command: string, version: StompVersion): string {
  let out = '';
  const pairs: Iterable<readonly [string, unknown]> = Array.isArray(headers) ? (headers as ReadonlyArray<readonly [string, unknown]>) : Object.entries(headers);
  for (const [name, value] of pairs) {
    // content-length is always computed from the body.
    if (value === undefined || value === null || name === 'content-length') continue;
    const n = escapeHeader(name, command, version);
    // Without escaping, a colon in a name would move the name/value split.
    out += (UNESCAPED_COMMANDS.has(command) || version === '1.0' ? n.replace(/:/g, '_') : n) + ':' + escapeHeader(String(value), command, version) + '\n';
  }
  return out;
}

const toBuffer = (body: Buffer | string): Buffer => (typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
const NUL_BYTE = Buffer.from([NUL]);

/**
 * One complete frame. With a body (even an empty one) `content-length` is written; without, the frame
 * has no body. A `content-length` in `headers` is ignored.
 */
export function encodeFrame(command: string, headers: HeaderInput = {}, body?: Buffer | string, version: StompVersion = '1.2'): Buffer {
  let text = command + '\n' + headerLines(headers, command, version);
  if (body === undefined) return Buffer.from(text + '\n\0', 'utf8');
  const b = toBuffer(body);
  text += `content-length:${b.length}\n\n`;
  return Buffer.concat([Buffer.from(text, 'utf8'), b, NUL_BYTE]);
}

/**
 * A body framed once for many connections: `tail()` holds the shared headers (destination, content-type…),
 * content-length, the blank line, the body and the NUL; `head()` the command line and a connection's own
 * headers (subscription, message-id, ack). Per-connection headers come first, so they win over a
 * repeated shared header. The tail is built once per STOMP version and then reused.
 */
export class SharedBody {
  private readonly body: Buffer;
  private readonly tails = new Map<StompVersion, Buffer>();

  constructor(
    private readonly sharedHeaders: HeaderInput,
    body: Buffer | string,
    private readonly command = 'MESSAGE',
  ) {
    this.body = toBuffer(body);
  }

  get bodyLength(): number {
    return this.body.length;
  }

  tail(version: StompVersion = '1.2'): Buffer {
    let t = this.tails.get(version);
    if (t === undefined) {
      const text = headerLines(this.sharedHeaders, this.command, version) + `content-length:${this.body.length}\n\n`;
      t = Buffer.concat([Buffer.from(text, 'utf8'), this.body, NUL_BYTE]);
      this.tails.set(version, t);
    }
    return t;
  }

  head(headers: HeaderInput, version: StompVersion = '1.2'): Buffer {
    return Buffer.from(this.command + '\n' + headerLines(headers, this.command, version), 'utf8');
  }

  /** [head, tail] for a vectored write (the tail is the shared instance). */
  parts(headers: HeaderInput, version: StompVersion = '1.2'): [Buffer, Buffer] {
    return [this.head(headers, version), this.tail(version)];
  }

  /** The whole frame in one buffer (for transports that need one, e.g. one WebSocket message). */
  frame(headers: HeaderInput, version: StompVersion = '1.2'): Buffer {
    return Buffer.concat(this.parts(headers, version));
  }
}
