// Low-level realtime clients for reliability tests: a WebSocket that records every frame and its close
// code (any dialect), and an SSE reader over fetch that exposes the HTTP status and every record.
import WebSocket from 'ws';
import { Recorder, SocketRecorder } from './recorder.js';

/** A received WebSocket frame: parsed JSON when it is JSON, else the text. */
export type WsFrame = Record<string, unknown>;

export interface Refused {
  refused: true;
  status: number;
  body: string;
}

export class WsClient extends SocketRecorder<WsFrame> {
  private constructor(ws: WebSocket) {
    super(ws, (f) => String(f.type ?? f.event ?? f.command ?? '?'));
    ws.on('message', (data) => {
      const text = data.toString();
      let f: WsFrame;
      try {
        const v: unknown = JSON.parse(text);
        f = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as WsFrame) : { value: v };
      } catch {
        f = { text };
      }
      this.record(f);
    });
    ws.on('error', () => {});
  }

  /** Opens `url`; resolves with the client, or with the HTTP status when the upgrade is refused. */
  static open(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<WsClient | Refused> {
    const ws = new WebSocket(url, { headers, maxPayload: 64 * 1024 * 1024 });
    const c = new WsClient(ws);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        ws.terminate();
        reject(new Error(`WebSocket ${url} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => (clearTimeout(t), resolve(c)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          clearTimeout(t);
          resolve({ refused: true, status: res.statusCode ?? 0, body });
          ws.terminate();
        });
      });
      ws.once('error', (e) => (clearTimeout(t), reject(e)));
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(data: string | Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  /** Sends bytes as a text (binary=false, even when not UTF-8) or binary frame. */
  sendRaw(data: Buffer, binary: boolean): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data, { binary });
  }

  sendJson(v: unknown): void {
    this.send(JSON.stringify(v));
  }

  /** Waits for the close (with its code), up to `timeoutMs`; returns the code or null when still open. */
  async closedWithin(timeoutMs: number): Promise<number | null> {
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, timeoutMs))]);
    return this.closeCode;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000))]);
    this.ws.terminate();
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export const isRefused = (c: WsClient | Refused): c is Refused => (c as Refused).refused === true;

export interface SseRecord {
  id: string | null;
  event: string | null;
  data: string;
  json: Record<string, unknown> | null;
}

/** An SSE stream read with fetch: the response status and headers, and every record as it arrives. */
export class SseStream extends Recorder<SseRecord> {
  status = 0;
  contentType = '';
  /** The body of a refused (non-200) request. */
  body = '';
  ended = false;
  readonly done: Promise<void>;
  private readonly abort = new AbortController();
  private readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    super((r) => String(r.json?.type ?? r.json?.event_type ?? r.event ?? '?'));
    let markOpen!: () => void;
    this.opened = new Promise((r) => (markOpen = r));
    this.done = (async () => {
      try {
        const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: this.abort.signal });
        this.status = res.status;
        this.contentType = res.headers.get('content-type') ?? '';
        if (res.status !== 200 || !res.body) {
          this.body = await res.text();
          return;
        }
        markOpen();
        const decoder = new TextDecoder();
        let buf = '';
        for await (const chunk of res.body) {
          buf += decoder.decode(chunk as Uint8Array, { stream: true });
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            this.parse(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        }
      } catch {
        // aborted or reset
      } finally {
        this.ended = true;
        markOpen();
      }
    })();
  }

  private parse(block: string): void {
    let id: string | null = null;
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    const text = data.join('\n');
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
    this.record({ id, event, data: text, json });
  }

  /** Resolves once the response headers arrived (or the request failed). */
  async ready(timeoutMs = 5000): Promise<number> {
    await Promise.race([this.opened, new Promise((r) => setTimeout(r, timeoutMs))]);
    return this.status;
  }

  close(): void {
    this.abort.abort();
  }
}
