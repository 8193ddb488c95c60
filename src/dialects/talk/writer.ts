// Everything a STOMP session writes: control frames (CONNECTED, RECEIPT, ERROR), heart-beats, and
// MESSAGE frames whose shared part (destination, content headers, body) is framed once per event or
// broker message while each subscriber adds only its own command line and headers (the prefix).
import { isUtf8 } from 'node:buffer';
import { Payload, type Connection } from '../../gateway/connection.js';
import type { BrokerMessage, Delivery } from '../../broker/index.js';
import { messageToStompHeaders, queueToStompDestination, topicToStompDestination } from '../../broker/index.js';
import type { StompVersion } from './stomp-codec.js';
import { HEARTBEAT, encodeFrame, escapeHeader, type HeaderInput } from './stomp-serializer.js';

/**
 * A payload whose bytes are given rather than derived from text (broker messages may be any bytes). Its
 * `text` is empty: only byte transports (WebSocket, TCP) carry STOMP, and they read `bytes()`.
 */
export class BytesPayload extends Payload {
  constructor(private readonly buf: Buffer) {
    super('');
  }

  override bytes(): Buffer {
    return this.buf;
  }
}

const NUL = Buffer.from([0]);
const HEARTBEAT_PAYLOAD = new BytesPayload(HEARTBEAT);

/** The per-subscription start of a MESSAGE frame's prefix: built once at SUBSCRIBE. */
export function messageHead(subscriptionId: string, version: StompVersion): string {
  return 'MESSAGE\nsubscription:' + escapeHeader(subscriptionId, 'MESSAGE', version) + '\nmessage-id:';
}

/** A broker message framed once per STOMP version: headers after the prefix, body, and whether it is text. */
interface SharedTail {
  payload: BytesPayload;
  binary: boolean;
}

const tails: Record<StompVersion, WeakMap<BrokerMessage, SharedTail>> = { '1.0': new WeakMap(), '1.1': new WeakMap(), '1.2': new WeakMap() };

function brokerTail(d: Delivery, version: StompVersion): SharedTail {
  const cache = tails[version];
  let t = cache.get(d.message);
  if (t === undefined) {
    const m = d.message;
    const destination = d.kind === 'queue' ? queueToStompDestination(m.topic) : topicToStompDestination(m.topic);
    let text = 'destination:' + escapeHeader(destination, 'MESSAGE', version) + '\n';
    for (const [name, value] of messageToStompHeaders(m)) text += escapeHeader(name, 'MESSAGE', version) + ':' + escapeHeader(value, 'MESSAGE', version) + '\n';
    text += `content-length:${m.payload.length}\n\n`;
    t = { payload: new BytesPayload(Buffer.concat([Buffer.from(text, 'utf8'), m.payload])), binary: !isUtf8(m.payload) };
    cache.set(m, t);
  }
  return t;
}

export class StompWriter {
  /** Set by every write; the heart-beat timer clears it (nothing written for a period: send an EOL). */
  wrote = false;
  version: StompVersion = '1.2';
  private seq = 0;

  constructor(
    private readonly conn: Connection,
    /** The outgoing buffer is full: the session closes the connection as a slow consumer. */
    private readonly full: () => void,
  ) {}

  private send(p: Payload, prefix?: Buffer, binary = false): boolean {
    this.wrote = true;
    if (this.conn.send(p, prefix === undefined ? { binary } : { prefix, suffix: NUL, binary })) return true;
    this.full();
    return false;
  }

  /** A whole frame (CONNECTED, RECEIPT, ERROR, a MESSAGE of the session's own). */
  frame(command: string, headers: HeaderInput, body?: Buffer | string): boolean {
    return this.send(new BytesPayload(encodeFrame(command, headers, body, this.version)));
  }

  receipt(receipt: string | undefined): void {
    if (receipt !== undefined) this.frame('RECEIPT', { 'receipt-id': receipt });
  }

  error(message: string, detail: string, receipt: string | undefined, headers: Readonly<Record<string, string>> = {}): void {
    this.frame('ERROR', { message, 'receipt-id': receipt, ...headers, 'content-type': 'text/plain;charset=utf-8' }, detail);
  }

  backlogged(): boolean {
    return this.conn.backlogged();
  }

  drained(): Promise<void> {
    return this.conn.drained();
  }

  heartbeat(): void {
    this.send(HEARTBEAT_PAYLOAD);
  }

  /** The next message-id of this connection (also the `ack` id in client modes). */
  nextId(): number {
    return ++this.seq;
  }

  /**
   * A MESSAGE whose shared part is `tail` (destination … body, from the renderer), for one subscription:
   * `head` from messageHead(), then the message-id, the `ack` id in client modes and `extra` headers.
   */
  message(tail: Payload, head: string, id: number, ack: boolean, binary: boolean, extra = ''): boolean {
    const prefix = head + id + (ack ? '\nack:' + id : '') + extra + '\n';
    return this.send(tail, Buffer.from(prefix, 'utf8'), binary);
  }

  /** A broker delivery for one subscription; returns the message-id used. */
  delivery(d: Delivery, head: string, ack: boolean): number {
    const t = brokerTail(d, this.version);
    const id = this.nextId();
    this.message(t.payload, head, id, ack, t.binary, d.dup ? '\nredelivered:true' : '');
    return id;
  }
}
