// Many WebSocket clients of one target, opened with bounded concurrency (a burst of thousands of
// simultaneous handshakes would only measure the accept queue).
import type { Target } from './target.js';
import { WsClient, type OnMessage } from './ws-client.js';
import { inParallel } from './util.js';

export class Fleet {
  private constructor(private readonly clients: WsClient[]) {}

  /** Opens connections first..first+count-1 and waits until each got its welcome frame. */
  static async connect(target: Target, count: number, first: number, onMessage: OnMessage, concurrency = 100): Promise<Fleet> {
    const clients = await inParallel(count, concurrency, (i) => {
      const spec = target.connectSpec(first + i);
      return WsClient.open(target.portFor?.(first + i) ?? target.server.port, spec.path, spec.headers, onMessage);
    });
    return new Fleet(clients);
  }

  /** Connection number i (as counted from `first`). */
  client(i: number): WsClient {
    return this.clients[i];
  }

  get size(): number {
    return this.clients.length;
  }

  /** Connections the server closed on its own. */
  dropped(): number {
    return this.clients.filter((c) => c.dropped).length;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.all(this.clients.map((c) => c.closed()));
  }
}
