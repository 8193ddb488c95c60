// TCP transport: a `net` listener per dialect port (MQTT 1883, STOMP) behind the same Connection as
// WebSocket and SSE. It moves bytes only: the protocol session does its own framing (and keepalive).
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Payload, SendOptions } from '../gateway/connection.js';
import type { TcpListener } from '../gateway/listeners.js';
import { BaseConnection } from './base.js';
import { OutBuffer, whenDrained } from './out-buffer.js';

export interface TcpTransportOptions {
  maxBufferedBytes: number;
  log: Logger;
}

export class TcpConnection extends BaseConnection {
  readonly transport = 'tcp' as const;
  private readonly out: OutBuffer;
  private cause: 'local' | null = null;

  constructor(
    private readonly socket: Socket,
    maxBuffered: number,
    log: Logger,
  ) {
    super(null, socket.remoteAddress ?? '');
    this.out = new OutBuffer(socket, maxBuffered);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.frame(chunk, true));
    socket.on('error', (err) => log.debug({ err }, 'tcp connection error'));
    socket.on('close', (hadError) => {
      this.out.clear();
      this.finish({ code: hadError ? 1006 : 1000, reason: hadError ? 'connection error' : 'connection closed', cause: this.cause ?? (hadError ? 'error' : 'peer') });
    });
  }

  /** Queues prefix + payload bytes + suffix (the payload's bytes are shared, not copied). */
  send(p: Payload, o?: SendOptions): boolean {
    if (this.closed || this.cause !== null) return true;
    const body = p.bytes();
    const n = (o?.prefix?.length ?? 0) + body.length + (o?.suffix?.length ?? 0);
    if (!this.out.fits(n)) return false;
    if (o?.prefix !== undefined) this.out.push(o.prefix);
    this.out.push(body);
    if (o?.suffix !== undefined) this.out.push(o.suffix);
    return true;
  }

  backlogged(): boolean {
    return this.out.backlogged();
  }

  drained(): Promise<void> {
    this.out.flush();
    return whenDrained(this.socket, this.closed);
  }

  /** Byte streams have no close code: sends what is queued, then ends the stream. */
  close(_code: number, _reason: string): void {
    if (this.cause !== null || this.closed) return;
    this.cause = 'local';
    this.out.flush();
    this.socket.end();
  }

  terminate(): void {
    this.cause ??= 'local';
    this.out.clear();
    this.socket.destroy();
  }
}

export class TcpTransport {
  private readonly servers = new Map<string, Server>();
  private readonly conns = new Set<TcpConnection>();

  constructor(private readonly o: TcpTransportOptions) {}

  /** Starts listening on every listener's port (0: any free port; see `port`). */
  async listen(listeners: readonly TcpListener[]): Promise<void> {
    for (const l of listeners) {
      const server = createServer((socket) => {
        const conn = new TcpConnection(socket, this.o.maxBufferedBytes, this.o.log);
        this.conns.add(conn);
        conn.onClose(() => this.conns.delete(conn));
        try {
          l.accept(conn);
        } catch (err) {
          this.o.log.error({ err, listener: l.name }, 'tcp session failed to start');
          conn.terminate();
        }
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(l.port, l.host ?? '0.0.0.0', () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.servers.set(l.name, server);
    }
  }

  /** The port a listener is bound to. */
  port(name: string): number | null {
    const s = this.servers.get(name);
    return s === undefined ? null : (s.address() as AddressInfo).port;
  }

  /** Ends every connection (after what is queued), cutting those whose peer does not close within a second. */
  async close(): Promise<void> {
    const conns = [...this.conns];
    const gone = conns.map((c) => new Promise<void>((resolve) => c.onClose(() => resolve())));
    for (const c of conns) c.close(1001, 'server shutting down');
    const closed = Promise.all([...[...this.servers.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))), ...gone]);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([closed, grace]);
    for (const c of [...this.conns]) c.terminate();
    await closed;
    this.servers.clear();
  }
}
