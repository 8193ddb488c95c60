// A raw STOMP client for wire-level tests: bytes exactly as written (over WebSocket or TCP), server frames
// read back with the dialect's own parser, heart-beat EOLs counted.
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { Recorder, type TestServer } from '../helpers/server.js';
import { StompParser, type StompFrame } from '../../src/dialects/talk/stomp-codec.js';

export class RawStomp extends Recorder<StompFrame> {
  heartbeats = 0;
  closeCode: number | null = null;
  readonly closed: Promise<void>;
  private done!: () => void;
  private readonly parser = new StompParser({ frame: (f) => this.record(f), heartbeat: () => this.heartbeats++ }, { maxBodyBytes: 8 * 1024 * 1024 });

  private constructor(
    private readonly ws: WebSocket | null,
    private readonly socket: Socket | null,
  ) {
    super((f) => `${f.command}${f.headers.message ? `(${f.headers.message})` : ''}`);
    this.closed = new Promise((resolve) => (this.done = resolve));
  }

  static async ws(srv: TestServer, protocols: string[] = ['v12.stomp']): Promise<RawStomp> {
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/ws`, protocols);
    const c = new RawStomp(ws, null);
    ws.on('message', (data: Buffer) => c.parser.push(data));
    ws.on('close', (code) => {
      c.closeCode = code;
      c.done();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  static async tcp(port: number): Promise<RawStomp> {
    const socket = tcpConnect(port, '127.0.0.1');
    const c = new RawStomp(null, socket);
    socket.on('data', (d) => c.parser.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => c.done());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return c;
  }

  /** One WebSocket message (text for a string, binary for a Buffer), or bytes on the TCP stream. */
  write(data: string | Buffer): void {
    if (this.ws !== null) this.ws.send(data, { binary: typeof data !== 'string' });
    else this.socket!.write(data);
  }

  /** CONNECT with a bearer token and more headers, then waits for CONNECTED (or ERROR). */
  async connect(token: string, headers: Record<string, string> = {}): Promise<StompFrame> {
    const lines = Object.entries({ 'accept-version': '1.2', host: 'herald', Authorization: `Bearer ${token}`, ...headers }).map(([k, v]) => `${k}:${v}\n`);
    this.write(`CONNECT\n${lines.join('')}\n\0`);
    return this.next((f) => f.command === 'CONNECTED' || f.command === 'ERROR');
  }

  receipt(id: string): Promise<StompFrame> {
    return this.next((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === id);
  }

  get isOpen(): boolean {
    return this.ws !== null ? this.ws.readyState === WebSocket.OPEN : !this.socket!.destroyed;
  }

  close(): void {
    this.ws?.close();
    this.socket?.end();
  }
}
