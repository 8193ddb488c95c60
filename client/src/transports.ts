// The two ways a client hears the server: a WebSocket (commands go the same way), or Server-Sent Events
// read with fetch (works in browsers and Node 20 alike, and can send the token as a header). Both deliver
// the same envelopes as text; the client above them keeps positions, acks and reconnects.
import type { FetchFn } from './rest.js';

export type TransportKind = 'websocket' | 'sse';

export interface CloseInfo {
  /** The transport connected (WebSocket open, or the SSE response was 200) before it closed. */
  opened: boolean;
  /** WebSocket close code; for SSE the code of a `: closed (<code>): <reason>` comment, else 1006. */
  code: number;
  reason: string;
  /** The HTTP status when the SSE request was refused (a WebSocket cannot tell a refused upgrade apart). */
  status?: number;
}

export interface TransportHandlers {
  /** One server envelope as text. */
  text(data: string): void;
  /** Anything arrived (a frame, an SSE comment): the connection is alive. */
  alive(): void;
  closed(info: CloseInfo): void;
}

export interface Transport {
  readonly kind: TransportKind;
  /** False when it cannot carry commands now (SSE never does). */
  send(text: string): boolean;
  close(): void;
}

/** The part of the WebSocket API the SDK uses: browsers' WebSocket and the `ws` package both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
/** Browsers' `WebSocket`, the `ws` package's, or any class whose instances behave as WebSocketLike. */
export type WebSocketCtor = new (url: string) => unknown;

const OPEN = 1;

/** The WebSocket constructor: the one given, the platform's, or the `ws` package (Node 20); null when none. */
export async function findWebSocket(given?: WebSocketCtor): Promise<WebSocketCtor | null> {
  if (given) return given;
  const platform = (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
  if (platform) return platform;
  try {
    // A variable specifier keeps bundlers from pulling `ws` into browser builds; it is an optional peer.
    const name = 'ws';
    const mod = (await import(name)) as { WebSocket?: WebSocketCtor; default?: WebSocketCtor };
    return mod.WebSocket ?? mod.default ?? null;
  } catch {
    return null;
  }
}

export function openWebSocket(Ctor: WebSocketCtor, url: string, h: TransportHandlers): Transport {
  let opened = false;
  let done = false;
  const finish = (info: CloseInfo) => {
    if (done) return;
    done = true;
    h.closed(info);
  };
  const ws = new Ctor(url) as WebSocketLike;
  ws.onopen = () => {
    opened = true;
    h.alive();
  };
  ws.onmessage = (ev) => {
    h.alive();
    if (typeof ev.data === 'string') h.text(ev.data);
  };
  ws.onclose = (ev) => finish({ opened, code: ev.code, reason: ev.reason });
  // A failed handshake reports an error and (usually) a close; the error alone is enough to move on.
  ws.onerror = () => {
    if (!opened) setTimeout(() => finish({ opened, code: 1006, reason: 'could not connect' }), 0);
  };
  return {
    kind: 'websocket',
    send(text) {
      if (ws.readyState !== OPEN) return false;
      ws.send(text);
      return true;
    },
    close() {
      ws.onmessage = null;
      try {
        ws.close(1000, 'client closed');
      } catch {
        // not open yet: closing a connecting socket throws in some runtimes
      }
      finish({ opened, code: 1000, reason: 'client closed' });
    },
  };
}

/** Reads `text/event-stream` from a fetch response: `data:` lines joined, dispatched at a blank line. */
export function openSse(fetchFn: FetchFn, url: string, token: string, h: TransportHandlers): Transport {
  const ctl = new AbortController();
  let opened = false;
  let done = false;
  let closing: { code: number; reason: string } | null = null;
  const finish = (info: CloseInfo) => {
    if (done) return;
    done = true;
    h.closed(info);
  };
  const line = (state: { data: string[] }, l: string) => {
    if (l === '') {
      if (state.data.length) h.text(state.data.join('\n'));
      state.data = [];
      return;
    }
    if (l.startsWith(':')) {
      // `: closed (4009): this account was deleted` ends a stream the server closed on purpose.
      const m = /^: ?closed \((\d+)\): ?(.*)$/.exec(l);
      if (m) closing = { code: Number(m[1]), reason: m[2] };
      return;
    }
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    const value = colon < 0 ? '' : l.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') state.data.push(value);
  };
  void (async () => {
    try {
      const res = await fetchFn(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` }, signal: ctl.signal });
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel().catch(() => undefined);
        return finish({ opened, code: 1006, reason: `HTTP ${res.status}`, status: res.status });
      }
      opened = true;
      h.alive();
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const state = { data: [] as string[] };
      let buf = '';
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        h.alive();
        buf += decoder.decode(value, { stream: true });
        const lines = buf.split(/\r\n|\r|\n/);
        buf = lines.pop() ?? '';
        for (const l of lines) line(state, l);
      }
      const c = closing as { code: number; reason: string } | null;
      finish({ opened, code: c?.code ?? 1006, reason: c?.reason ?? 'stream ended' });
    } catch {
      finish({ opened, code: 1006, reason: 'stream failed' });
    }
  })();
  return {
    kind: 'sse',
    send: () => false,
    close() {
      finish({ opened, code: 1000, reason: 'client closed' });
      ctl.abort();
    },
  };
}

/** A server envelope, or null for text that is not one. */
export function parseFrame(text: string): { id?: unknown; type: string; data?: unknown } | null {
  try {
    const f = JSON.parse(text) as { id?: unknown; type?: unknown; data?: unknown } | null;
    return typeof f === 'object' && f !== null && typeof f.type === 'string' ? (f as { type: string }) : null;
  } catch {
    return null;
  }
}
