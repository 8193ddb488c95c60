// WebSocket transport: upgrade routing by path, sessions that write pre-framed bytes straight to the
// socket (all frames pending in one turn of the event loop go out in one write), and ping/pong heartbeats.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { Session, type CloseReason } from '../gateway/session.js';
import type { Prepared } from '../gateway/prepared.js';
import type { Dialect } from '../dialects/dialect.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void;

/** Close codes a client can log (4000-4999 are the application's range). */
export const CLOSE_CODES: Record<CloseReason, number> = {
  client: 1000,
  shutdown: 1001,
  protocol_error: 1008,
  auth: 4001,
  heartbeat_timeout: 4002,
  slow_consumer: 4008,
};

export function routeUpgrades(server: Server, routes: Map<string, UpgradeHandler>): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handler = routes.get(url.pathname);
    if (!handler) return rejectUpgrade(socket, 404, 'Not Found');
    handler(req, socket, head, url);
  });
}

export function rejectUpgrade(socket: Duplex, status: number, reason: string, body = ''): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

export function newWsServer(maxPayload: number): WebSocketServer {
  return new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: true });
}

/** Terminates sockets that did not answer the previous ping; returns a stop function. */
export function startHeartbeat(wss: WebSocketServer, seconds: number, onTimeout: (ws: WebSocket) => void): () => void {
  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (ws) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
  });
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        onTimeout(ws);
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

export class WsSession extends Session {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private scheduled = false;

  constructor(
    userId: number,
    dialect: Dialect,
    readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly maxBuffered: number,
  ) {
    super(userId, dialect, 'websocket');
  }

  protected write(frame: Prepared): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return true;
    const buf = frame.wsFrame();
    if (this.socket.writableLength + this.pendingBytes + buf.length > this.maxBuffered) return false;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return true;
  }

  backlogged(): boolean {
    return this.socket.writableLength + this.pendingBytes > this.maxBuffered / 2;
  }

  drained(): Promise<void> {
    this.flush();
    return this.whenDrained(this.socket);
  }


  private readonly flush = (): void => {
    this.scheduled = false;
    const out = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (out.length === 0 || this.ws.readyState !== WebSocket.OPEN) return;
    this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
  };

  close(reason: CloseReason, message: string): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    this.pending = [];
    // For a peer that stopped reading, the close frame waits behind its buffer; ws destroys the socket if
    // the close handshake has not finished after its close timeout (30 s), so memory stays bounded.
    if (reason === 'heartbeat_timeout') this.ws.terminate();
    else this.ws.close(CLOSE_CODES[reason], message.slice(0, 120));
  }
}
