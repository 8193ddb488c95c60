// MQTT test harness: a Herald with its MQTT listener on a free port, and mqtt.js clients (MQTT 5 unless
// told) over TCP or WebSocket that record every PUBLISH they receive and can wait for one.
import assert from 'node:assert/strict';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { createConnection, type Socket } from 'node:net';
import mqttPacket, { type IConnackPacket, type IConnectPacket, type IDisconnectPacket, type ISubackPacket, type Packet } from 'mqtt-packet';

export type { ISubackPacket };
import { Recorder, api, startTestServer, type TestServer, type TestUser } from '../helpers/server.js';

export type Transport = 'tcp' | 'ws';
export const TRANSPORTS: readonly Transport[] = ['tcp', 'ws'];

export async function startMqttServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({}, { HERALD_MQTT_PORT: '0', ...env });
}

export function mqttUrl(srv: TestServer, transport: Transport): string {
  return transport === 'tcp' ? `mqtt://127.0.0.1:${srv.tcpPort('mqtt')}` : `ws://127.0.0.1:${srv.port}/mqtt`;
}

export interface Received {
  topic: string;
  text: string;
  packet: IPublishPacket;
}

/** PUBLISH packets as they arrive, before mqtt.js acknowledges them (or not: customHandleAcks). */
export class PacketLog extends Recorder<IPublishPacket> {
  constructor() {
    super((p) => p.topic);
  }
  push(p: IPublishPacket): void {
    this.record(p);
  }
  /** The next PUBLISH whose payload contains `text`. */
  containing(text: string, timeoutMs = 3000): Promise<IPublishPacket> {
    return this.next((p) => p.payload.toString().includes(text), timeoutMs);
  }
}

/** An mqtt.js client that records what it receives. */
export class MqttRecorder extends Recorder<Received> {
  connack: { sessionPresent: boolean; reasonCode?: number; properties?: Record<string, unknown> } | null = null;
  readonly raw = new PacketLog();

  constructor(readonly client: MqttClient) {
    super((r) => r.topic);
    client.on('message', (topic, payload, packet) => this.record({ topic, text: payload.toString(), packet }));
    client.on('packetreceive', (p) => {
      if (p.cmd === 'publish') this.raw.push({ ...(p as IPublishPacket) });
    });
  }

  /** Waits for a message on `topic` whose JSON matches `pred`. */
  async json<T = Record<string, unknown>>(topic: string, pred: (j: T) => boolean = () => true, timeoutMs = 3000): Promise<T> {
    const r = await this.next((m) => m.topic === topic && pred(JSON.parse(m.text) as T), timeoutMs);
    return JSON.parse(r.text) as T;
  }

  /** Every JSON payload received on `topic`, in order. */
  all<T = Record<string, unknown>>(topic: string): T[] {
    return this.frames.filter((m) => m.topic === topic).map((m) => JSON.parse(m.text) as T);
  }

  async subscribe(topic: string | string[], opts: mqtt.IClientSubscribeOptions = { qos: 1 }): Promise<mqtt.ISubscriptionGrant[]> {
    return this.client.subscribeAsync(topic, opts);
  }

  /** SUBSCRIBE and the SUBACK as received, refusals included (mqtt.js rejects subscribeAsync on any refusal). */
  suback(topic: string | string[], opts: mqtt.IClientSubscribeOptions = { qos: 1 }): Promise<ISubackPacket> {
    return new Promise((resolve) => {
      const on = (p: { cmd: string }) => {
        if (p.cmd !== 'suback') return;
        this.client.off('packetreceive', on);
        resolve(p as ISubackPacket);
      };
      this.client.on('packetreceive', on);
      this.client.subscribe(topic, opts, () => undefined);
    });
  }

  async end(): Promise<void> {
    await this.client.endAsync();
  }
}

/** Connects and waits for CONNACK; rejects with the CONNACK error when refused. */
export async function connectMqtt(srv: TestServer, transport: Transport, opts: IClientOptions): Promise<MqttRecorder> {
  const client = mqtt.connect(mqttUrl(srv, transport), { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  const rec = new MqttRecorder(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', (p) => {
      rec.connack = { sessionPresent: p.sessionPresent, reasonCode: p.reasonCode, properties: p.properties as Record<string, unknown> | undefined };
      resolve();
    });
    client.once('error', (e) => {
      client.end(true);
      reject(e);
    });
  });
  return rec;
}

/** A Dino user connected over `transport` and subscribed to their own event topic (QoS 1). */
export async function dinoClient(srv: TestServer, user: TestUser, transport: Transport = 'tcp', opts: IClientOptions = {}): Promise<MqttRecorder> {
  const c = await connectMqtt(srv, transport, { username: user.username, password: user.token, ...opts });
  const granted = await c.subscribe(eventTopic(user), { qos: 1 });
  assert.equal(granted[0].qos, 1, `granted ${JSON.stringify(granted)}`);
  return c;
}

export const eventTopic = (u: { id: number }): string => `dino/users/${u.id}/events`;

export async function group(base: string, owner: TestUser, members: TestUser[], name = 'general'): Promise<{ id: number; uuid: string }> {
  const r = await api<{ space: { id: number; uuid: string } }>(base, 'POST', '/api/v1/spaces', owner.token, { name, member_ids: members.map((m) => m.id) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.space;
}

export async function direct(base: string, a: TestUser, b: TestUser): Promise<{ id: number; uuid: string }> {
  const r = await api<{ space: { id: number; uuid: string } }>(base, 'POST', '/api/v1/spaces', a.token, { kind: 'direct', member_ids: [b.id] });
  assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.body));
  return r.body.space;
}

export async function post(base: string, author: TestUser, spaceId: number, content: string, extra: Record<string, unknown> = {}): Promise<{ id: number; uuid: string; created_at: number }> {
  const r = await api<{ message: { id: number; uuid: string; created_at: number } }>(base, 'POST', `/api/v1/spaces/${spaceId}/messages`, author.token, { content, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.message;
}

/** A raw MQTT client over TCP: packets generated and parsed by mqtt-packet, nothing acknowledged unless the test does. */
export class RawMqtt extends Recorder<Packet> {
  readonly closed: Promise<void>;
  private readonly parser = mqttPacket.parser({ protocolVersion: 5 });

  private constructor(
    readonly socket: Socket,
    readonly version: 4 | 5,
  ) {
    super((p) => p.cmd);
    this.parser.on('packet', (p: Packet) => this.record(p));
    socket.on('data', (d) => this.parser.parse(d));
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static async open(srv: TestServer, version: 4 | 5 = 5): Promise<RawMqtt> {
    const socket = createConnection({ host: '127.0.0.1', port: srv.tcpPort('mqtt')! });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    return new RawMqtt(socket, version);
  }

  /** Opens, sends CONNECT for `user` and waits for CONNACK. */
  static async login(srv: TestServer, user: TestUser, connect: Partial<IConnectPacket> = {}, version: 4 | 5 = 5): Promise<RawMqtt> {
    const c = await RawMqtt.open(srv, version);
    c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clean: true, clientId: '', keepalive: 60, username: user.username, password: Buffer.from(user.token), ...connect } as IConnectPacket);
    const ack = (await c.next((p) => p.cmd === 'connack')) as IConnackPacket;
    assert.equal(ack.reasonCode ?? ack.returnCode, 0, JSON.stringify(ack));
    return c;
  }

  send(p: Packet): void {
    this.socket.write(mqttPacket.generate(p, { protocolVersion: this.version }));
  }

  bytes(b: Buffer): void {
    this.socket.write(b);
  }

  of<T extends Packet>(cmd: T['cmd']): T[] {
    return this.frames.filter((p) => p.cmd === cmd) as T[];
  }

  /** The DISCONNECT the server sent before closing, if any. */
  async disconnectCode(): Promise<number | null> {
    await this.closed;
    const d = this.of<IDisconnectPacket>('disconnect')[0];
    return d === undefined ? null : (d.reasonCode ?? 0);
  }

  end(): void {
    this.socket.destroy();
  }
}
