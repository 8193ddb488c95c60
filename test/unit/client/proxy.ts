// A TCP proxy between an SDK client and a real Herald, to break the network the way real networks break:
// cut every connection (a drop), refuse new ones (server unreachable), swallow what the client sends (a
// half-dead link), silence open connections (a path that died without a close), or refuse WebSocket upgrades only (a proxy that strips them, so HTTP works but WS not).
import net from 'node:net';

export class FaultyProxy {
  /** New connections are closed at once. */
  refuse = false;
  /** Connections whose first request asks for a WebSocket upgrade are closed. */
  blockUpgrades = false;
  /** Bytes from the client are dropped (the server never hears them). */
  stalled = false;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  /** Pairs whose traffic is swallowed both ways without closing: a path that died silently (NAT timeout). */
  private readonly dead = new WeakSet<net.Socket>();
  private server!: net.Server;
  port = 0;

  static async start(targetPort: number): Promise<FaultyProxy> {
    const p = new FaultyProxy();
    p.server = net.createServer((c) => p.accept(c, targetPort));
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
    p.port = (p.server.address() as net.AddressInfo).port;
    return p;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private accept(client: net.Socket, targetPort: number): void {
    if (this.refuse) return void client.destroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    let first = true;
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d: Buffer) => {
      if (first && this.blockUpgrades && /^upgrade:\s*websocket/im.test(d.toString('latin1'))) return end();
      first = false;
      if (!this.stalled && !this.dead.has(client)) upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!this.dead.has(client)) client.write(d);
    });
    client.on('error', end).on('close', end);
    // The server may close its side of a dead path (its own heartbeat); the client must not hear of it.
    const upstreamEnd = () => (this.dead.has(client) ? upstream.destroy() : end());
    upstream.on('error', upstreamEnd).on('close', upstreamEnd);
  }

  /** Drops every open connection (both sides see a reset, no close frame). */
  cut(): number {
    const n = this.pairs.size;
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
    return n;
  }

  /** Every open connection goes silent both ways but stays open; new connections work. */
  blackhole(): number {
    for (const [a] of this.pairs) this.dead.add(a);
    return this.pairs.size;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
