// The broker inside the ACL, with mqtt.js (MQTT 5): in the generic `public/#` namespace retained messages
// (and clearing them), wills with Will Delay, shared subscriptions, topic aliases both ways, subscription
// identifiers and No Local; in a group's signalling namespace only members, and a member removed from the
// group loses the subscription before the next message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IClientOptions } from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import { api, newUser, sleep, type TestServer, type TestUser } from '../helpers/server.js';
import { RawMqtt, connectMqtt, group, startMqttServer, type MqttRecorder } from './mqtt-harness.js';

let srv: TestServer;
before(async () => {
  srv = await startMqttServer();
});
after(async () => {
  await srv.stop();
});

let seq = 0;
const topic = (name: string) => `public/test${++seq}/${name}`;
const login = (u: TestUser, opts: IClientOptions = {}, transport: 'tcp' | 'ws' = 'tcp'): Promise<MqttRecorder> => connectMqtt(srv, transport, { username: u.username, password: u.token, ...opts });

test('retained: a later subscriber gets the last retained message (RETAIN set); an empty retained message clears it', async () => {
  const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
  const t = topic('status');
  const pub = await login(u);
  await pub.client.publishAsync(t, 'first', { qos: 1, retain: true });
  await pub.client.publishAsync(t, 'second', { qos: 1, retain: true });
  const sub = await login(v, {}, 'ws');
  await sub.subscribe(t, { qos: 1 });
  const got = await sub.next((m) => m.topic === t);
  assert.deepEqual([got.text, got.packet.retain], ['second', true]);
  await pub.client.publishAsync(t, '', { qos: 1, retain: true });
  await sub.next((m) => m.topic === t && m.text === '');
  const late = await login(v);
  await late.subscribe(t, { qos: 1 });
  await pub.client.publishAsync(t, 'fence', { qos: 1 });
  await late.next((m) => m.text === 'fence');
  assert.deepEqual(late.frames.map((m) => m.text), ['fence'], 'the cleared retained message is not sent');
  await Promise.all([pub.end(), sub.end(), late.end()]);
});

test('will: published when the client drops; with Will Delay only after the delay; not after a normal DISCONNECT', async () => {
  const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
  const t = topic('will');
  const watcher = await login(v);
  await watcher.subscribe(t, { qos: 1 });

  const polite = await login(u, { will: { topic: t, payload: Buffer.from('polite'), qos: 1, retain: false } });
  await polite.end(); // DISCONNECT 0x00: no will
  const dropped = await login(u, { will: { topic: t, payload: Buffer.from('dropped'), qos: 1, retain: false } });
  await dropped.client.endAsync(true);
  await watcher.next((m) => m.text === 'dropped');

  const delayed = await login(u, { clientId: 'will-delay', clean: false, properties: { sessionExpiryInterval: 60 }, will: { topic: t, payload: Buffer.from('delayed'), qos: 1, retain: false, properties: { willDelayInterval: 1 } } });
  const droppedAt = Date.now();
  await delayed.client.endAsync(true);
  await watcher.next((m) => m.text === 'delayed', 5000);
  assert.ok(Date.now() - droppedAt >= 900, 'not before the Will Delay Interval');
  assert.deepEqual(watcher.frames.map((m) => m.text), ['dropped', 'delayed']);
  await watcher.end();
});

test('shared subscriptions: each message goes to one member of $share/group', async () => {
  const [u, v, w] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v'), await newUser(srv.url, 'w')];
  const t = topic('jobs');
  const a = await login(u);
  const b = await login(v, {}, 'ws');
  await a.subscribe(`$share/workers/${t}`, { qos: 1 });
  await b.subscribe(`$share/workers/${t}`, { qos: 1 });
  const pub = await login(w);
  for (let i = 0; i < 10; i++) await pub.client.publishAsync(t, `job ${i}`, { qos: 1 });
  const all = () => [...a.frames, ...b.frames].map((m) => m.text).sort();
  while (all().length < 10) await sleep(10);
  await sleep(50);
  assert.deepEqual(all(), Array.from({ length: 10 }, (_, i) => `job ${i}`).sort(), 'each job exactly once');
  assert.ok(a.frames.length > 0 && b.frames.length > 0, 'both members got work');
  await Promise.all([a.end(), b.end(), pub.end()]);
});

test('topic aliases both ways: the client publishes by alias; the server sends a topic once, then its alias', async () => {
  const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
  const t = topic('aliased');
  const sub = await login(v, { properties: { topicAliasMaximum: 5 } });
  await sub.subscribe(t, { qos: 0 });
  const pub = await RawMqtt.login(srv, u);
  pub.send({ cmd: 'publish', topic: t, payload: Buffer.from('a1'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } });
  pub.send({ cmd: 'publish', topic: '', payload: Buffer.from('a2'), qos: 0, retain: false, dup: false, properties: { topicAlias: 3 } });
  await sub.next((m) => m.text === 'a2');
  assert.deepEqual(sub.frames.map((m) => [m.topic, m.text]), [[t, 'a1'], [t, 'a2']], 'mqtt.js resolved both to the topic');
  const raw = sub.raw.frames;
  assert.equal(raw[0].properties?.topicAlias, 1);
  assert.equal(raw[0].topic, t, 'the first carries the topic and sets the alias');
  assert.equal(raw[1].properties?.topicAlias, 1);
  assert.equal(raw[1].topic, '', 'the next one only the alias');
  // An alias above the server's Topic Alias Maximum: DISCONNECT 0x94.
  pub.send({ cmd: 'publish', topic: t, payload: Buffer.from('x'), qos: 0, retain: false, dup: false, properties: { topicAlias: 33 } });
  assert.equal(await pub.disconnectCode(), 0x94);
  await sub.end();
});

test('subscription identifiers, No Local, overlapping subscriptions (one copy, every identifier)', async () => {
  const u = await newUser(srv.url, 'u');
  const base = topic('sid');
  const c = await login(u);
  await c.subscribe(`${base}/#`, { qos: 1, properties: { subscriptionIdentifier: 7 } });
  await c.subscribe(`${base}/+`, { qos: 0, properties: { subscriptionIdentifier: 9 } });
  await c.subscribe(`${base}/mine`, { qos: 1, nl: true });
  const other = await login(u);
  await other.client.publishAsync(`${base}/x`, 'from another connection', { qos: 1 });
  const m = await c.next((r) => r.text === 'from another connection');
  assert.deepEqual([...(m.packet.properties?.subscriptionIdentifier as number[])].sort(), [7, 9]);
  assert.equal(m.packet.qos, 1, 'the highest granted QoS');
  await c.client.publishAsync(`${base}/mine`, 'own message', { qos: 1 });
  await other.client.publishAsync(`${base}/x`, 'fence', { qos: 1 });
  await c.next((r) => r.text === 'fence');
  const own = c.frames.filter((r) => r.text === 'own message');
  // No Local drops the copy for `.../mine`; the overlapping `#` and `+` subscriptions still deliver it once.
  assert.equal(own.length, 1);
  assert.deepEqual([...(own[0].packet.properties?.subscriptionIdentifier as number[])].sort(), [7, 9]);
  assert.equal(c.frames.filter((r) => r.text === 'from another connection').length, 1, 'one copy per session');
  await Promise.all([c.end(), other.end()]);
});

test("a group's signalling namespace: members only; a removed member loses the subscription before the next message", async () => {
  const [alice, bob, mallory] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob'), await newUser(srv.url, 'mallory')];
  const g = await group(srv.url, alice, [bob]);
  const t = `dino/groups/${g.id}/typing`;
  const a = await login(alice);
  const b = await login(bob, {}, 'ws');
  const m = await login(mallory);
  await a.subscribe(t, { qos: 1 });
  await b.subscribe(t, { qos: 1 });
  assert.deepEqual((await m.suback(t)).granted, [0x87], 'not a member');
  assert.deepEqual((await m.suback('dino/groups/+/typing')).granted, [0x87], 'a wildcard over the group id is refused');
  await assert.rejects(m.client.publishAsync(t, 'intrusion', { qos: 1 }), (e: Error & { code?: number }) => e.code === 0x87);

  await b.client.publishAsync(t, 'bob is typing', { qos: 1 });
  await a.next((r) => r.text === 'bob is typing');
  await b.next((r) => r.text === 'bob is typing');

  const fenceTopic = topic('fence');
  await b.subscribe(fenceTopic, { qos: 1 });
  assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${g.id}/members/${bob.id}`, alice.token)).status, 204);
  await a.client.publishAsync(t, 'after bob left', { qos: 1 });
  await a.next((r) => r.text === 'after bob left');
  // Fence: a later message on a topic bob still holds reaches him; the group message before it did not.
  await a.client.publishAsync(fenceTopic, 'fence', { qos: 1 });
  await b.next((r) => r.text === 'fence');
  assert.ok(!b.frames.some((r) => r.text === 'after bob left'), 'bob no longer receives the group topic');
  await assert.rejects(b.client.publishAsync(t, 'still here?', { qos: 1 }), (e: Error & { code?: number }) => e.code === 0x87);
  await Promise.all([a.end(), b.end(), m.end()]);
});

test('a raw QoS 2 exchange: PUBREC, PUBREL, PUBCOMP; an unknown PUBREL gets PUBCOMP 0x92', async () => {
  const u = await newUser(srv.url, 'u');
  const t = topic('qos2');
  const sub = await login(u);
  await sub.subscribe(t, { qos: 2 });
  const c = await RawMqtt.login(srv, u);
  c.send({ cmd: 'publish', topic: t, payload: Buffer.from('exactly once'), qos: 2, messageId: 5, retain: false, dup: false });
  const rec = await c.next((p) => p.cmd === 'pubrec');
  assert.equal((rec as { reasonCode?: number }).reasonCode, 0);
  c.send({ cmd: 'publish', topic: t, payload: Buffer.from('exactly once'), qos: 2, messageId: 5, retain: false, dup: true });
  c.send({ cmd: 'pubrel', messageId: 5, reasonCode: 0 });
  await c.next((p) => p.cmd === 'pubcomp');
  c.send({ cmd: 'pubrel', messageId: 99, reasonCode: 0 });
  const unknown = await c.next((p) => p.cmd === 'pubcomp' && p.messageId === 99);
  assert.equal((unknown as { reasonCode?: number }).reasonCode, 0x92);
  await sub.next((r) => r.text === 'exactly once');
  await sleep(50);
  assert.equal(sub.frames.filter((r) => r.text === 'exactly once').length, 1, 'the repeated PUBLISH before PUBREL is not delivered twice');
  const p = sub.frames[0].packet as IPublishPacket;
  assert.equal(p.qos, 2);
  c.end();
  await sub.end();
});

test('request/response: Response Topic, Correlation Data, User Properties, Content Type and Message Expiry pass through; Response Information on request', async () => {
  const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
  const requester = await login(u, { properties: { requestResponseInformation: true } });
  const info = String(requester.connack?.properties?.responseInformation);
  assert.match(info, /^public\/responses\/[0-9a-f]{24}\/$/);
  const replyTo = `${info}calc`;
  await requester.subscribe(replyTo, { qos: 1 });
  const responder = await login(v, {}, 'ws');
  const t = topic('calc');
  await responder.subscribe(t, { qos: 1 });
  await requester.client.publishAsync(t, '2+2', {
    qos: 1,
    properties: { responseTopic: replyTo, correlationData: Buffer.from('req-1'), userProperties: { a: '1', b: ['x', 'y'] }, contentType: 'text/plain', messageExpiryInterval: 60 },
  });
  const req = await responder.next((m) => m.topic === t);
  const p = req.packet.properties!;
  assert.equal(p.responseTopic, replyTo);
  assert.equal(Buffer.from(p.correlationData!).toString(), 'req-1');
  assert.deepEqual({ ...p.userProperties }, { a: '1', b: ['x', 'y'] }, 'repeated names kept, in order');
  assert.equal(p.contentType, 'text/plain');
  assert.ok(p.messageExpiryInterval! >= 59 && p.messageExpiryInterval! <= 60, 'the remaining expiry');
  await responder.client.publishAsync(p.responseTopic!, '4', { qos: 1, properties: { correlationData: p.correlationData } });
  const res = await requester.next((m) => m.topic === replyTo);
  assert.equal(res.text, '4');
  assert.equal(Buffer.from(res.packet.properties!.correlationData!).toString(), 'req-1');
  await Promise.all([requester.end(), responder.end()]);
});

test("the client's Maximum Packet Size: a larger message is skipped (as if delivered), the next one arrives", async () => {
  const [u, v] = [await newUser(srv.url, 'u'), await newUser(srv.url, 'v')];
  const t = topic('big');
  const small = await login(u, { properties: { maximumPacketSize: 200 } });
  await small.subscribe(t, { qos: 1 });
  const pub = await login(v);
  await pub.client.publishAsync(t, 'x'.repeat(500), { qos: 1 });
  await pub.client.publishAsync(t, 'fits', { qos: 1 });
  await small.next((m) => m.text === 'fits');
  assert.deepEqual(small.frames.map((m) => m.text), ['fits']);
  await Promise.all([small.end(), pub.end()]);
});
