// MQTT test harness: a Herald with its MQTT listener on a free port, and mqtt.js clients (MQTT 5 unless
// told) over TCP or WebSocket that record every PUBLISH they receive and can wait for one.
import assert from 'node:assert/strict';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { ISubackPacket } from 'mqtt-packet';

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

/** An mqtt.js client that records what it receives. */
export class MqttRecorder extends Recorder<Received> {
  connack: { sessionPresent: boolean; reasonCode?: number; properties?: Record<string, unknown> } | null = null;

  constructor(readonly client: MqttClient) {
    super((r) => r.topic);
    client.on('message', (topic, payload, packet) => this.record({ topic, text: payload.toString(), packet }));
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
