// Server-Sent Events transport: a hijacked HTTP response that stays open, keep-alive comments, a retry hint.
import type { ServerResponse } from 'node:http';
import { Session, type CloseReason } from '../gateway/session.js';
import type { Prepared } from '../gateway/prepared.js';
import type { Dialect } from '../dialects/dialect.js';

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
    if (this.closed || this.res.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
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

  /** Called when the client went away: stops timers without writing. */
  dispose(): void {
    this.closed = true;
    clearInterval(this.keepAlive);
  }
}
