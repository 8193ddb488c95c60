// Moobius channel services with plain `ws` clients: a service (key from HERALD_MOOBIUS_SERVICES) receives
// the user messages of its channels in the document's "service receive format", sends message_down to a
// subset of members (the others receive nothing), only to its channels; without a connected service user
// messages go to their recipients directly; a service that reconnects receives what it missed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startTestServer, newUser, api, sleep, NativeClient, type TestServer, type TestUser } from '../helpers/server.js';
import { MoobiusClient, UUID, channel, textUp, upload, uuidOf, type Space } from './moobius-harness.test.js';
import { AirSendClient } from './airsend-harness.test.js';

const KEY = 'service-key-0123456789abcdef';
/** A second service without a channel list: it runs every channel its user is in. */
const KEY2 = 'service-two-0123456789abcdef';
let srv: TestServer;
let dataDir: string;
type Person = TestUser & { uuid: string };
let svc: Person, svc2: Person, alice: Person, bob: Person, carol: Person, nat: Person;
/** The service runs `run`; it is a member of `other` too, but does not run it; `foreign` it is not in. */
let run: Space, other: Space, foreign: Space;
let SERVICES_ENV: Record<string, string>;

before(async () => {
  // Services name their Herald user and channels, which exist only once the server ran: make them, then
  // start again on the same data dir with the setting (as an operator would).
  const first = await startTestServer();
  dataDir = first.dir;
  const us = await Promise.all(['svc', 'alice', 'bob', 'carol', 'nat', 'svctwo'].map((n) => newUser(first.url, n)));
  [svc, alice, bob, carol, nat, svc2] = await Promise.all(us.map(async (u) => ({ ...u, uuid: await uuidOf(first.url, u) })));
  run = await channel(first.url, alice, [svc, bob, carol, nat], 'run');
  other = await channel(first.url, alice, [svc, bob], 'other');
  foreign = await channel(first.url, alice, [bob, svc2], 'foreign');
  await first.close();
  SERVICES_ENV = {
    HERALD_MOOBIUS_SERVICES: JSON.stringify([
      { key: KEY, user_id: svc.id, channels: [run.uuid] },
      { key: KEY2, user_id: svc2.id },
    ]),
  };
  srv = await startTestServer({ dataDir }, SERVICES_ENV);
});
after(async () => {
  await srv.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Waits until the user counts as offline (presence follows a closed connection asynchronously). */
async function offline(u: TestUser): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!(await api<{ user: { online: boolean } }>(srv.url, 'GET', `/api/v1/users/${u.id}`, alice.token)).body.user.online) return;
    await sleep(20);
  }
  assert.fail(`user ${u.id} still online`);
}

const connectUsers = () => Promise.all([alice, bob, carol].map((u) => MoobiusClient.user(srv.url, u.token)));

test('a service connects with its key only', async () => {
  const ws = srv.url.replace('http', 'ws') + '/moobius/service';
  await assert.rejects(MoobiusClient.open(ws, { headers: { authorization: 'Bearer wrong-key-0123456789abcdef' } }), /401/);
  await assert.rejects(MoobiusClient.open(ws), /401/);
  // A user token is not a service key.
  await assert.rejects(MoobiusClient.open(ws, { headers: { authorization: `Bearer ${alice.token}` } }), /401/);
  const s = await MoobiusClient.service(srv.url, KEY);
  await s.close();
});

test('user message_up reaches the service in the service receive format (not the users); message_down reaches the chosen members only', async () => {
  const s = await MoobiusClient.service(srv.url, KEY);
  const [a, b, c] = await connectUsers();
  const copy = await a.request('message_up', textUp(run.uuid, bob.uuid, 'this is an example message', { k: 1 }), alice.uuid);
  assert.equal(copy.body.status, true);
  const mid = copy.body.context.message_id;
  await s.next((f) => f.type === 'message_up' && f.body.message_id === mid);
  const raw = s.raw.find((t) => t.includes(mid))!;
  const got = JSON.parse(raw) as { type: string; body: Record<string, unknown> };
  assert.deepEqual(Object.keys(got), ['type', 'body']);
  assert.deepEqual(Object.keys(got.body), ['subtype', 'content', 'channel_id', 'timestamp', 'message_id', 'sender', 'recipients', 'context']);
  assert.deepEqual(got, {
    type: 'message_up',
    body: { subtype: 'text', content: { text: 'this is an example message' }, channel_id: run.uuid, timestamp: got.body.timestamp, message_id: mid, sender: alice.uuid, recipients: bob.uuid, context: { k: 1 } },
  });
  await sleep(150);
  assert.equal(b.of('message_down').length, 0, 'the service decides what users see: nothing goes to them directly');

  const down = await s.request('message_down', { subtype: 'text', content: { text: 'for bob only' }, channel_id: run.uuid, recipients: [bob.uuid], context: { reply_to: mid } });
  assert.equal(down.body.status, true, JSON.stringify(down));
  assert.equal(down.body.origin_type, 'message_down');
  assert.match(down.body.context.message_id, UUID);
  const seen = await b.next((f) => f.type === 'message_down' && f.body.content.text === 'for bob only');
  assert.deepEqual(seen.body, {
    subtype: 'text',
    content: { text: 'for bob only' },
    channel_id: run.uuid,
    timestamp: seen.body.timestamp,
    message_id: down.body.context.message_id,
    sender: svc.uuid,
    recipients: [bob.uuid],
    context: { reply_to: mid },
  });
  await sleep(200);
  assert.equal(c.of('message_down').length, 0, 'a member the service did not choose receives nothing');
  assert.equal(a.of('message_down').length, 0, 'nor does the sender');
  assert.equal(s.of('message_up').filter((f) => f.body.message_id === down.body.context.message_id).length, 0, 'the service is not sent its own message');
  await Promise.all([s, a, b, c].map((x) => x.close()));
});

/** The contents of a channel's history as `u` may read it (REST, newest first). */
async function history(u: TestUser, space: Space): Promise<string[]> {
  const r = await api<{ messages: { content: string }[] }>(srv.url, 'GET', `/api/v1/spaces/${space.id}/messages?limit=200`, u.token);
  assert.equal(r.status, 200);
  return r.body.messages.map((m) => m.content);
}

test('every dialect honours the rules: a user\'s message_up under a service and a message_down to a subset are not seen by other members on native or AirSend, live or in history', async () => {
  const s = await MoobiusClient.service(srv.url, KEY);
  const [a] = await connectUsers();
  const natLive = await NativeClient.connect(srv.url, nat.token);
  const carolAir = await AirSendClient.connect(srv, carol);
  const bobAir = await AirSendClient.connect(srv, bob);
  try {
    const up = await a.request('message_up', textUp(run.uuid, bob.uuid, 'up for the service only'), alice.uuid);
    await s.next((f) => f.type === 'message_up' && f.body.message_id === up.body.context.message_id);
    const down = await s.request('message_down', { subtype: 'text', content: { text: 'down for bob only' }, channel_id: run.uuid, recipients: [bob.uuid] });
    assert.equal(down.body.status, true, JSON.stringify(down));
    await bobAir.next((f) => f.event === 'chat.postMessage' && f.payload.message.content === 'down for bob only');
    // A later message to everyone: what did not arrive before it was not sent (each feed is in order).
    assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${run.id}/messages`, alice.token, { content: 'for everyone' })).status, 201);
    await natLive.next((f) => f.type === 'message.created' && (f.data.message as { content: string }).content === 'for everyone');
    await carolAir.next((f) => f.event === 'chat.postMessage' && f.payload.message.content === 'for everyone');
    await bobAir.next((f) => f.event === 'chat.postMessage' && f.payload.message.content === 'for everyone');
    const texts = (frames: unknown[]) => frames.map((f) => JSON.stringify(f)).filter((t) => t.includes('for the service only') || t.includes('down for bob only'));
    assert.deepEqual(texts(natLive.frames), [], 'native member: nothing live');
    assert.deepEqual(texts(carolAir.frames), [], 'AirSend member: nothing live');
    assert.ok(!bobAir.frames.some((f) => JSON.stringify(f).includes('for the service only')), 'a named recipient does not see the message the service holds');

    const natSees = await history(nat, run);
    assert.ok(natSees.includes('for everyone'));
    assert.ok(!natSees.includes('up for the service only') && !natSees.includes('down for bob only'), 'native member: nothing in history');
    const carolSees = await history(carol, run);
    assert.ok(!carolSees.includes('up for the service only') && !carolSees.includes('down for bob only'), 'AirSend member: nothing in history');
    const bobSees = await history(bob, run);
    assert.ok(bobSees.includes('down for bob only') && !bobSees.includes('up for the service only'));
    assert.ok((await history(alice, run)).includes('up for the service only'), 'the author keeps their message');
    const svcSees = await history(svc, run);
    assert.ok(svcSees.includes('up for the service only') && svcSees.includes('down for bob only'), 'the service sees both');
  } finally {
    await Promise.all([s.close(), a.close(), natLive.close(), carolAir.close(), bobAir.close()]);
  }
});

test('a service sends only to its channels and their members; it receives only its channels', async () => {
  const s = await MoobiusClient.service(srv.url, KEY);
  const [a, b, c] = await connectUsers();
  const refused = async (body: Record<string, unknown>, code: string) => {
    const r = await s.request('message_down', body);
    assert.deepEqual([r.body.status, r.body.context.code], [false, code], JSON.stringify(r));
  };
  await refused({ subtype: 'text', content: { text: 'x' }, channel_id: other.uuid, recipients: [bob.uuid] }, 'forbidden');
  await refused({ subtype: 'text', content: { text: 'x' }, channel_id: foreign.uuid, recipients: [bob.uuid] }, 'not_member');
  await refused({ subtype: 'text', content: { text: 'x' }, channel_id: run.uuid, recipients: [randomUUID()] }, 'invalid_recipients');
  await refused({ subtype: 'text', content: {}, channel_id: run.uuid, recipients: [] }, 'invalid_body');
  const r = await s.request('message_up', textUp(run.uuid, [], 'x'));
  assert.deepEqual([r.body.status, r.body.context.code], [false, 'unknown_type']);
  const mismatch = await s.request('message_down', { subtype: 'text', content: { text: 'x' }, channel_id: run.uuid, recipients: [] }, alice.uuid);
  assert.deepEqual([mismatch.body.status, mismatch.body.context.code], [false, 'user_mismatch']);

  // A channel the service does not run: its messages go straight to the recipients, never to the service.
  const copy = await a.request('message_up', textUp(other.uuid, bob.uuid, 'not for the service'), alice.uuid);
  assert.equal(copy.body.status, true);
  await b.next((f) => f.type === 'message_down' && f.body.message_id === copy.body.context.message_id);
  await sleep(150);
  assert.equal(s.of('message_up').length, 0);
  assert.equal(c.of('message_down').length, 0);
  await Promise.all([s, a, b, c].map((x) => x.close()));
});

test('a native user\'s message in a service channel reaches the service (recipients [])', async () => {
  const s = await MoobiusClient.service(srv.url, KEY);
  const n = await NativeClient.connect(srv.url, nat.token);
  const sent = await n.command('post', { space_id: run.id, content: 'native here' });
  assert.equal(sent.type, 'command.ack');
  const got = await s.next((f) => f.type === 'message_up' && f.body.content.text === 'native here');
  assert.deepEqual([got.body.sender, got.body.recipients, got.body.channel_id], [nat.uuid, [], run.uuid]);
  await Promise.all([s.close(), n.close()]);
});

test('no service connected: delivered to the named recipients directly; the service, back, receives what it missed', async () => {
  const s1 = await MoobiusClient.service(srv.url, KEY);
  const [a, b, c] = await connectUsers();
  const before = await a.request('message_up', textUp(run.uuid, bob.uuid, 'while connected'), alice.uuid);
  await s1.next((f) => f.type === 'message_up' && f.body.message_id === before.body.context.message_id);
  await s1.close();
  await offline(svc);

  const missed: string[] = [];
  for (const text of ['missed one', 'missed two']) {
    const copy = await a.request('message_up', textUp(run.uuid, bob.uuid, text), alice.uuid);
    assert.equal(copy.body.status, true);
    missed.push(copy.body.context.message_id);
    const down = await b.next((f) => f.type === 'message_down' && f.body.message_id === copy.body.context.message_id);
    assert.deepEqual(down.body.recipients, [bob.uuid]);
  }
  await sleep(150);
  assert.equal(c.of('message_down').length, 0, 'only the named recipient');
  // The core enforces it for every dialect: the service's user and the recipient have it in history, other members do not.
  for (const [u, sees] of [[bob, true], [svc, true], [carol, false], [nat, false]] as const) {
    assert.equal((await history(u, run)).includes('missed one'), sees, `history of ${u.username}`);
  }

  const s2 = await MoobiusClient.service(srv.url, KEY);
  for (const id of missed) await s2.next((f) => f.type === 'message_up' && f.body.message_id === id);
  await sleep(150);
  assert.deepEqual(
    s2.of('message_up').map((f) => f.body.message_id),
    missed,
    'exactly what it missed, in order: nothing it had already received',
  );
  // Back with a service: user messages go to it again, not to the users.
  const after = await a.request('message_up', textUp(run.uuid, bob.uuid, 'service is back'), alice.uuid);
  await s2.next((f) => f.type === 'message_up' && f.body.message_id === after.body.context.message_id);
  await sleep(150);
  assert.equal(b.of('message_down').filter((f) => f.body.message_id === after.body.context.message_id).length, 0);
  await Promise.all([s2, a, b, c].map((x) => x.close()));
});

test('a service connected to another node is known by its user\'s presence: user messages then go to the service only', async () => {
  // One process has one node: the service's user online through another client stands in for the service
  // connected elsewhere (docs/dialects/moobius.md, "Who receives a message").
  const [a, b] = await connectUsers();
  const elsewhere = await NativeClient.connect(srv.url, svc.token);
  const copy = await a.request('message_up', textUp(run.uuid, bob.uuid, 'service on another node'), alice.uuid);
  assert.equal(copy.body.status, true);
  await sleep(150);
  assert.equal(b.of('message_down').length, 0, 'not delivered directly: the service decides');
  await elsewhere.close();
  // Presence goes offline asynchronously: probe until a message goes to its recipient directly.
  let direct = false;
  for (let i = 0; i < 50 && !direct; i++) {
    const c = await a.request('message_up', textUp(run.uuid, bob.uuid, `probe ${i}`), alice.uuid);
    direct = (await b.next((f) => f.type === 'message_down' && f.body.message_id === c.body.context.message_id, 100).catch(() => null)) !== null;
  }
  assert.ok(direct, 'once its user is offline, messages go to their recipients directly');
  const s = await MoobiusClient.service(srv.url, KEY);
  await s.next((f) => f.type === 'message_up' && f.body.message_id === copy.body.context.message_id);
  await Promise.all([s, a, b].map((x) => x.close()));
});

test('the same service connecting again replaces the older connection (4010)', async () => {
  const s1 = await MoobiusClient.service(srv.url, KEY);
  const s2 = await MoobiusClient.service(srv.url, KEY);
  assert.equal((await s1.closedWith()).code, 4010);
  assert.equal((await s2.heartbeat()).body.status, true);
  await s2.close();
});

test('a service without a channel list runs every channel of its user, including one it joins while connected', async () => {
  const s = await MoobiusClient.service(srv.url, KEY2);
  const [a, b] = await connectUsers();
  const first = await a.request('message_up', textUp(foreign.uuid, bob.uuid, 'to the second service'), alice.uuid);
  await s.next((f) => f.type === 'message_up' && f.body.message_id === first.body.context.message_id);
  const down = await s.request('message_down', { subtype: 'text', content: { text: 'from two' }, channel_id: foreign.uuid, recipients: bob.uuid });
  assert.equal(down.body.status, true, JSON.stringify(down));
  await b.next((f) => f.type === 'message_down' && f.body.message_id === down.body.context.message_id);

  // Added to another channel while connected: it runs that one too from then on.
  const fresh = await channel(srv.url, alice, [bob], 'fresh');
  const before = await a.request('message_up', textUp(fresh.uuid, bob.uuid, 'before the service joined'), alice.uuid);
  await b.next((f) => f.type === 'message_down' && f.body.message_id === before.body.context.message_id);
  assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${fresh.id}/members`, alice.token, { user_id: svc2.id })).status, 201);
  let got = false;
  for (let i = 0; i < 50 && !got; i++) {
    const c = await a.request('message_up', textUp(fresh.uuid, bob.uuid, `after ${i}`), alice.uuid);
    got = (await s.next((f) => f.type === 'message_up' && f.body.message_id === c.body.context.message_id, 100).catch(() => null)) !== null;
  }
  assert.ok(got, 'the joined channel is run by the service');
  assert.equal(s.of('message_up').filter((f) => f.body.message_id === before.body.context.message_id).length, 0, 'nothing from before it was a member');
  await Promise.all([s, a, b].map((x) => x.close()));
});

test('a service uploads with its key and sends a file down; a user receives {path, filename, size}', async () => {
  const s = await MoobiusClient.service(srv.url, KEY);
  const b = await MoobiusClient.user(srv.url, bob.token);
  const up = await upload(srv.url, KEY, run.uuid, 'report.pdf', 'application/pdf', '%PDF-1');
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.equal((await upload(srv.url, KEY, other.uuid, 'x.txt', 'text/plain', 'x')).status, 403, 'not a channel this service runs');
  const down = await s.request('message_down', { subtype: 'file', content: { path: up.body.path, filename: 'report.pdf', size: 6 }, channel_id: run.uuid, recipients: [bob.uuid] });
  assert.equal(down.body.status, true, JSON.stringify(down));
  const got = await b.next((f) => f.type === 'message_down' && f.body.message_id === down.body.context.message_id);
  assert.deepEqual([got.body.subtype, got.body.content, got.body.sender], ['file', { path: up.body.path, filename: 'report.pdf', size: 6 }, svc.uuid]);
  // A user's upload is not the service's to send.
  const mine = await upload(srv.url, alice.token, run.uuid, 'a.txt', 'text/plain', 'a');
  const refused = await s.request('message_down', { subtype: 'file', content: { path: mine.body.path, filename: 'a.txt', size: 1 }, channel_id: run.uuid, recipients: [] });
  assert.deepEqual([refused.body.status, refused.body.context.code], [false, 'invalid_path']);
  await Promise.all([s.close(), b.close()]);
});

test('the service position survives a restart of Herald: what it missed while away is sent when it is back', async () => {
  const s1 = await MoobiusClient.service(srv.url, KEY);
  await s1.close();
  await offline(svc);
  const a = await MoobiusClient.user(srv.url, alice.token);
  const copy = await a.request('message_up', textUp(run.uuid, bob.uuid, 'before the restart'), alice.uuid);
  assert.equal(copy.body.status, true);
  await a.close();
  await srv.close();
  srv = await startTestServer({ dataDir }, SERVICES_ENV);
  const s2 = await MoobiusClient.service(srv.url, KEY);
  const got = await s2.next((f) => f.type === 'message_up' && f.body.message_id === copy.body.context.message_id);
  assert.equal(got.body.content.text, 'before the restart');
  await sleep(150);
  assert.equal(s2.of('message_up').length, 1, 'only what it missed');
  await s2.close();
});
