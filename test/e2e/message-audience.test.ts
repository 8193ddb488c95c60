// A message with an audience (messages.post `audience`): only the listed members see it, through every
// dialect. Alice (native) posts to Bob only; Carol, a member outside the audience, listens on native WS,
// AirSend, Tracim SSE, Dino MQTT and STOMP and must get nothing of it — live, in history, in unread
// counts, in the space's latest message, on resume — and gets 404 for it as for a message that does not
// exist. Each check waits for a later unrestricted message ("after"): every client receives its feed in
// order, so what did not arrive before it was not sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, api, newUser, NativeClient, type Frame, type TestServer, type TestUser } from '../helpers/server.js';
import { AirSendClient, channel } from './airsend-harness.test.js';
import { TlmClient } from './tracim-helpers.js';
import { dinoClient, eventTopic, startMqttServer, type MqttRecorder } from './mqtt-harness.js';
import { StompTestClient, type Inbox } from './stomp-client.js';

const THREAD = (sid: number) => 2_000_000_000 + sid;
const COMMENT = (mid: number) => 1_000_000_000 + mid;

let srv: TestServer;
before(async () => {
  srv = await startMqttServer();
});
after(async () => {
  await srv.stop();
});

type Msg = { id: number; content: string; audience?: number[] };
const post = (u: TestUser, sid: number, body: Record<string, unknown>) => api<{ message: Msg }>(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, u.token, body);
const mentions = (f: Frame, text: string) => JSON.stringify(f.data).includes(text);

interface Listeners {
  user: TestUser;
  nat: NativeClient;
  air: AirSendClient;
  tlm: TlmClient;
  dino: MqttRecorder;
  stomp: StompTestClient;
  talk: Inbox;
  close(): Promise<void>;
}

async function listen(u: TestUser, sid: number): Promise<Listeners> {
  const nat = await NativeClient.connect(srv.url, u.token);
  const air = await AirSendClient.connect(srv, u);
  const tlm = await TlmClient.open(srv.url, u.id, u.token);
  const dino = await dinoClient(srv, u);
  const stomp = await StompTestClient.connect(srv, u);
  const talk = await stomp.subscribe(`/countries/${sid}/messages`);
  return {
    user: u, nat, air, tlm, dino, stomp, talk,
    close: async () => {
      tlm.close();
      await Promise.all([nat.close(), air.close(), dino.client.endAsync(), stomp.disconnect()]);
    },
  };
}

/** Waits until every client of `l` has the message `text`; returns nothing (the frames stay recorded). */
async function reached(l: Listeners, text: string): Promise<void> {
  await l.nat.next((f) => f.type === 'message.created' && (f.data.message as Msg).content === text);
  await l.air.next((f) => f.event === 'chat.postMessage' && f.payload.message.content === text);
  await l.tlm.next((t) => t.event_type === 'content.created.comment' && t.fields.content.raw_content === text);
  await l.dino.json(eventTopic(l.user), (j: { event_type: string; message_payload?: string }) => j.event_type === 'message' && j.message_payload === text);
  await l.talk.expect<{ content: string }>((x) => x.content === text);
}

/** Nothing any client of `l` received names `secret` (call after `reached(l, later message)`). */
function sawNothingOf(l: Listeners, secret: string, what: string): void {
  assert.deepEqual(l.nat.frames.filter((f) => mentions(f, secret)).map((f) => f.type), [], `${what}: native`);
  assert.deepEqual(l.air.frames.filter((f) => JSON.stringify(f.payload).includes(secret)).map((f) => f.event), [], `${what}: AirSend`);
  assert.deepEqual(l.tlm.frames.filter((t) => JSON.stringify(t.fields).includes(secret)).map((t) => t.event_type), [], `${what}: Tracim`);
  assert.deepEqual(l.dino.frames.filter((m) => m.text.includes(secret)).map((m) => m.topic), [], `${what}: Dino`);
  assert.deepEqual(l.talk.frames.filter((m) => m.body.includes(secret)).map((m) => m.headers.destination), [], `${what}: STOMP`);
}

test('a message with an audience reaches its audience only: live on every dialect, history, unread counts, latest message, resume; outsiders get 404', async () => {
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => newUser(srv.url, n)));
  const sid = await channel(srv.url, alice, [bob, carol], 'Launch');
  const b = await listen(bob, sid);
  const c = await listen(carol, sid);
  const bobNative = b.nat;
  try {
    // An unrestricted message first: everyone's connections are live.
    const open = await post(alice, sid, { content: 'hello all' });
    assert.equal(open.status, 201);
    assert.equal(open.body.message.audience, undefined, 'an unrestricted message has no audience');
    await reached(b, 'hello all');
    await reached(c, 'hello all');
    const welcome = c.nat.frames.find((f) => f.type === 'session.welcome')!;
    const resumeFrom = c.nat.frames.find((f) => f.type === 'message.created')!.id!;

    // Refusals: a non-member in the audience, a malformed audience.
    const stranger = await newUser(srv.url, 'stranger');
    assert.equal((await post(alice, sid, { content: 'x', audience: [bob.id, stranger.id] })).status, 400);
    assert.equal((await post(alice, sid, { content: 'x', audience: ['bob'] })).status, 400);

    // The restricted message (mentioning @all: only the audience is alerted), edited, reacted to and read by Bob.
    const secret = await post(alice, sid, { content: 'secret plan @all', audience: [bob.id] });
    assert.equal(secret.status, 201, JSON.stringify(secret.body));
    const sidOfSecret = secret.body.message.id;
    assert.deepEqual(secret.body.message.audience, [alice.id, bob.id].sort((x, y) => x - y), 'the author is added');
    const live = await bobNative.next((f) => f.type === 'message.created' && (f.data.message as Msg).id === sidOfSecret);
    assert.deepEqual((live.data.message as Msg).audience, [alice.id, bob.id].sort((x, y) => x - y), 'the audience sees who else sees it');
    await b.air.next((f) => f.event === 'chat.postMessage' && f.payload.message.content === 'secret plan @all');
    await b.tlm.next((t) => t.event_type === 'content.created.comment' && t.fields.content.raw_content === 'secret plan @all');
    await b.dino.json(eventTopic(bob), (j: { event_type: string; message_payload?: string }) => j.event_type === 'message' && j.message_payload === 'secret plan @all');
    await b.talk.expect<{ content: string }>((x) => x.content === 'secret plan @all');
    await bobNative.next((f) => f.type === 'alert.created' && mentions(f, 'secret plan'));
    assert.equal((await api(srv.url, 'PATCH', `/api/v1/messages/${sidOfSecret}`, alice.token, { content: 'secret plan, edited' })).status, 200);
    assert.equal((await api(srv.url, 'POST', `/api/v1/messages/${sidOfSecret}/reactions`, bob.token, { emoji: '👍' })).status, 200);
    assert.equal((await api(srv.url, 'POST', `/api/v1/messages/${sidOfSecret}/read`, bob.token)).status, 200);
    // Bob replies without naming an audience (as AirSend or Talk clients must): the reply keeps the parent's.
    const reply = await post(bob, sid, { content: 're: secret plan', parent_id: sidOfSecret });
    assert.equal(reply.status, 201);
    assert.deepEqual(reply.body.message.audience, [alice.id, bob.id].sort((x, y) => x - y), 'a reply inherits the audience');

    // The space is renamed: its latest message (AirSend channel.update, sent to every member) is not the secret.
    assert.equal((await api(srv.url, 'PATCH', `/api/v1/spaces/${sid}`, alice.token, { name: 'Launch 2' })).status, 200);
    const update = await c.air.next((f) => f.event === 'channel.update' && f.payload.channel.channel_name === 'Launch 2');
    assert.equal(update.payload.channel.latest_message.content, 'hello all');

    // The outsider tries the secret message: 404, as for one that does not exist.
    const asCarol = (method: string, path: string, body?: unknown) => api(srv.url, method, path, carol.token, body);
    assert.equal((await asCarol('GET', `/api/v1/messages/${sidOfSecret}`)).status, 404, 'get');
    assert.equal((await asCarol('PATCH', `/api/v1/messages/${sidOfSecret}`, { content: 'mine now' })).status, 404, 'edit');
    assert.equal((await asCarol('DELETE', `/api/v1/messages/${sidOfSecret}`)).status, 404, 'delete');
    assert.equal((await asCarol('POST', `/api/v1/messages/${sidOfSecret}/reactions`, { emoji: '👀' })).status, 404, 'react');
    assert.equal((await asCarol('POST', `/api/v1/messages/${sidOfSecret}/read`)).status, 404, 'read');
    assert.equal((await post(carol, sid, { content: 're: secret', parent_id: sidOfSecret })).status, 400, 'reply: as to a message that does not exist');
    const nativeRead = await c.nat.command('read', { message_id: sidOfSecret });
    assert.equal(nativeRead.type, 'command.error');
    assert.equal(nativeRead.data.code, 'not_found');
    assert.equal((await api(srv.url, 'GET', `/api/v1/messages/${sidOfSecret}`, bob.token)).status, 200, 'the audience may');

    // A later unrestricted message: Carol's clients got it, and nothing of the secret before it.
    await post(alice, sid, { content: 'after' });
    await reached(c, 'after');
    await reached(b, 'after');
    sawNothingOf(c, 'secret plan', 'live');
    assert.ok(b.nat.frames.some((f) => f.type === 'reaction.added' && mentions(f, 'secret plan')), 'Bob got the reaction');
    assert.ok(b.nat.frames.some((f) => f.type === 'message.updated' && mentions(f, 'secret plan, edited')), 'Bob got the edit');

    // History (REST and Tracim's thread), alerts and unread counts.
    const list = async (u: TestUser) => (await api<{ messages: Msg[] }>(srv.url, 'GET', `/api/v1/spaces/${sid}/messages`, u.token)).body.messages.map((m) => m.content);
    assert.deepEqual(await list(carol), ['after', 'hello all']);
    assert.deepEqual(await list(bob), ['after', 're: secret plan', 'secret plan, edited', 'hello all']);
    const comments = async (u: TestUser) => (await api<{ content_id: number }[]>(srv.url, 'GET', `/api/workspaces/${sid}/contents/${THREAD(sid)}/comments`, u.token)).body.map((x) => x.content_id);
    assert.ok(!(await comments(carol)).includes(COMMENT(sidOfSecret)), 'Tracim thread, outsider');
    assert.ok((await comments(bob)).includes(COMMENT(sidOfSecret)), 'Tracim thread, audience');
    assert.equal((await api(srv.url, 'GET', `/api/workspaces/${sid}/contents/${COMMENT(sidOfSecret)}`, carol.token)).status, 404, 'Tracim comment, outsider');
    const alerts = async (u: TestUser) => (await api<{ alerts: { message_id: number }[] }>(srv.url, 'GET', '/api/v1/alerts', u.token)).body.alerts.map((a) => a.message_id);
    assert.deepEqual(await alerts(carol), [], '@all in a restricted message alerts its audience only');
    assert.deepEqual(await alerts(bob), [sidOfSecret]);
    const unread = async (u: TestUser) => (await api<{ total_unread: number }>(srv.url, 'GET', '/api/v1/unread', u.token)).body.total_unread;
    assert.equal(await unread(carol), 2, 'hello all, after');
    assert.equal(await unread(bob), 2, 'hello all, after (Bob read the secret and wrote the reply)');

    // Resume from before the secret: Bob's replay has it, Carol's does not.
    const q = (from: number) => `?resume=${from}&epoch=${welcome.data.epoch as string}`;
    const cr = await NativeClient.connect(srv.url, carol.token, q(resumeFrom));
    const br = await NativeClient.connect(srv.url, bob.token, q(resumeFrom));
    try {
      await cr.next((f) => f.type === 'message.created' && (f.data.message as Msg).content === 'after');
      await br.next((f) => f.type === 'message.created' && (f.data.message as Msg).content === 'after');
      assert.deepEqual(cr.frames.filter((f) => mentions(f, 'secret plan')).map((f) => f.type), [], 'Carol replays nothing of it');
      assert.deepEqual(
        br.frames.filter((f) => mentions(f, 'secret plan') && f.type !== 'alert.created').map((f) => f.type),
        ['message.created', 'message.updated', 'reaction.added', 'message.read', 'message.created'],
        'Bob replays all of it',
      );
    } finally {
      await Promise.all([cr.close(), br.close()]);
    }

    // Carol deleting it fails; Alice deleting it tells Bob only.
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/messages/${sidOfSecret}`, alice.token)).status, 204);
    await post(alice, sid, { content: 'after delete' });
    await reached(c, 'after delete');
    await b.nat.next((f) => f.type === 'message.deleted' && (f.data.message as Msg).id === sidOfSecret);
    sawNothingOf(c, 'secret plan', 'after the delete');
  } finally {
    await Promise.all([b.close(), c.close()]);
  }
});

test('a member who leaves drops out of a message audience; the server API key sees every message', async () => {
  const [alice, bob, carol] = await Promise.all(['al', 'bo', 'ca'].map((n) => newUser(srv.url, n)));
  const sid = await channel(srv.url, alice, [bob, carol], 'Small');
  const m = await post(alice, sid, { content: 'for bob and carol', audience: [bob.id, carol.id] });
  assert.equal(m.status, 201);
  assert.deepEqual(m.body.message.audience, [alice.id, bob.id, carol.id].sort((x, y) => x - y));
  assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${sid}/members/${carol.id}`, alice.token)).status, 204);
  const view = await api<{ message: Msg }>(srv.url, 'GET', `/api/v1/messages/${m.body.message.id}`, alice.token);
  assert.deepEqual(view.body.message.audience, [alice.id, bob.id].sort((x, y) => x - y));
  // The server API key sees it (it sees every message).
  const asServer = await api<{ messages: Msg[] }>(srv.url, 'GET', `/api/v1/spaces/${sid}/messages`, API_KEY);
  assert.ok(asServer.body.messages.some((x) => x.id === m.body.message.id));
});
