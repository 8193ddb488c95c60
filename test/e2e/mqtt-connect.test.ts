// MQTT CONNECT and the topic ACL with mqtt.js over TCP and WebSocket: bad and missing credentials (CONNACK
// 0x86 / 0x87 with a reason string; 3.1.1 return codes 4 / 5), subscribing to another user's event topic
// or a wildcard that could reach one (SUBACK 0x87, refused not narrowed), publishing on event topics,
// Assigned Client Identifier, Server Keep Alive, session takeover (DISCONNECT 0x8E), and a 3.1.1 client.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { newUser, type TestServer } from '../helpers/server.js';
import { TRANSPORTS, connectMqtt, dinoClient, eventTopic, group, mqttUrl, post, startMqttServer } from './mqtt-harness.js';

let srv: TestServer;
before(async () => {
  srv = await startMqttServer();
});
after(async () => {
  await srv.stop();
});

/** Connects and returns the refusal CONNACK mqtt.js reports (it closes on a refusal). */
async function refused(transport: 'tcp' | 'ws', opts: mqtt.IClientOptions): Promise<{ code: number; reason: string | undefined }> {
  const client = mqtt.connect(mqttUrl(srv, transport), { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  return new Promise((resolve, reject) => {
    client.once('connect', () => reject(new Error('connected')));
    client.once('packetreceive', (p) => {
      if (p.cmd === 'connack') {
        const c = p as mqtt.IConnackPacket;
        resolve({ code: c.reasonCode ?? c.returnCode ?? -1, reason: c.properties?.reasonString });
        client.end(true);
      }
    });
  });
}

for (const t of TRANSPORTS) {
  describe(`over ${t}`, () => {
    test('a bad token: CONNACK 0x86 Bad User Name or Password, with a reason string', async () => {
      const u = await newUser(srv.url, 'u');
      const r = await refused(t, { username: u.username, password: 'not-a-token' });
      assert.equal(r.code, 0x86);
      assert.match(r.reason ?? '', /bad user name or password/);
    });

    test("a valid token under someone else's user name: 0x86", async () => {
      const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
      const r = await refused(t, { username: v.username, password: u.token });
      assert.equal(r.code, 0x86);
      assert.match(r.reason ?? '', /login does not match/);
    });

    test('no password: CONNACK 0x87 Not authorized, with a reason string', async () => {
      const u = await newUser(srv.url, 'u');
      const r = await refused(t, { username: u.username });
      assert.equal(r.code, 0x87);
      assert.match(r.reason ?? '', /Herald token as the password/);
      const none = await refused(t, {});
      assert.equal(none.code, 0x87);
    });

    test("another user's event topic, and wildcards that could reach one, are refused (0x87), not narrowed", async () => {
      const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
      const c = await connectMqtt(srv, t, { username: String(u.id), password: u.token });
      const all = await c.suback([eventTopic(v), 'dino/users/+/events', 'dino/#', '#', 'dino/users/#', eventTopic(u)], { qos: 1 });
      assert.deepEqual(all.granted, [0x87, 0x87, 0x87, 0x87, 0x87, 1]);
      // The refusal says why, in the SUBACK's reason string.
      const one = await c.suback(eventTopic(v));
      assert.deepEqual(one.granted, [0x87]);
      assert.match(String(one.properties?.reasonString), /not your user topic/);
      // A group v belongs to: u's own topic gets nothing of it, u's subscription to v's topic was not granted.
      const g = await group(srv.url, v, []);
      const vc = await connectMqtt(srv, t, { username: v.username, password: v.token });
      await vc.subscribe(eventTopic(v), { qos: 1 });
      const m = await post(srv.url, v, g.id, 'private');
      await vc.json(eventTopic(v), (j) => j.message_id === m.uuid);
      // Fence: a message in a group u is in reaches u after v's message was committed.
      const mine = await group(srv.url, u, []);
      const fence = await post(srv.url, u, mine.id, 'fence');
      await c.json(eventTopic(u), (j) => j.message_id === fence.uuid);
      assert.ok(!c.frames.some((f) => f.text.includes(m.uuid)), "u never sees v's event");
      await c.end();
      await vc.end();
    });

    test('publishing on an event topic is refused: PUBACK 0x87', async () => {
      const u = await newUser(srv.url, 'u');
      const c = await connectMqtt(srv, t, { username: u.username, password: u.token });
      await assert.rejects(c.client.publishAsync(eventTopic(u), '{"event_type":"message"}', { qos: 1 }), (e: Error & { code?: number }) => {
        assert.equal(e.code, 0x87);
        return true;
      });
      await c.end();
    });
  });
}

test('empty client id: an Assigned Client Identifier; keep alive 0: Server Keep Alive', async () => {
  const u = await newUser(srv.url, 'u');
  const c = await connectMqtt(srv, 'tcp', { username: u.username, password: u.token, clientId: '', keepalive: 0 });
  assert.match(String(c.connack?.properties?.assignedClientIdentifier), /^herald-/);
  assert.equal(c.connack?.properties?.serverKeepAlive, 300);
  assert.equal(c.connack?.properties?.receiveMaximum, 64);
  assert.equal(c.connack?.properties?.topicAliasMaximum, 32);
  await c.end();
});

test('the same client id twice: the first connection gets DISCONNECT 0x8E (session taken over)', async () => {
  const u = await newUser(srv.url, 'u');
  const first = await connectMqtt(srv, 'tcp', { username: u.username, password: u.token, clientId: 'phone-1' });
  const gone = new Promise<number | undefined>((resolve) => first.client.once('disconnect', (p) => resolve(p.reasonCode)));
  const second = await connectMqtt(srv, 'ws', { username: u.username, password: u.token, clientId: 'phone-1' });
  assert.equal(await gone, 0x8e);
  // Another user cannot take it: 0x85.
  const other = await newUser(srv.url, 'o');
  const r = await refused('tcp', { username: other.username, password: other.token, clientId: 'phone-1' });
  assert.equal(r.code, 0x85);
  await second.end();
});

test('MQTT 3.1.1: events arrive; bad credentials get return code 4, none 5', async () => {
  const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
  const c = await connectMqtt(srv, 'tcp', { protocolVersion: 4, username: u.username, password: u.token });
  const suback = await c.suback([eventTopic(u), eventTopic(v)], { qos: 1 });
  assert.deepEqual(suback.granted, [1, 0x80], '3.1.1 SUBACK: granted QoS, or 0x80 failure');
  const g = await group(srv.url, v, [u]);
  const m = await post(srv.url, v, g.id, 'to a 3.1.1 client');
  const ev = await c.json(eventTopic(u), (j) => j.message_id === m.uuid);
  assert.equal(ev.message_payload, 'to a 3.1.1 client');
  await c.end();
  assert.equal((await refused('tcp', { protocolVersion: 4, username: u.username, password: 'nope' })).code, 4);
  assert.equal((await refused('tcp', { protocolVersion: 4 })).code, 5);
});

test('WebSocket and TCP serve the same session: a client reconnecting over the other transport resumes it', async () => {
  const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
  const g = await group(srv.url, v, [u]);
  const a = await dinoClient(srv, u, 'tcp', { clientId: 'switcher', clean: false, properties: { sessionExpiryInterval: 600 } });
  await a.end();
  const m = await post(srv.url, v, g.id, 'while away');
  const b = await connectMqtt(srv, 'ws', { username: u.username, password: u.token, clientId: 'switcher', clean: false, properties: { sessionExpiryInterval: 600 } });
  assert.equal(b.connack?.sessionPresent, true);
  const ev = await b.json(eventTopic(u), (j) => j.message_id === m.uuid);
  assert.equal(ev.message_payload, 'while away');
  await b.end();
});
