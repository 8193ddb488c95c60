// WebSocket transport: routes each upgrade by path and subprotocol to a dialect's listener, owns the
// ping/pong heartbeat and the dead-peer cut, and writes pre-built frames straight to the socket (a turn's
// frames in one write; see ws-frame.ts for why that bypasses ws's own sender).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { HeraldError } from '../core/errors.js';
import type { CloseCause, Payload, SendOptions } from '../gateway/connection.js';
import type { OpenConnection, UpgradeRequest, WsListener } from '../gateway/listeners.js';
import { BaseConnection, closeReason } from './base.js';
import { OutBuffer, whenDrained } from './out-buffer.js';
import { OPCODE, prefixedFrame, wholeFrame } from './ws-frame.js';

export interface WsTransportOptions {
  /** Largest client message; larger ones close the connection with 1009. */
  maxFrameBytes: number;
  /** Outgoing bytes a connection may have pending (queued and in the socket). */
  maxBufferedBytes: number;
  heartbeatSeconds: number;
  log: Logger;
}

const SHUTDOWN = { code: 1001, reason: 'server shutting down: reconnect and resume' };

export class WsConnection extends BaseConnection {
  readonly transport = 'websocket' as const;
  /** Answered the last ping. */
  alive = true;
  private readonly out: OutBuffer;
  private cause: CloseCause | null = null;

  constructor(
    readonly ws: WebSocket,
    private readonly socket: Duplex,
    protocol: string | null,
    remoteAddress: string,
    maxBuffered: number,
    log: Logger,
  ) {
    super(protocol, remoteAddress);
    this.out = new OutBuffer(socket, maxBuffered);
    ws.on('message', (data, isBinary) => this.frame(toBuffer(data), isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('error', (err) => log.debug({ err }, 'websocket error'));
    ws.on('close', (code, reason) => {
      this.out.clear();
      this.finish({ code, reason: reason.toString(), cause: this.cause ?? 'peer' });
    });
  }

  send(p: Payload, o?: SendOptions): boolean {
    if (this.closed || this.cause !== null || this.ws.readyState !== WebSocket.OPEN) return true;
    const opcode = o?.binary ? OPCODE.binary : OPCODE.text;
    if (o?.prefix === undefined && o?.suffix === undefined) {
      const frame = wholeFrame(p, opcode);
      if (!this.out.fits(frame.length)) return false;
      this.out.push(frame);
      return true;
    }
    const parts = prefixedFrame(p, opcode, o.prefix, o.suffix);
    let n = 0;
    for (const part of parts) n += part.length;
    if (!this.out.fits(n)) return false;
    for (const part of parts) this.out.push(part);
    return true;
  }

  backlogged(): boolean {
    return this.out.backlogged();
  }

  drained(): Promise<void> {
    this.out.flush();
    return whenDrained(this.socket, this.closed);
  }

  /** Sends what is queued, then the close frame. A peer that stopped reading is cut by ws after its close timeout (30 s). */
  close(code: number, reason: string, cause: CloseCause = 'local'): void {
    if (this.cause !== null || this.closed) return;
    this.cause = cause;
    this.out.flush();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, closeReason(reason));
  }

  terminate(cause: CloseCause = 'local'): void {
    this.cause ??= cause;
    this.out.clear();
    this.ws.terminate();
  }

  /** Heartbeat: the peer missed a pong. */
  deadPeer(how: WsListener['deadPeer']): void {
    if (how === undefined) return this.terminate('heartbeat_timeout');
    this.close(how.code, how.reason, 'heartbeat_timeout');
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

interface Route {
  listener: WsListener;
  wss: WebSocketServer;
}

/** The first of the listener's protocols (its preference order) that the client offers. */
function choose(listener: WsListener, offered: readonly string[]): string | null {
  for (const p of listener.protocols ?? []) if (offered.includes(p)) return p;
  return null;
}

export function rejectUpgrade(socket: Duplex, status: number, reason: string, body = ''): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' };

export class WebSocketTransport {
  private readonly routes = new Map<string, Route[]>();
  private readonly conns = new Map<WsConnection, WsListener>();
  /** The subprotocol picked for an upgrade, handed to ws's handleProtocols. */
  private readonly picked = new WeakMap<IncomingMessage, string | null>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    server: Server,
    listeners: readonly WsListener[],
    private readonly o: WsTransportOptions,
  ) {
    for (const listener of listeners) {
      const wss = new WebSocketServer({
        noServer: true,
        maxPayload: listener.maxFrameBytes ?? o.maxFrameBytes,
        // Required by the raw-socket frame path (ws-frame.ts): no compression, ever.
        perMessageDeflate: false,
        clientTracking: false,
        handleProtocols: (_offered, req) => this.picked.get(req) ?? false,
      });
      const list = this.routes.get(listener.path) ?? [];
      list.push({ listener, wss });
      this.routes.set(listener.path, list);
    }
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.timer = setInterval(() => this.heartbeat(), o.heartbeatSeconds * 1000);
    this.timer.unref();
  }

  private route(path: string, offered: readonly string[]): { route: Route; protocol: string | null } | null {
    const list = this.routes.get(path) ?? [];
    for (const route of list) {
      const protocol = choose(route.listener, offered);
      if (protocol !== null) return { route, protocol };
    }
    const fallback = list.find((r) => r.listener.protocols === undefined || r.listener.protocols.length === 0);
    return fallback === undefined ? null : { route: fallback, protocol: null };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    const header = req.headers['sec-websocket-protocol'];
    const offered = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
    if (!this.routes.has(url.pathname)) return rejectUpgrade(socket, 404, 'Not Found', problem(404, `no WebSocket endpoint at ${url.pathname}`));
    const found = this.route(url.pathname, offered);
    if (found === null) return rejectUpgrade(socket, 400, 'Bad Request', problem(400, `none of the offered subprotocols (${offered.join(', ') || 'none'}) is spoken here`));
    const { route, protocol } = found;
    const request: UpgradeRequest = { path: url.pathname, query: url.searchParams, headers: req.headers, protocol, remoteAddress: req.socket.remoteAddress ?? '' };
    Promise.resolve()
      .then(() => route.listener.accept(request))
      .then(
        (open) => this.complete(route, req, socket, head, protocol, request.remoteAddress, open),
        (e: unknown) => {
          const status = e instanceof HeraldError ? e.status : 500;
          if (status === 500) this.o.log.error({ err: e }, 'websocket upgrade failed');
          rejectUpgrade(socket, status, REASONS[status] ?? 'Error', problem(status, e instanceof HeraldError ? e.message : 'internal error'));
        },
      );
  }

  private complete(route: Route, req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string | null, remote: string, open: OpenConnection): void {
    if (socket.destroyed) return;
    this.picked.set(req, protocol);
    route.wss.handleUpgrade(req, socket, head, (ws) => {
      if (ws.extensions !== '') {
        // Never negotiated with perMessageDeflate off; the frame path would corrupt a compressed stream.
        this.o.log.error({ extensions: ws.extensions }, 'websocket extension negotiated: refusing the connection');
        ws.terminate();
        return;
      }
      const conn = new WsConnection(ws, socket, protocol, remote, this.o.maxBufferedBytes, this.o.log);
      this.conns.set(conn, route.listener);
      conn.onClose(() => this.conns.delete(conn));
      try {
        open(conn);
      } catch (err) {
        this.o.log.error({ err }, 'websocket session failed to start');
        conn.close(1011, 'could not start the session');
      }
    });
  }

  /** Pings every connection; one that did not answer the previous ping is a dead peer. */
  private heartbeat(): void {
    for (const [conn, listener] of this.conns) {
      if (!conn.alive) {
        conn.deadPeer(listener.deadPeer);
        continue;
      }
      conn.alive = false;
      if (conn.ws.readyState === WebSocket.OPEN) conn.ws.ping();
    }
  }

  connectionCount(): number {
    return this.conns.size;
  }

  /** Closes every connection (1001) and stops accepting. */
  close(): void {
    clearInterval(this.timer);
    for (const conn of [...this.conns.keys()]) conn.close(SHUTDOWN.code, SHUTDOWN.reason, 'shutdown');
    for (const list of this.routes.values()) for (const r of list) r.wss.close();
  }
}

function problem(status: number, title: string): string {
  return JSON.stringify({ title, status });
}
