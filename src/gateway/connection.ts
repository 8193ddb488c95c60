// The transport-neutral connection every protocol session talks to, and the rendered payload it sends.
// Transports (src/transports/) implement Connection; protocol sessions (src/dialects/*/protocol.ts) use it.

/**
 * One rendered payload (an event rendered once per dialect and view, or a control frame). Transports
 * cache their encodings of it here (the complete WebSocket frame per opcode, the SSE record, the bytes),
 * so every connection it goes to shares the same buffers.
 */
export class Payload {
  private encodings: Map<string, unknown> | null = null;

  constructor(
    readonly text: string,
    /** Feed position (SSE `id:`), null for ephemeral events and control frames. */
    readonly position: number | null = null,
    /** SSE event name for notices outside the feed (ignored by `onmessage`); null for plain messages. */
    readonly event: string | null = null,
  ) {}

  /** The encoding under `key`, built on first use. Keys are the transports' own (e.g. `ws:1`, `sse`). */
  encoded<T>(key: string, build: (p: Payload) => T): T {
    this.encodings ??= new Map();
    let e = this.encodings.get(key) as T | undefined;
    if (e === undefined) {
      e = build(this);
      this.encodings.set(key, e);
    }
    return e;
  }

  /** The UTF-8 bytes of the text (shared). */
  bytes(): Buffer {
    return this.encoded('utf8', utf8);
  }
}

const utf8 = (p: Payload) => Buffer.from(p.text);

export interface SendOptions {
  /** A binary message (WebSocket opcode 2) instead of text; byte streams ignore it. */
  binary?: boolean;
  /**
   * Per-connection bytes sent before the shared payload in the same message (an MQTT PUBLISH header, a
   * STOMP MESSAGE frame's headers). The payload's bytes are not copied.
   */
  prefix?: Buffer;
  /** Per-connection bytes after the payload in the same message (STOMP's NUL). */
  suffix?: Buffer;
}

export type CloseCause = 'peer' | 'local' | 'heartbeat_timeout' | 'error' | 'shutdown';

export interface CloseEvent {
  code: number;
  reason: string;
  cause: CloseCause;
}

export interface Connection {
  readonly transport: 'websocket' | 'sse' | 'tcp';
  /** The subprotocol chosen at the upgrade (`mqtt`, `v12.stomp`), or null. */
  readonly protocol: string | null;
  readonly remoteAddress: string;
  readonly closed: boolean;
  /**
   * Queues one message; false when the outgoing buffer is over its bound (nothing was queued: the
   * protocol closes the connection as a slow consumer). Everything queued in one turn of the event loop
   * goes out in one socket write.
   */
  send(payload: Payload, options?: SendOptions): boolean;
  /** True when half the outgoing bound is in use (a replay then waits for `drained`). */
  backlogged(): boolean;
  /** Resolves once the outgoing buffer has drained, or the connection closed. */
  drained(): Promise<void>;
  /** Sends what is queued, then closes with a code (WebSocket close code; ignored where there is none) and reason. */
  close(code: number, reason: string): void;
  /** Cuts the connection without a goodbye (a peer that stopped reading). */
  terminate(): void;
  /** Each client message (WebSocket) or chunk of bytes (TCP); SSE connections never receive any. */
  onFrame(handler: (data: Buffer, binary: boolean) => void): void;
  /** Once, when the connection is gone, whoever closed it (every handler, in registration order). */
  onClose(handler: (event: CloseEvent) => void): void;
}
