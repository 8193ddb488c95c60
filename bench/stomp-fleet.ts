// STOMP subscribers for the fan-out bench: `ws` clients on /ws (subprotocol v12.stomp) that CONNECT
// with a user token, SUBSCRIBE to /countries/{chatId}/messages and hand each MESSAGE frame's bytes to
// the same delivery counter as the native clients (it finds the marker in the body without parsing).
import WebSocket from 'ws';
import type { OnMessage } from './ws-client.js';
import { inParallel } from './util.js';

export class StompFleet {
  private constructor(private readonly sockets: WebSocket[]) {}

  /** Opens one subscriber per token; resolves once each has its subscription's RECEIPT. */
  static async connect(port: number, tokens: readonly string[], chatId: number, onMessage: OnMessage, concurrency = 100): Promise<StompFleet> {
    const sockets = await inParallel(tokens.length, concurrency, (i) => open(port, tokens[i], chatId, onMessage));
    return new StompFleet(sockets);
  }

  get size(): number {
    return this.sockets.length;
  }

  dropped(): number {
    return this.sockets.filter((s) => s.readyState !== WebSocket.OPEN).length;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.readyState === WebSocket.CLOSED) return resolve();
            s.once('close', () => resolve());
            s.close();
          }),
      ),
    );
  }
}

function open(port: number, token: string, chatId: number, onMessage: OnMessage): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['v12.stomp'], { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(`CONNECT\naccept-version:1.2\nheart-beat:0,0\nAuthorization:Bearer ${token}\n\n\0SUBSCRIBE\nid:0\ndestination:/countries/${chatId}/messages\nreceipt:ready\n\n\0`);
    });
    const waiting = (data: Buffer) => {
      const text = data.toString('latin1');
      if (text.startsWith('ERROR')) return reject(new Error(text.split('\n', 3).join(' ')));
      if (!text.startsWith('RECEIPT')) return;
      ws.off('message', waiting);
      ws.on('message', (d: Buffer) => onMessage(d));
      resolve(ws);
    };
    ws.on('message', waiting);
  });
}
