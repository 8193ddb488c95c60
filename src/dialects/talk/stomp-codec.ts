// STOMP 1.2 frame parser (docs/dialects/talk-and-travel.md, "Frame codec"): an incremental parser fed
// arbitrary chunks that reports typed errors instead of throwing. The serializer is stomp-serializer.ts.
// Written by hand: the npm parsers are client-side and miss what a server needs. @stomp/stompjs's Parser
// is internal, has no limits, leaves escapes to the caller and does not check the NUL after a
// content-length body; stompit's IncomingFrameStream is a stream of streams (async, one Readable per
// frame) with no body limit and loses a CR split from its LF; stomp-broker-js parses strings (STOMP 1.1).
import { isUtf8 } from 'node:buffer';

export type StompVersion = '1.0' | '1.1' | '1.2';

export interface StompLimits {
  /** Header lines per frame (repeated headers count). */
  maxHeaders: number;
  /** Bytes of the command line or of one header line, without its EOL. */
  maxLineBytes: number;
  /** Bytes of a body, with or without content-length. */
  maxBodyBytes: number;
}

export const DEFAULT_STOMP_LIMITS: Readonly<StompLimits> = Object.freeze({
  maxHeaders: 64,
  maxLineBytes: 10 * 1024,
  maxBodyBytes: 2 * 1024 * 1024,
});

export type StompErrorCode =
  /** Broken structure: a header line without a colon or name, a bare CR, no NUL after a content-length body. */
  | 'malformed'
  /** A command line with anything but the letters A-Z (the session refuses unknown but well-formed commands). */
  | 'invalid_command'
  /** A backslash followed by anything but the escapes of the frame's version (1.2: r n c \). */
  | 'invalid_escape'
  | 'invalid_utf8'
  /** content-length that is not a decimal number of octets. */
  | 'invalid_content_length'
  | 'line_too_long'
  | 'too_many_headers'
  /** The body is larger than maxBodyBytes (announced by content-length, or read so far). */
  | 'frame_too_large';

export interface StompProtocolError {
  code: StompErrorCode;
  message: string;
}

/** First occurrence of each header wins (STOMP 1.2). A null-prototype object: any name is a plain key. */
export type StompHeaders = Record<string, string>;

export interface StompFrame {
  command: string;
  headers: StompHeaders;
  /** Always a fresh buffer (never a view of the pushed chunk), empty when the frame has no body. */
  body: Buffer;
}

export interface StompParserHandlers {
  /** Runs synchronously inside push(); it may call setVersion() for the frames that follow. */
  frame(frame: StompFrame): void;
  /** An EOL between frames (a heart-beat). */
  heartbeat?(): void;
}

/** Frames whose headers are never escaped (1.2 names CONNECT and CONNECTED; STOMP is CONNECT under another name). */
export const UNESCAPED_COMMANDS: ReadonlySet<string> = new Set(['CONNECT', 'CONNECTED', 'STOMP']);

/** Commands a client may send (the session answers any other with an ERROR frame). */
export const CLIENT_COMMANDS: ReadonlySet<string> = new Set([
  'CONNECT', 'STOMP', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT',
]);

/** Only these frames may carry a body (STOMP 1.2, "Frames and Headers"). */
export const COMMANDS_WITH_BODY: ReadonlySet<string> = new Set(['SEND', 'MESSAGE', 'ERROR']);

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;
const EMPTY = Buffer.alloc(0);

const enum State {
  /** Between frames: heart-beat EOLs or the first letter of a command. */
  FrameStart,
  /** A CR between frames; only LF may follow. */
  FrameStartCr,
  Command,
  Header,
  FixedBody,
  /** After a content-length body: exactly one NUL. */
  Terminator,
  NulBody,
  Failed,
}

export class StompParser {
  private readonly limits: StompLimits;
  private version: StompVersion;
  private state = State.FrameStart;
  private error: StompProtocolError | null = null;
  // The line being read (command or header), possibly across chunks.
  private lineParts: Buffer[] = [];
  private lineLength = 0;
  private command = '';
  private headers: StompHeaders = Object.create(null) as StompHeaders;
  private headerCount = 0;
  // The body being read.
  private bodyParts: Buffer[] = [];
  private bodyLength = 0;
  private bodyRemaining = 0;

  constructor(
    private readonly handlers: StompParserHandlers,
    limits: Partial<StompLimits> = {},
    version: StompVersion = '1.2',
  ) {
    this.limits = { ...DEFAULT_STOMP_LIMITS, ...limits };
    this.version = version;
  }

  /** The version whose escaping rules apply to the frames read from now on (set after CONNECT negotiation). */
  setVersion(version: StompVersion): void {
    this.version = version;
  }

  /** True between frames: nothing of a frame is buffered. */
  get idle(): boolean {
    return this.state === State.FrameStart;
  }

  /**
   * Feeds bytes; complete frames go to the handlers as they are found. Returns null, or the protocol error
   * that ended parsing: the parser then ignores everything and keeps returning that error.
   */
  push(input: Buffer | Uint8Array | string): StompProtocolError | null {
    if (this.error !== null) return this.error;
    const chunk = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    let pos = 0;
    while (pos < chunk.length && this.error === null) {
      switch (this.state) {
        case State.FrameStart:
          pos = this.frameStart(chunk, pos);
          break;
        case State.FrameStartCr:
          if (chunk[pos] !== LF) return this.fail('malformed', 'a CR between frames must be followed by LF');
          pos++;
          this.state = State.FrameStart;
          this.handlers.heartbeat?.();
          break;
        case State.Command:
          pos = this.readCommand(chunk, pos);
          break;
        case State.Header:
          pos = this.readHeaderLine(chunk, pos);
          break;
        case State.FixedBody: {
          const n = Math.min(this.bodyRemaining, chunk.length - pos);
          this.addBody(chunk.subarray(pos, pos + n));
          this.bodyRemaining -= n;
          pos += n;
          if (this.bodyRemaining === 0) this.state = State.Terminator;
          break;
        }
        case State.Terminator:
          if (chunk[pos] !== NUL) return this.fail('malformed', 'the body is longer than its content-length (no NUL after it)');
          pos++;
          this.emit();
          break;
        case State.NulBody:
          pos = this.readNulBody(chunk, pos);
          break;
        case State.Failed:
          return this.error;
      }
    }
    return this.error;
  }

  // ---- states ------------------------------------------------------------------------------------------

  private frameStart(chunk: Buffer, pos: number): number {
    const b = chunk[pos];
    if (b === LF) {
      this.handlers.heartbeat?.();
      return pos + 1;
    }
    if (b === CR) {
      this.state = State.FrameStartCr;
      return pos + 1;
    }
    if (b < 0x41 || b > 0x5a) {
      this.fail('invalid_command', `expected a command, got byte 0x${b.toString(16).padStart(2, '0')}`);
      return pos;
    }
    this.state = State.Command;
    return pos;
  }

  /** Command letters are checked as they arrive, so a stream that is not STOMP fails at its first byte. */
  private readCommand(chunk: Buffer, pos: number): number {
    // A CR that ended the previous chunk must be followed by this chunk's LF.
    if (this.lineLength > 0 && this.lastLineByte() === CR && chunk[pos] !== LF) {
      this.fail('malformed', 'a CR in a frame line must be followed by LF');
      return pos;
    }
    let i = pos;
    for (; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === LF) break;
      if (b === CR) {
        if (i + 1 < chunk.length && chunk[i + 1] !== LF) {
          this.fail('malformed', 'a CR in a frame line must be followed by LF');
          return i;
        }
        continue;
      }
      if (b < 0x41 || b > 0x5a) {
        this.fail('invalid_command', `a command is made of the letters A-Z, got byte 0x${b.toString(16).padStart(2, '0')}`);
        return i;
      }
    }
    if (!this.collectLine(chunk, pos, i)) return i;
    if (i === chunk.length) return i;
    const line = this.takeLine();
    this.command = line.toString('latin1');
    this.state = State.Header;
    return i + 1;
  }

  private readHeaderLine(chunk: Buffer, pos: number): number {
    const lf = chunk.indexOf(LF, pos);
    const end = lf === -1 ? chunk.length : lf;
    if (!this.collectLine(chunk, pos, end)) return end;
    if (lf === -1) return end;
    const line = this.takeLine();
    if (line.length === 0) {
      this.startBody();
      return lf + 1;
    }
    this.addHeader(line);
    return lf + 1;
  }

  private readNulBody(chunk: Buffer, pos: number): number {
    const nul = chunk.indexOf(NUL, pos);
    const end = nul === -1 ? chunk.length : nul;
    if (this.bodyLength + (end - pos) > this.limits.maxBodyBytes) {
      this.fail('frame_too_large', `the body is larger than ${this.limits.maxBodyBytes} bytes`);
      return end;
    }
    this.addBody(chunk.subarray(pos, end));
    if (nul === -1) return end;
    this.emit();
    return nul + 1;
  }

  // ---- lines and headers --------------------------------------------------------------------------------

  /** Appends chunk[from, to) to the current line; false (and failed) when the line outgrows the limit. */
  private collectLine(chunk: Buffer, from: number, to: number): boolean {
    if (to === from) return true;
    const length = this.lineLength + (to - from);
    // The line's own bytes, not counting a CR that may be the start of its CRLF.
    const own = chunk[to - 1] === CR ? length - 1 : length;
    if (own > this.limits.maxLineBytes) {
      this.fail('line_too_long', `a frame line is longer than ${this.limits.maxLineBytes} bytes`);
      return false;
    }
    this.lineParts.push(chunk.subarray(from, to));
    this.lineLength = length;
    return true;
  }

  private lastLineByte(): number {
    const last = this.lineParts[this.lineParts.length - 1];
    return last[last.length - 1];
  }

  /** The completed line without its EOL (a CR before the LF belongs to the EOL). */
  private takeLine(): Buffer {
    const line = this.lineParts.length === 1 ? this.lineParts[0] : Buffer.concat(this.lineParts, this.lineLength);
    this.lineParts = [];
    this.lineLength = 0;
    return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
  }

  private addHeader(line: Buffer): void {
    if (++this.headerCount > this.limits.maxHeaders) {
      this.fail('too_many_headers', `a frame has more than ${this.limits.maxHeaders} headers`);
      return;
    }
    if (line.includes(CR)) {
      this.fail('malformed', 'a CR in a header line must be followed by LF');
      return;
    }
    const colon = line.indexOf(COLON);
    if (colon <= 0) {
      this.fail('malformed', colon === 0 ? 'a header has an empty name' : 'a header line has no colon');
      return;
    }
    if (!isUtf8(line)) {
      this.fail('invalid_utf8', 'a header is not valid UTF-8');
      return;
    }
    let name = line.toString('utf8', 0, colon);
    let value = line.toString('utf8', colon + 1);
    if (this.version !== '1.0' && !UNESCAPED_COMMANDS.has(this.command)) {
      const n = unescapeHeader(name, this.version);
      const v = n === null ? null : unescapeHeader(value, this.version);
      if (n === null || v === null) {
        this.fail('invalid_escape', `undefined escape sequence in header "${name.slice(0, 64)}" (STOMP ${this.version})`);
        return;
      }
      name = n;
      value = v;
    }
    if (this.headers[name] === undefined) this.headers[name] = value;
  }

  // ---- bodies -------------------------------------------------------------------------------------------

  private startBody(): void {
    const cl = this.headers['content-length'];
    if (cl === undefined) {
      this.state = State.NulBody;
      return;
    }
    if (!/^[0-9]+$/.test(cl)) {
      this.fail('invalid_content_length', `content-length must be a decimal number of octets, got "${cl.slice(0, 32)}"`);
      return;
    }
    const n = Number(cl);
    if (n > this.limits.maxBodyBytes) {
      this.fail('frame_too_large', `content-length ${cl.length > 20 ? cl.slice(0, 20) + '…' : cl} is larger than ${this.limits.maxBodyBytes} bytes`);
      return;
    }
    this.bodyRemaining = n;
    this.state = n === 0 ? State.Terminator : State.FixedBody;
  }

  private addBody(part: Buffer): void {
    if (part.length === 0) return;
    this.bodyParts.push(part);
    this.bodyLength += part.length;
  }

  /** Resets for the next frame before the handler runs, so the handler may call setVersion(). */
  private emit(): void {
    const frame: StompFrame = {
      command: this.command,
      headers: this.headers,
      body: this.bodyLength === 0 ? EMPTY : Buffer.concat(this.bodyParts, this.bodyLength),
    };
    this.command = '';
    this.headers = Object.create(null) as StompHeaders;
    this.headerCount = 0;
    this.bodyParts = [];
    this.bodyLength = 0;
    this.state = State.FrameStart;
    this.handlers.frame(frame);
  }

  private fail(code: StompErrorCode, message: string): StompProtocolError {
    this.error = { code, message };
    this.state = State.Failed;
    this.lineParts = [];
    this.bodyParts = [];
    return this.error;
  }
}

/** Decodes `\r \n \c \\` (1.1: no `\r`); null for any other escape, including a trailing backslash. */
export function unescapeHeader(s: string, version: StompVersion): string | null {
  let i = s.indexOf('\\');
  if (i === -1) return s;
  let out = s.slice(0, i);
  while (i < s.length) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = s[i + 1];
    if (e === 'n') out += '\n';
    else if (e === 'c') out += ':';
    else if (e === '\\') out += '\\';
    else if (e === 'r' && version === '1.2') out += '\r';
    else return null;
    i += 2;
  }
  return out;
}
