// A lean WebSocket client over a raw TCP socket. One load-generator process drives every client, so
// the per-frame cost matters more than features: it parses unmasked server frames in place and hands
// the payload bytes over without decoding them, answers pings, and does nothing else (no extensions,
// no fragmented messages — neither server under test sends them).
import { connect, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;

export type OnMessage = (payload: Buffer) => void;

/** A client frame: clients must mask, and an all-zero mask key leaves the payload bytes as they are. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  if (len > 0xffff) throw new Error('frame too long for the bench client');
  return Buffer.concat([head, Buffer.from([0, 0, 0, 0]), payload]);
}

/** Answers to commands start with their type within the first bytes, on both servers: `{"id":null,"type":"command.ack"`. */
const COMMAND_ANSWER = Buffer.from('"command.');
const ANSWER_WINDOW = 32;
const ACK = Buffer.from('"command.ack"');

export class WsClient {
  private rest: Buffer | null = null;
  private closing = false;
  /** The server ended the connection after the welcome (e.g. closed it as a slow consumer). */
  dropped = false;
  /** Commands sent and not yet answered; both servers answer a connection's commands in order. */
  private readonly pending: ((ok: boolean) => void)[] = [];

  private constructor(
    private readonly socket: Socket,
    /** Receives every data frame; swapped from the welcome waiter to the caller's handler. */
    private handler: OnMessage,
  ) {}

  /**
   * Opens ws://127.0.0.1:<port><path> and resolves on the first message (both servers send a welcome
   * once the connection is registered for fan-out), so a resolved client is ready to receive.
   */
  static open(port: number, path: string, headers: Record<string, string>, onMessage: OnMessage): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const key = randomBytes(16).toString('base64');
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      const fail = (err: Error) => {
        socket.destroy();
        reject(err);
      };
      socket.once('error', fail);
      socket.once('close', () => fail(new Error('connection closed before the welcome frame')));
      socket.on('connect', () => {
        const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
      });
      const client = new WsClient(socket, () => {
        client.handler = onMessage;
        socket.removeAllListeners('close');
        socket.removeAllListeners('error');
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          client.dropped = !client.closing;
          for (const resolve of client.pending.splice(0)) resolve(false);
        });
        resolve(client);
      });
      let head = Buffer.alloc(0);
      const onHandshake = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const response = head.subarray(0, end).toString('latin1');
        if (!response.startsWith('HTTP/1.1 101') || !response.includes(accept)) return fail(new Error(`upgrade refused: ${response.split('\r\n')[0]}`));
        socket.off('data', onHandshake);
        socket.on('data', client.onData);
        if (end + 4 < head.length) client.onData(head.subarray(end + 4));
      };
      socket.on('data', onHandshake);
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = null;
    let off = 0;
    while (buf.length - off >= 2) {
      const b0 = buf[off];
      let len = buf[off + 1] & 0x7f;
      let header = 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        header = 4;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        header = 10;
      }
      if (buf.length - off < header + len) break;
      const payload = buf.subarray(off + header, off + header + len);
      off += header + len;
      this.frame(b0 & 0x0f, payload);
    }
    if (off < buf.length) this.rest = buf.subarray(off);
  };

  /** Sends one command frame; resolves true on its `command.ack`, false on `command.error` or a drop. */
  command(text: string): Promise<boolean> {
    if (!this.socket.writable) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.socket.write(clientFrame(OP_TEXT, Buffer.from(text)));
    });
  }

  private frame(opcode: number, payload: Buffer): void {
    if (this.pending.length > 0 && (opcode === OP_TEXT || opcode === OP_BINARY)) {
      const at = payload.subarray(0, ANSWER_WINDOW).indexOf(COMMAND_ANSWER);
      // An answer carries the posted message (and its marker): it is the poster's receipt, not a delivery.
      if (at >= 0) return this.pending.shift()!(payload.subarray(at, at + ACK.length).equals(ACK));
    }
    if (opcode === OP_TEXT || opcode === OP_BINARY) this.handler(payload);
    else if (opcode === OP_PING) this.socket.write(clientFrame(0xa, payload));
    else if (opcode === OP_CLOSE) this.socket.end(clientFrame(OP_CLOSE, payload.subarray(0, 2)));
  }

  /** Close handshake from our side (status 1000), then half-close; the server finishes the close. */
  close(): void {
    this.closing = true;
    if (this.socket.writable) this.socket.end(clientFrame(OP_CLOSE, Buffer.from([0x03, 0xe8])));
  }

  /** Resolves once the TCP connection is gone. */
  closed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }
}
