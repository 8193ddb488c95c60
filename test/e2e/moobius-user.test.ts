// Moobius user connections with a plain `ws` client: authentication at the upgrade, message_up and its
// copy, message_down to the named recipients (no channel service), every refusal as a copy with status
// false and the request id, oversized frames, and the heartbeat timeout. Expected frames are written by
// hand from the Moobius document and docs/dialects/moobius.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, newUser, api, sleep, type TestServer, type TestUser } from '../helpers/server.js';
import { MoobiusClient, UUID, channel, textUp, uuidOf } from './moobius-harness.test.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ maxFrameBytes: 65_536 }, { HERALD_MOOBIUS_ROGER_BURST: '3', HERALD_MOOBIUS_ROGER_INTERVAL_MS: '60000', HERALD_MOOBIUS_MAX_PENDING: '8' });
});
after(async () => {
  await srv.stop();
});

async function people(...names: string[]): Promise<(TestUser & { uuid: string })[]> {
  const us = await Promise.all(names.map((n) => newUser(srv.url, n)));
  return Promise.all(us.map(async (u) => ({ ...u, uuid: await uuidOf(srv.url, u) })));
}

test('connect: token as ?access_token= or Authorization: Bearer; anything else is refused at the upgrade (401)', async () => {
  const [alice] = await people('alice');
  const a = await MoobiusClient.user(srv.url, alice.token, 'query');
  const b = await MoobiusClient.user(srv.url, alice.token, 'header');
  const ws = srv.url.replace('http', 'ws') + '/moobius/ws';
  await assert.rejects(MoobiusClient.open(ws), /401/);
  await assert.rejects(MoobiusClient.open(`${ws}?access_token=nonsense`), /401/);
  await Promise.all([a.close(), b.close()]);
});

test('heartbeat: answered with the document copy, byte for byte', async () => {
  const [alice] = await people('alice');
  const a = await MoobiusClient.user(srv.url, alice.token);
  a.send({ type: 'heartbeat', request_id: '120cb5bf-a2b3-4d19-b8f4-b2058d7182cc', body: {} });
  await a.copyFor('120cb5bf-a2b3-4d19-b8f4-b2058d7182cc');
  assert.equal(a.raw.at(-1), '{"type":"copy","body":{"request_id":"120cb5bf-a2b3-4d19-b8f4-b2058d7182cc","origin_type":"heartbeat","status":true,"context":{}}}');
  await a.close();
});

test('message_up text: copy with the new message id; message_down to the named recipient only', async () => {
  const [alice, bob, carol, dave] = await people('alice', 'bob', 'carol', 'dave');
  const ch = await channel(srv.url, alice, [bob, carol]);
  const [a, b, c, d] = await Promise.all([alice, bob, carol, dave].map((u) => MoobiusClient.user(srv.url, u.token)));
  const copy = await a.request('message_up', textUp(ch.uuid, bob.uuid, 'this is an example message', { thread: 't1' }), alice.uuid);
  assert.deepEqual(Object.keys(copy.body), ['context', 'origin_type', 'request_id', 'status']);
  assert.equal(copy.body.status, true);
  assert.equal(copy.body.origin_type, 'message_up');
  assert.equal(copy.body.context.message, 'Message received');
  assert.match(copy.body.context.message_id, UUID);

  const down = await b.next((f) => f.type === 'message_down');
  assert.deepEqual(down, {
    type: 'message_down',
    body: {
      subtype: 'text',
      content: { text: 'this is an example message' },
      channel_id: ch.uuid,
      timestamp: down.body.timestamp,
      message_id: copy.body.context.message_id,
      sender: alice.uuid,
      recipients: [bob.uuid],
      context: { thread: 't1' },
    },
  });
  assert.ok(Math.abs(down.body.timestamp - Date.now()) < 10_000);
  await sleep(150);
  assert.equal(c.of('message_down').length, 0, 'a member who is not a recipient receives nothing');
  assert.equal(d.of('message_down').length, 0, 'a non-member receives nothing');
  assert.equal(a.of('message_down').length, 0, 'the sender has its copy');

  // Persisted as a Herald message of the space restricted to sender and recipients: in their history only.
  const listed = async (u: { token: string }) => (await api<{ messages: { uuid: string; content: string }[] }>(srv.url, 'GET', `/api/v1/spaces/${ch.id}/messages`, u.token)).body.messages;
  const [first] = await listed(bob);
  assert.equal(first.uuid, copy.body.context.message_id);
  assert.equal(first.content, 'this is an example message');
  assert.equal((await listed(alice))[0].uuid, copy.body.context.message_id);
  assert.ok(!(await listed(carol)).some((m) => m.uuid === copy.body.context.message_id), 'not in the history of a member who is not a recipient');
  await Promise.all([a, b, c, d].map((x) => x.close()));
});

test('message_up: recipients as a list; an empty list is the whole channel', async () => {
  const [alice, bob, carol] = await people('alice', 'bob', 'carol');
  const ch = await channel(srv.url, alice, [bob, carol]);
  const [a, b, c] = await Promise.all([alice, bob, carol].map((u) => MoobiusClient.user(srv.url, u.token)));
  assert.equal((await a.request('message_up', textUp(ch.uuid, [bob.uuid, carol.uuid], 'both'), alice.uuid)).body.status, true);
  for (const x of [b, c]) assert.deepEqual((await x.next((f) => f.type === 'message_down' && f.body.content.text === 'both')).body.recipients, [bob.uuid, carol.uuid]);
  assert.equal((await a.request('message_up', textUp(ch.uuid, [], 'everyone'), alice.uuid)).body.status, true);
  for (const x of [a, b, c]) assert.deepEqual((await x.next((f) => f.type === 'message_down' && f.body.content.text === 'everyone')).body.recipients, []);
  await Promise.all([a, b, c].map((x) => x.close()));
});

test('refusals: a copy with status false, the request id, the origin type and a typed code; the connection stays', async () => {
  const [alice, bob, eve] = await people('alice', 'bob', 'eve');
  const ch = await channel(srv.url, alice, [bob]);
  const elsewhere = await channel(srv.url, eve, [bob], 'elsewhere');
  const a = await MoobiusClient.user(srv.url, alice.token);
  const refused = async (frame: unknown, code: string, requestId: string | null, originType: string | null) => {
    const seen = new Set(a.frames);
    a.send(frame);
    // Each frame is answered by exactly one copy, in order: the next new copy is this frame's.
    const copy = await a.next((x) => !seen.has(x) && x.type === 'copy');
    assert.equal(copy.body.request_id, requestId);
    assert.equal(copy.body.status, false, JSON.stringify(copy));
    assert.equal(copy.body.context.code, code, JSON.stringify(copy));
    assert.equal(copy.body.origin_type, originType);
    assert.equal(typeof copy.body.context.message, 'string');
  };
  const rid = () => randomUUID();
  const up = (body: unknown, userId = alice.uuid) => {
    const r = rid();
    return [{ type: 'message_up', request_id: r, user_id: userId, body }, r] as const;
  };
  await refused('not json', 'malformed', null, null);
  await refused('[1,2]', 'malformed', null, null);
  let r = rid();
  await refused({ request_id: r, body: {} }, 'malformed', r, null);
  r = rid();
  await refused({ type: 'message_sideways', request_id: r, body: {} }, 'unknown_type', r, 'message_sideways');
  r = rid();
  await refused({ type: 'message_down', request_id: r, body: {} }, 'unknown_type', r, 'message_down');
  let [f, id] = up(undefined);
  await refused(f, 'invalid_body', id, 'message_up');
  [f, id] = up({ ...textUp(ch.uuid, bob.uuid, 'x'), subtype: 'video' });
  await refused(f, 'invalid_body', id, 'message_up');
  [f, id] = up({ ...textUp(ch.uuid, bob.uuid, 'x'), content: { path: '/x' } });
  await refused(f, 'invalid_body', id, 'message_up');
  [f, id] = up({ ...textUp(ch.uuid, bob.uuid, 'x'), timestamp: 'now' });
  await refused(f, 'invalid_body', id, 'message_up');
  [f, id] = up(textUp(ch.uuid, bob.uuid, 'x'), bob.uuid);
  await refused(f, 'user_mismatch', id, 'message_up');
  [f, id] = up(textUp(elsewhere.uuid, bob.uuid, 'x'));
  await refused(f, 'not_member', id, 'message_up');
  [f, id] = up(textUp(randomUUID(), bob.uuid, 'x'));
  await refused(f, 'not_member', id, 'message_up');
  [f, id] = up(textUp(ch.uuid, [bob.uuid, eve.uuid], 'x'));
  await refused(f, 'invalid_recipients', id, 'message_up');
  [f, id] = up({ subtype: 'file', content: { path: '/spaces/1/files/1/a.txt', filename: 'a.txt', size: 1 }, channel_id: ch.uuid, recipients: bob.uuid, timestamp: Date.now() });
  await refused(f, 'invalid_path', id, 'message_up');
  r = rid();
  await refused({ type: 'roger', request_id: r, user_id: alice.uuid, body: { message_id: randomUUID() } }, 'unknown_message', r, 'roger');
  a.ws.send(Buffer.from([1, 2, 3]));
  const bin = await a.next((x) => x.type === 'copy' && x.body.context.code === 'malformed' && /binary/.test(x.body.context.message));
  assert.equal(bin.body.status, false);
  // Nothing was posted, and the connection still serves.
  assert.equal((await api<{ messages: unknown[] }>(srv.url, 'GET', `/api/v1/spaces/${ch.id}/messages`, alice.token)).body.messages.length, 0);
  assert.equal((await a.heartbeat()).body.status, true);
  assert.equal(a.closeCode, null);
  await a.close();
});

test('roger is rate-limited per connection (rate_limited copy), like the native read command', async () => {
  const [alice, bob] = await people('alice', 'bob');
  const ch = await channel(srv.url, alice, [bob]);
  const a = await MoobiusClient.user(srv.url, alice.token);
  const b = await MoobiusClient.user(srv.url, bob.token);
  const mid = (await a.request('message_up', textUp(ch.uuid, bob.uuid, 'read me'), alice.uuid)).body.context.message_id;
  const codes: (string | true)[] = [];
  for (let i = 0; i < 5; i++) {
    const c = await b.request('roger', { message_id: mid, context: {} }, bob.uuid);
    codes.push(c.body.status === true ? true : c.body.context.code);
  }
  assert.deepEqual(codes, [true, true, true, 'rate_limited', 'rate_limited']);
  await Promise.all([a.close(), b.close()]);
});

test('a frame over the size limit closes the connection with 1009; the server keeps serving', async () => {
  const [alice] = await people('alice');
  const a = await MoobiusClient.user(srv.url, alice.token);
  a.send({ type: 'heartbeat', request_id: 'big', body: { pad: 'x'.repeat(70_000) } });
  assert.equal((await a.closedWith()).code, 1009);
  const again = await MoobiusClient.user(srv.url, alice.token);
  await again.close();
});

test('heartbeat timeout: heartbeats keep the connection (and the user online); silence closes it with 4000', async () => {
  const quick = await startTestServer({}, { HERALD_MOOBIUS_TIMEOUT_SECONDS: '1' });
  try {
    const alice = await newUser(quick.url, 'alice');
    const bob = await newUser(quick.url, 'bob');
    const a = await MoobiusClient.user(quick.url, alice.token);
    const online = async () => (await api<{ user: { online: boolean } }>(quick.url, 'GET', `/api/v1/users/${alice.id}`, bob.token)).body.user.online;
    for (let i = 0; i < 5; i++) {
      await sleep(400);
      assert.equal((await a.heartbeat()).body.status, true);
    }
    assert.equal(a.closeCode, null, 'heartbeats every 400 ms keep a 1 s timeout at bay');
    assert.equal(await online(), true);
    const { code, reason } = await a.closedWith(3000);
    assert.equal(code, 4000);
    assert.match(reason, /heartbeat/);
    for (let i = 0; i < 50 && (await online()); i++) await sleep(20);
    assert.equal(await online(), false, 'a closed connection takes the user offline');
  } finally {
    await quick.stop();
  }
});

test('roger of a message sent before the connection opened (found in the channel), and of another channel\'s message (unknown_message)', async () => {
  const [alice, bob, eve] = await people('alice', 'bob', 'eve');
  const ch = await channel(srv.url, alice, [bob]);
  const theirs = await channel(srv.url, eve, [alice], 'theirs');
  const old = await api<{ message: { uuid: string } }>(srv.url, 'POST', `/api/v1/spaces/${ch.id}/messages`, alice.token, { content: 'before you came' });
  const hidden = await api<{ message: { uuid: string } }>(srv.url, 'POST', `/api/v1/spaces/${theirs.id}/messages`, eve.token, { content: 'not yours' });
  const b = await MoobiusClient.user(srv.url, bob.token);
  const ok = await b.request('roger', { message_id: old.body.message.uuid }, bob.uuid);
  assert.equal(ok.body.status, true, JSON.stringify(ok));
  const no = await b.request('roger', { message_id: hidden.body.message.uuid }, bob.uuid);
  assert.deepEqual([no.body.status, no.body.context.code], [false, 'unknown_message']);
  await b.close();
});

test('logging the token out closes the connection with 4009', async () => {
  const [alice] = await people('alice');
  const a = await MoobiusClient.user(srv.url, alice.token);
  assert.equal((await api(srv.url, 'POST', '/api/v1/user.logout', alice.token)).status, 204);
  assert.equal((await a.closedWith()).code, 4009);
});

test('a client that sends far more frames than are answered is closed with 4008 (memory stays bounded)', async () => {
  const [alice, bob] = await people('alice', 'bob');
  const ch = await channel(srv.url, alice, [bob]);
  const a = await MoobiusClient.user(srv.url, alice.token);
  for (let i = 0; i < 200; i++) a.send({ type: 'message_up', request_id: `r${i}`, user_id: alice.uuid, body: textUp(ch.uuid, bob.uuid, `flood ${i}`) });
  const { code, reason } = await a.closedWith();
  assert.equal(code, 4008);
  assert.match(reason, /waiting/);
  assert.ok(a.of('copy').length < 200);
  const again = await MoobiusClient.user(srv.url, alice.token);
  assert.equal((await again.heartbeat()).body.status, true);
  await again.close();
});
