// A light MQTT load-generator client (TCP, mqtt-packet framing): thousands of them fit in one process,
// which mqtt.js clients would not. Counts received PUBLISHes and records the latency from the send time
// carried in the payload (`{"t":<ms>}` for broker messages, the Dino message text for events).
import { createConnection, type Socket } from 'node:net';
import mqttPacket, { type IConnackPacket, type IPublishPacket, type Packet } from 'mqtt-packet';

export interface Sink {
  /** One PUBLISH received; `sentAt` is the publisher's clock (same machine), or null when the payload has none. */
  received(sentAt: number | null): void;
}

const TIME = /"t":(\d+(?:\.\d+)?)|t=(\d+(?:\.\d+)?)/;

export class BenchMqttClient {
  private readonly parser = mqttPacket.parser({ protocolVersion: 5 });
  private waiting: ((p: Packet) => void)[] = [];
  closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly sink: Sink | null,
  ) {
    this.parser.on('packet', (p: Packet) => this.onPacket(p));
    socket.on('data', (d) => this.parser.parse(d));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async connect(port: number, o: { username?: string; password?: string; clientId?: string }, sink: Sink | null): Promise<BenchMqttClient> {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const c = new BenchMqttClient(socket, sink);
    const ack = (await c.request({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: true,
      clientId: o.clientId ?? '',
      keepalive: 600,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: Buffer.from(o.password) } : {}),
    })) as IConnackPacket;
    if ((ack.reasonCode ?? 0) !== 0) throw new Error(`CONNACK ${ack.reasonCode}`);
    return c;
  }

  private onPacket(p: Packet): void {
    if (p.cmd === 'publish') {
      const text = (p as IPublishPacket).payload.toString();
      const m = TIME.exec(text);
      this.sink?.received(m === null ? null : Number(m[1] ?? m[2]));
      if (p.qos === 1) this.send({ cmd: 'puback', messageId: p.messageId, reasonCode: 0 });
      return;
    }
    this.waiting.shift()?.(p);
  }

  private request(p: Packet): Promise<Packet> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.send(p);
    });
  }

  send(p: Packet): void {
    if (!this.closed) this.socket.write(mqttPacket.generate(p, { protocolVersion: 5 }));
  }

  async subscribe(topic: string, qos: 0 | 1 = 0): Promise<number> {
    const ack = (await this.request({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] })) as { granted: number[] };
    return ack.granted[0];
  }

  publish(topic: string, payload: Buffer): void {
    this.send({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
  }

  close(): void {
    this.socket.destroy();
  }
}
