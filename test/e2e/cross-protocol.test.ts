// One broker and one conversation across the broker protocols: a STOMP `/topic` SEND reaches an MQTT
// subscriber of the mapped topic and back, and a STOMP (Talk-and-Travel) user, a Dino (MQTT) user and an
// AirSend user in one chat see each other's joins and messages, each in their own document's format.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, newUser, type TestServer } from '../helpers/server.js';
import { AirSendClient } from './airsend-harness.test.js';
import { connectMqtt, dinoClient, eventTopic, post, startMqttServer } from './mqtt-harness.js';
import { StompTestClient, openChat } from './stomp-client.js';

let srv: TestServer;

const within = <T>(ms: number, p: Promise<T>, what: string): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms).unref())]);
before(async () => {
  srv = await startMqttServer();
});
after(async () => {
  await srv.stop();
});

test('one broker: a STOMP /topic SEND reaches an MQTT subscriber of the same topic, and an MQTT publish reaches a STOMP subscriber', async () => {
  const [s, m] = [await newUser(srv.url, 'stompy'), await newUser(srv.url, 'mqtty')];
  const stomp = await StompTestClient.connect(srv, s);
  const mqtt = await connectMqtt(srv, 'tcp', { username: m.username, password: m.token });
  try {
    assert.equal((await mqtt.subscribe('public/weather/+', { qos: 1 }))[0].qos, 1);
    const inbox = await stomp.subscribe('/topic/public/weather/*');

    await stomp.send('/topic/public/weather/kyiv', 'sunny, 24°C', { 'content-type': 'text/plain' });
    const got = await mqtt.next((r) => r.topic === 'public/weather/kyiv');
    assert.equal(got.text, 'sunny, 24°C');
    assert.equal(got.packet.properties?.contentType, 'text/plain');

    await mqtt.client.publishAsync('public/weather/lviv', 'rain', { qos: 1, properties: { contentType: 'text/plain' } });
    const back = await inbox.next((f) => f.headers.destination === '/topic/public/weather/lviv');
    assert.equal(back.body, 'rain');
    assert.equal(back.headers['content-type'], 'text/plain');
  } finally {
    await stomp.disconnect();
    await mqtt.client.endAsync();
  }
});

test('one chat: a STOMP user, a Dino user and an AirSend user see each other’s joins and messages', async () => {
  const [olena, dmytro, anna] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'dmytro'), await newUser(srv.url, 'anna')];
  // Dmytro opens the country chat (an open space); Anna is added; Olena joins over STOMP.
  const chat = await openChat(srv, dmytro, 'Ukraine');
  const dino = await dinoClient(srv, dmytro);
  const air = await AirSendClient.connect(srv, anna);
  const stomp = await StompTestClient.connect(srv, olena);
  try {
    // Anna is added through the REST API by a member, as AirSend users are.
    assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${chat}/members`, dmytro.token, { user_id: anna.id })).status, 201);
    await air.next((f) => f.event === 'user_added.channel' && f.payload.channel_id === chat);

    // Olena joins over STOMP: Dino sees `join` for her, AirSend sees user_added.channel for her.
    await stomp.sendJson('/chat/events.joinChat', { authorId: olena.id, chatId: chat });
    const join = await dino.json(eventTopic(dmytro), (j: { event_type: string; user_id?: number; group_type?: number }) => j.event_type === 'join' && j.user_id === olena.id);
    assert.equal(join.group_type, 0);
    const added = await air.next((f) => f.event === 'user_added.channel' && f.payload.user.id === olena.id);
    assert.equal(added.payload.channel_id, chat);

    // Olena posts over STOMP: Dino gets a `message`, AirSend a chat.postMessage.
    const messages = await stomp.subscribe(`/countries/${chat}/messages`);
    await stomp.sendJson('/chat/messages.send', { chatId: chat, senderId: olena.id, content: 'Привіт усім' });
    const dm = await dino.json(eventTopic(dmytro), (j: { event_type: string; message_payload?: string; sender_id?: number }) => j.event_type === 'message' && j.message_payload === 'Привіт усім');
    assert.equal(dm.sender_id, olena.id);
    const am = await air.next((f) => f.event === 'chat.postMessage' && f.payload.message.content === 'Привіт усім');
    assert.equal(am.payload.message.user_id, olena.id);

    // Dmytro (the Dino user, who posts over REST as Dino's apps did) and Anna (AirSend) post: Olena sees both over STOMP.
    await post(srv.url, dmytro, chat, 'from Dino');
    await post(srv.url, anna, chat, 'from AirSend');
    const fromDino = await messages.expect<{ content: string; senderId: number }>((x) => x.content === 'from Dino');
    assert.equal(fromDino.senderId, dmytro.id);
    const fromAir = await messages.expect<{ content: string; senderId: number }>((x) => x.content === 'from AirSend');
    assert.equal(fromAir.senderId, anna.id);
  } finally {
    await stomp.disconnect();
    await air.close();
    await dino.client.endAsync();
  }
});

test('revocation reaches the broker protocols: logging out a token closes the MQTT and STOMP connections opened with it; another token’s connections stay', async () => {
  const u = await newUser(srv.url, 'leaver');
  const second = await api<{ token: string }>(srv.url, 'POST', '/api/v1/user.login', undefined, { email: u.email, password: 'correct horse battery' });
  assert.equal(second.status, 200);
  const mqtt = await connectMqtt(srv, 'tcp', { username: u.username, password: u.token });
  const stomp = await StompTestClient.connect(srv, u);
  const other = await connectMqtt(srv, 'tcp', { username: u.username, password: second.body.token });
  const mqttGone = new Promise<number | undefined>((resolve) => mqtt.client.once('disconnect', (p) => resolve(p.reasonCode)));
  const stompGone = new Promise<string>((resolve) => stomp.client.onStompError = (f) => resolve(f.headers.message));
  try {
    assert.equal((await api(srv.url, 'POST', '/api/v1/user.logout', u.token)).status, 204);
    assert.equal(await within(3000, mqttGone, 'the MQTT connection stayed open'), 0x87, 'MQTT: DISCONNECT 0x87 (not authorized)');
    assert.match(await within(3000, stompGone, 'the STOMP connection stayed open'), /closed by the server/);
    // The other session is untouched: it still gets what it subscribes to.
    await other.client.subscribeAsync('public/after-logout', { qos: 1 });
    await other.client.publishAsync('public/after-logout', 'still here', { qos: 1 });
    assert.equal((await other.next((m) => m.topic === 'public/after-logout')).text, 'still here');
  } finally {
    await mqtt.client.endAsync(true);
    await stomp.disconnect().catch(() => undefined);
    await other.client.endAsync();
  }
});
