// Server-Sent Events transport: a hijacked HTTP response that stays open, keep-alive comments, a retry hint.
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Session, type CloseReason } from '../gateway/session.js';
import type { Prepared } from '../gateway/prepared.js';
import type { AttachResult } from '../gateway/gateway.js';
import type { Dialect } from '../dialects/dialect.js';
import type { Context } from '../context.js';
import { badRequest } from '../core/errors.js';

/** A feed position sent by a client (Last-Event-ID, ?resume=): a non-negative integer, or null when absent. */
export function parsePosition(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest('a resume position (resume, Last-Event-ID) must be a non-negative integer');
  return n;
}

/** The resume position of an SSE request: the Last-Event-ID header (EventSource reconnects), else `fallback`. */
export function lastEventId(req: FastifyRequest, fallback: string | undefined): number | null {
  const header = req.headers['last-event-id'];
  return parsePosition((Array.isArray(header) ? header[0] : header) ?? fallback);
}

export interface SseStream {
  userId: number;
  dialect: Dialect;
  resume: number | null;
  epoch: string | null;
  retryMs: number;
  /** The dialect's own start frames (welcome, reset), sent after attach and before the replay. */
  announce(session: SseSession, plan: AttachResult): void;
}

/**
 * Serves one SSE stream for every dialect alike: hijacks the reply, registers the session (live events
 * are held from then on), lets the dialect announce the start, replays what was missed, then goes live.
 */
export async function serveSse(ctx: Context, req: FastifyRequest, reply: FastifyReply, o: SseStream): Promise<void> {
  reply.hijack();
  openSseResponse(reply.raw, o.retryMs);
  const session = new SseSession(o.userId, o.dialect, reply.raw, ctx.config.maxConnectionBufferBytes, ctx.config.heartbeatSeconds);
  req.raw.on('close', () => {
    session.dispose();
    ctx.gateway.detach(session);
  });
  try {
    o.announce(session, await ctx.gateway.attach(session, o.resume, o.epoch));
    await ctx.gateway.replay(session);
  } catch (err) {
    ctx.log.error({ err, dialect: o.dialect.name }, 'sse stream start failed');
    session.close('protocol_error', 'could not start the stream');
  }
}

export function openSseResponse(res: ServerResponse, retryMs: number, extraHeaders: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...extraHeaders,
  });
  res.write(`retry: ${retryMs}\n\n`);
}

export class SseSession extends Session {
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    userId: number,
    dialect: Dialect,
    private readonly res: ServerResponse,
    private readonly maxBuffered: number,
    heartbeatSeconds: number,
  ) {
    super(userId, dialect, 'sse');
    this.keepAlive = setInterval(() => this.res.write(': keep-alive\n\n'), heartbeatSeconds * 1000);
    this.keepAlive.unref();
  }

  protected write(frame: Prepared): boolean {
    if (this.res.writableLength > this.maxBuffered) return false;
    this.res.write(frame.sseRecord());
    return true;
  }

  backlogged(): boolean {
    return this.res.writableLength > this.maxBuffered / 2;
  }

  drained(): Promise<void> {
    return this.whenDrained(this.res);
  }


  close(reason: CloseReason, message: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    if (reason === 'slow_consumer') {
      this.res.destroy();
    } else {
      this.res.end(`: closed (${reason}): ${message}\n\n`);
    }
  }

  /** A named SSE event (ignored by `onmessage`), for dialect-specific notices outside the feed. */
  notice(event: string, data: unknown): void {
    if (!this.closed) this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Called when the client went away: stops timers without writing. */
  dispose(): void {
    this.closed = true;
    clearInterval(this.keepAlive);
  }
}
