// Server-Sent Events transport: one lifecycle for every SSE dialect. The dialect's `accept` authenticates
// (errors are problem JSON); then the reply is hijacked and stays open with a retry hint and keep-alive
// comments, as a write-only connection. Logged events carry `id:` so EventSource resumes by Last-Event-ID.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Payload } from '../gateway/connection.js';
import type { SseListener } from '../gateway/listeners.js';
import { parsePosition } from '../gateway/position.js';
import { BaseConnection } from './base.js';
import { OutBuffer, whenDrained } from './out-buffer.js';

export interface SseTransportOptions {
  maxBufferedBytes: number;
  heartbeatSeconds: number;
  log: Logger;
}

function buildRecord(x: Payload): Buffer {
  const data = x.text.includes('\n') ? x.text.split('\n').map((l) => `data: ${l}`).join('\n') : `data: ${x.text}`;
  return Buffer.from((x.position === null ? '' : `id: ${x.position}\n`) + (x.event === null ? '' : `event: ${x.event}\n`) + data + '\n\n');
}

/** The SSE record of a payload (`id:` for logged events, `event:` for named notices), built once. */
export function sseRecord(p: Payload): Buffer {
  return p.encoded('sse', buildRecord);
}

/** The resume position of an SSE request: the Last-Event-ID header (EventSource reconnects), else `?last_event_id=`. */
export function lastEventId(req: FastifyRequest): number | null {
  const header = req.headers['last-event-id'];
  const q = (req.query as { last_event_id?: unknown } | undefined)?.last_event_id;
  return parsePosition((Array.isArray(header) ? header[0] : header) ?? (typeof q === 'string' ? q : undefined));
}

export class SseConnection extends BaseConnection {
  readonly transport = 'sse' as const;
  private readonly out: OutBuffer;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    remoteAddress: string,
    private readonly maxBuffered: number,
    heartbeatSeconds: number,
  ) {
    super(null, remoteAddress);
    this.out = new OutBuffer(res, maxBuffered);
    this.keepAlive = setInterval(() => this.out.push(KEEP_ALIVE), heartbeatSeconds * 1000);
    this.keepAlive.unref();
  }

  send(p: Payload): boolean {
    if (this.closed) return true;
    const record = sseRecord(p);
    if (!this.out.fits(record.length)) return false;
    this.out.push(record);
    return true;
  }

  backlogged(): boolean {
    return this.out.backlogged();
  }

  drained(): Promise<void> {
    this.out.flush();
    return whenDrained(this.res, this.closed);
  }

  /** Ends the stream after what is queued, with a comment saying why; a client that stopped reading is cut instead. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    if (this.res.writableLength + this.out.pending > this.maxBuffered) return this.terminate();
    this.out.flush();
    clearInterval(this.keepAlive);
    this.res.end(`: closed (${code}): ${reason}\n\n`);
    this.finish({ code, reason, cause: 'local' });
  }

  terminate(): void {
    if (this.closed) return;
    clearInterval(this.keepAlive);
    this.out.clear();
    this.res.destroy();
    this.finish({ code: 1006, reason: 'terminated', cause: 'local' });
  }

  /** The client went away. */
  gone(): void {
    clearInterval(this.keepAlive);
    this.out.clear();
    this.finish({ code: 1001, reason: 'client disconnected', cause: 'peer' });
  }
}

const KEEP_ALIVE = Buffer.from(': keep-alive\n\n');

export class SseTransport {
  private readonly conns = new Set<SseConnection>();

  constructor(private readonly o: SseTransportOptions) {}

  /** Registers each listener's GET route (call before the server listens). */
  mount(app: FastifyInstance, listeners: readonly SseListener[]): void {
    for (const l of listeners) {
      app.get(l.path, { schema: l.schema ?? {} }, async (req, reply) => {
        const open = await l.accept(req, () => lastEventId(req));
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        res.write(`retry: ${l.retryMs}\n\n`);
        const conn = new SseConnection(res, req.ip, this.o.maxBufferedBytes, this.o.heartbeatSeconds);
        this.conns.add(conn);
        conn.onClose(() => this.conns.delete(conn));
        req.raw.on('close', () => conn.gone());
        try {
          open(conn);
        } catch (err) {
          this.o.log.error({ err, path: l.path }, 'sse stream failed to start');
          conn.close(1011, 'could not start the stream');
        }
      });
    }
  }

  close(): void {
    for (const c of [...this.conns]) c.close(1001, 'server shutting down: reconnect and resume');
  }
}
