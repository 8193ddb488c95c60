// Persistent MQTT sessions with mqtt.js: a QoS 1 PUBLISH left unacknowledged (acks driven by hand) is
// resent with DUP and the same packet id after the client drops and reconnects, for Dino events and for a
// generic broker topic; Dino events that happen while a persistent session is away come from the event
// log on reconnect, in order, with Session Present = 1; a clean start gets none of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IClientOptions } from 'mqtt';
import { newUser, type TestServer, type TestUser } from '../helpers/server.js';
import type { IPublishPacket } from 'mqtt-packet';
import { RawMqtt, connectMqtt, eventTopic, group, post, startMqttServer, type MqttRecorder, type Transport } from './mqtt-harness.js';

let srv: TestServer;
before(async () => {
  srv = await startMqttServer();
});
after(async () => {
  await srv.stop();
});

const persistent = (clientId: string): IClientOptions => ({ clientId, clean: false, properties: { sessionExpiryInterval: 600 } });

/** A client that never acknowledges what it receives (PUBACK withheld). */
function noAcks(): IClientOptions {
  return { customHandleAcks: () => undefined };
}

/** Drops the connection without DISCONNECT (the network went away). */
async function drop(c: MqttRecorder): Promise<void> {
  await c.client.endAsync(true);
}

async function login(u: TestUser, transport: Transport, opts: IClientOptions): Promise<MqttRecorder> {
  return connectMqtt(srv, transport, { username: u.username, password: u.token, ...opts });
}

for (const transport of ['tcp', 'ws'] as const) {
  test(`${transport}: a Dino event left unacknowledged is resent with DUP and the same packet id after a reconnect`, async () => {
    const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
    const g = await group(srv.url, v, [u]);
    const id = `dup-events-${transport}`;
    const a = await login(u, transport, { ...persistent(id), ...noAcks() });
    await a.subscribe(eventTopic(u), { qos: 1 });
    const m1 = await post(srv.url, v, g.id, 'one');
    const first = await a.raw.containing(m1.uuid);
    assert.equal(first.qos, 1);
    assert.equal(first.dup, false);
    await drop(a);
    const m2 = await post(srv.url, v, g.id, 'two (while away)');

    const b = await login(u, transport, persistent(id));
    assert.equal(b.connack?.sessionPresent, true);
    const again = await b.raw.containing(m1.uuid);
    assert.equal(again.dup, true, 'resent with DUP');
    assert.equal(again.messageId, first.messageId, 'with the same packet id');
    await b.next((r) => r.text.includes(m2.uuid));
    const order = b.all<{ message_id?: string }>(eventTopic(u)).map((j) => j.message_id).filter((x) => x === m1.uuid || x === m2.uuid);
    assert.deepEqual(order, [m1.uuid, m2.uuid], 'in log order');
    await b.end();
  });
}

test('a generic-namespace QoS 1 message left unacknowledged is resent with DUP after a reconnect', async () => {
  const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
  const a = await login(u, 'tcp', { ...persistent('dup-broker'), ...noAcks() });
  await a.subscribe('public/dup/test', { qos: 1 });
  const pub = await login(v, 'tcp', {});
  await pub.client.publishAsync('public/dup/test', 'hello', { qos: 1 });
  const first = await a.raw.containing('hello');
  assert.equal(first.dup, false);
  await drop(a);
  await pub.client.publishAsync('public/dup/test', 'queued while away', { qos: 1 });
  const b = await login(u, 'tcp', persistent('dup-broker'));
  assert.equal(b.connack?.sessionPresent, true);
  const again = await b.raw.containing('hello');
  assert.deepEqual([again.dup, again.messageId], [true, first.messageId]);
  await b.next((r) => r.text === 'queued while away');
  await b.end();
  await pub.end();
});

test('offline Dino events come from the event log on reconnect, in order, Session Present = 1; a clean start gets none', async () => {
  const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
  const g = await group(srv.url, v, [u]);
  const a = await login(u, 'tcp', persistent('offline'));
  await a.subscribe(eventTopic(u), { qos: 1 });
  await a.end(); // a normal DISCONNECT: the session stays for 600 s
  const sent: string[] = [];
  for (let i = 0; i < 25; i++) sent.push((await post(srv.url, v, g.id, `away ${i}`)).uuid);

  const b = await login(u, 'ws', persistent('offline'));
  assert.equal(b.connack?.sessionPresent, true);
  await b.next((r) => r.text.includes(sent[24]), 5000);
  const got = b.all<{ message_id?: string }>(eventTopic(u)).map((j) => j.message_id);
  assert.deepEqual(got, sent, 'every event that happened while away, once, in order');
  // Live again after the replay.
  const live = await post(srv.url, v, g.id, 'live');
  await b.json(eventTopic(u), (j) => j.message_id === live.uuid);
  await b.end();

  const clean = await login(u, 'tcp', { clientId: 'offline', clean: true });
  assert.equal(clean.connack?.sessionPresent, false);
  const fence = await post(srv.url, v, g.id, 'fence');
  await clean.subscribe(eventTopic(u), { qos: 1 });
  const after = await post(srv.url, v, g.id, 'after');
  await clean.json(eventTopic(u), (j) => j.message_id === after.uuid);
  assert.ok(!clean.frames.some((f) => f.text.includes(fence.uuid)), 'a new subscription starts at the log head');
  await clean.end();
});

test("the client's Receive Maximum holds for event publishes: at most that many unacknowledged, the rest after acks", async () => {
  const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
  const g = await group(srv.url, v, [u]);
  const a = await RawMqtt.login(srv, u, { properties: { receiveMaximum: 3 } });
  a.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: eventTopic(u), qos: 1 }] });
  await a.next((p) => p.cmd === 'suback');
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) ids.push((await post(srv.url, v, g.id, `m${i}`)).uuid);
  // Fence on another connection of the same user (QoS 0: it receives everything at once).
  const probe = await login(u, 'tcp', {});
  await probe.subscribe(eventTopic(u), { qos: 0 });
  const fence = await post(srv.url, v, g.id, 'fence');
  await probe.json(eventTopic(u), (j) => j.message_id === fence.uuid);
  await a.next((p) => p.cmd === 'publish' && p.payload.toString().includes(ids[2]));
  const published = () => a.of<IPublishPacket>('publish');
  assert.equal(published().length, 3, 'three in flight, no more');
  for (let acked = 0; acked < 9; acked++) {
    await a.next(() => published().length > acked);
    a.send({ cmd: 'puback', messageId: published()[acked].messageId, reasonCode: 0 });
  }
  assert.deepEqual(published().map((p) => (JSON.parse(p.payload.toString()) as { message_id: string }).message_id), [...ids, fence.uuid]);
  a.end();
  await probe.end();
});
