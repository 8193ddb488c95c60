// MQTT framing through mqtt-packet, nothing by hand: a per-connection reader that turns bytes into packets
// (and refuses a packet larger than the server's Maximum Packet Size as soon as its length is known), and
// encoders for whole packets and for a PUBLISH header whose payload is sent separately (shared bytes).
import { createRequire } from 'node:module';
import mqttPacket from 'mqtt-packet';
import type { IConnectPacket, IPublishPacket, Packet } from 'mqtt-packet';

export type { Packet } from 'mqtt-packet';
export type MqttVersion = 3 | 4 | 5;

/** Why the reader stopped: bytes that are not MQTT (0x81), or a packet over the limit (0x95). */
export type ReadError = { kind: 'malformed'; message: string } | { kind: 'too_large'; message: string };

/** Where a reader's packets and its one error go (the MQTT session itself: no closures per connection). */
export interface PacketSink {
  onPacket(p: Packet): void;
  onReadError(e: ReadError): void;
}

/** The parser's fields we use beyond its typings (mqtt-packet 9's parser.js). */
interface ParserState {
  /** The packet being assembled: its remaining length. */
  packet: { length: number };
  /** What the parser reads of CONNECT afterwards; it keeps the whole CONNECT packet here (password too). */
  settings: { protocolVersion?: number; bridgeMode?: boolean };
  /** Unparsed bytes: a `bl` BufferListStream, a full Duplex stream (~0.6 KB), where a BufferList does. */
  _list: unknown;
  /** Its state machine's method names, an array per parser; never written. */
  _states: readonly string[];
  /** Our back-reference, for the listeners shared by every parser. */
  reader?: PacketReader;
}

type BufferListClass = new () => unknown;

/** mqtt-packet's own `bl` BufferList (the stream's methods without the stream), or null if not found. */
const BufferList: BufferListClass | null = (() => {
  try {
    const fromMqttPacket = createRequire(createRequire(import.meta.url).resolve('mqtt-packet'));
    const bl = fromMqttPacket('bl') as { BufferList?: BufferListClass };
    return typeof bl.BufferList === 'function' ? bl.BufferList : null;
  } catch {
    return null;
  }
})();

let SHARED_STATES: readonly string[] | null = null;

// Parser listeners shared by every reader (an EventEmitter calls them with the parser as `this`).
function parserPacket(this: ParserState, p: Packet): void {
  this.reader?.parsed(p);
}
function parserError(this: ParserState, err: unknown): void {
  this.reader?.fail({ kind: 'malformed', message: err instanceof Error ? err.message : 'malformed packet' });
}

export class PacketReader {
  private readonly parser = mqttPacket.parser();
  private failed = false;

  /** `maxPacketSize`: the whole packet's bytes (fixed header included), as MQTT 5 §3.1.2.11.4 counts. */
  constructor(
    private readonly maxPacketSize: number,
    private readonly sink: PacketSink,
  ) {
    const st = this.parser as unknown as ParserState;
    st.reader = this;
    if (BufferList !== null) st._list = new BufferList();
    st._states = (SHARED_STATES ??= Object.freeze(st._states));
    this.parser.on('packet', parserPacket);
    this.parser.on('error', parserError);
  }

  /** @internal (parserPacket) */
  parsed(p: Packet): void {
    if (this.failed) return;
    if (tooLarge(p.length ?? 0, this.maxPacketSize)) return this.fail({ kind: 'too_large', message: `packet larger than the server's Maximum Packet Size (${this.maxPacketSize} bytes)` });
    // The parser keeps CONNECT as its settings for the rest of the connection: keep only what it reads.
    if (p.cmd === 'connect') (this.parser as unknown as ParserState).settings = settingsFor(p);
    this.sink.onPacket(p);
  }

  /** Feeds one chunk (TCP) or message (WebSocket); packets come out through onPacket, in order. */
  feed(chunk: Buffer): void {
    if (this.failed) return;
    try {
      this.parser.parse(chunk);
    } catch (err) {
      // A parser bug on hostile bytes must cost this connection only.
      this.fail({ kind: 'malformed', message: err instanceof Error ? err.message : 'malformed packet' });
      return;
    }
    // A packet still being assembled whose announced length is already over the limit: refuse it now,
    // before buffering the rest (a client cannot make us hold 256 MB).
    const pending = (this.parser as unknown as ParserState).packet.length;
    if (!this.failed && pending > 0 && tooLarge(pending, this.maxPacketSize)) {
      this.fail({ kind: 'too_large', message: `packet larger than the server's Maximum Packet Size (${this.maxPacketSize} bytes)` });
    }
  }

  /** @internal (parserError) */
  fail(e: ReadError): void {
    if (this.failed) return;
    this.failed = true;
    this.sink.onReadError(e);
  }
}

const SETTINGS = new Map<string, { protocolVersion?: number; bridgeMode?: boolean }>();

/** The CONNECT fields the parser reads later, shared between connections (frozen). */
function settingsFor(p: IConnectPacket): { protocolVersion?: number; bridgeMode?: boolean } {
  const bridge = (p as { bridgeMode?: boolean }).bridgeMode === true;
  const key = `${p.protocolVersion ?? ''}:${bridge}`;
  let s = SETTINGS.get(key);
  if (s === undefined) SETTINGS.set(key, (s = Object.freeze({ protocolVersion: p.protocolVersion, bridgeMode: bridge })));
  return s;
}

/** The remaining length plus the largest fixed header it can have (1 byte + up to 4 length bytes). */
function tooLarge(remaining: number, max: number): boolean {
  return remaining + 1 + varIntBytes(remaining) > max;
}

function varIntBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/** Collects what mqtt-packet writes; `stop` is the payload, left out so it can be sent without a copy. */
class Collector {
  readonly chunks: Buffer[] = [];
  error: Error | null = null;
  length = 0;
  constructor(private readonly stop: Buffer | null) {}
  write(chunk: Buffer | string): boolean {
    if (chunk === this.stop) return true;
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(b);
    this.length += b.length;
    return true;
  }
  destroy(err?: Error): void {
    this.error = err ?? new Error('could not encode the packet');
  }
  concat(): Buffer {
    if (this.error) throw this.error;
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
  }
}

/** Options mqtt-packet reads: the version, and the peer's Maximum Packet Size (it drops reason strings to fit). */
export interface EncodeOptions {
  protocolVersion: MqttVersion;
  properties?: { maximumPacketSize?: number };
}

/** One whole packet; throws when mqtt-packet refuses it (a bug on our side, never client input). */
export function encode(packet: Packet, opts: EncodeOptions): Buffer {
  const c = new Collector(null);
  mqttPacket.writeToStream(packet, c as unknown as NodeJS.WritableStream, opts);
  return c.concat();
}

/**
 * The bytes of a PUBLISH before its payload (fixed header, topic, packet id, properties), built by
 * mqtt-packet for `payload` but without copying it: the transport sends header + shared payload as one
 * message.
 */
export function publishHeader(packet: Omit<IPublishPacket, 'payload'>, payload: Buffer, version: MqttVersion): Buffer {
  const c = new Collector(payload);
  mqttPacket.writeToStream({ ...packet, payload } as IPublishPacket, c as unknown as NodeJS.WritableStream, { protocolVersion: version });
  return c.concat();
}
