// AirSend RTM conformance: connection rules. ws_auth first; bad first frames, bad tokens, unknown
// commands and malformed frames end the connection with a close code and a readable reason; ping/pong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { startTestServer, newUser, sleep, type TestServer } from '../helpers/server.js';
import { AirSendClient, DOC, channel, login, rtmConnect } from './airsend-harness.test.js';

const TEST_SECRET = 'test-secret-0123456789abcdef'; // test/helpers/server.ts

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.stop();
});

async function endpoint(): Promise<{ ws_endpoint: string; ws_token: string; userId: number }> {
  const u = await newUser(srv.url, 'conn');
  return { ...(await rtmConnect(srv.url, await login(srv.url, u.email))), userId: u.id };
}

test('a first frame other than ws_auth closes the connection (4003)', async () => {
  const { ws_endpoint } = await endpoint();
  const c = await AirSendClient.open(ws_endpoint);
  c.send({ command: 'ws_ephemeral_typing', channel_id: '1' });
  const { code, reason } = await c.closedWith();
  assert.equal(code, 4003);
  assert.match(reason, /first frame must be ws_auth/);
  assert.equal(c.frames.length, 0, 'no data flows before ws_auth');
});

test('an unknown command as the first frame closes the connection (4003)', async () => {
  const { ws_endpoint } = await endpoint();
  const c = await AirSendClient.open(ws_endpoint);
  c.send({ command: 'hello' });
  const { code, reason } = await c.closedWith();
  assert.equal(code, 4003);
  assert.match(reason, /ws_auth.*unknown command "hello"/);
});

test('malformed JSON or a binary frame closes the connection (4005)', async () => {
  const { ws_endpoint } = await endpoint();
  const c = await AirSendClient.open(ws_endpoint);
  c.send('{"command":"ws_auth",');
  const r = await c.closedWith();
  assert.equal(r.code, 4005);
  assert.match(r.reason, /not valid JSON/);

  const b = await AirSendClient.open(ws_endpoint);
  b.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  const rb = await b.closedWith();
  assert.equal(rb.code, 4005);
  assert.match(rb.reason, /binary/);

  const n = await AirSendClient.open(ws_endpoint);
  n.send('["ws_auth"]');
  assert.equal((await n.closedWith()).code, 4005);
});

test('a forged token closes the connection (4001)', async () => {
  const { ws_endpoint, userId } = await endpoint();
  const forged = await new SignJWT({ purpose: 'rtm', user_id: userId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(userId))
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('not-the-server-secret-at-all-000'));
  const c = await AirSendClient.open(ws_endpoint);
  c.send({ command: 'ws_auth', auth_token: forged });
  const { code, reason } = await c.closedWith();
  assert.equal(code, 4001);
  assert.match(reason, /ws_auth failed: invalid token/);

  const garbage = await AirSendClient.open(ws_endpoint);
  garbage.send({ command: 'ws_auth', auth_token: 'not-a-jwt' });
  assert.equal((await garbage.closedWith()).code, 4001);
});

test('an expired token closes the connection (4001)', async () => {
  const { ws_endpoint, userId } = await endpoint();
  const expired = await new SignJWT({ purpose: 'rtm', user_id: userId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(userId))
    .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(new TextEncoder().encode(TEST_SECRET));
  const c = await AirSendClient.open(ws_endpoint);
  c.send({ command: 'ws_auth', auth_token: expired });
  const { code, reason } = await c.closedWith();
  assert.equal(code, 4001);
  assert.match(reason, /expired/);
});

test('a token that outlived its configured lifetime closes the connection (4001)', async () => {
  const other = await startTestServer({}, { HERALD_AIRSEND_TOKEN_TTL_SECONDS: '1' });
  try {
    const u = await newUser(other.url, 'ttl');
    const rtm = await rtmConnect(other.url, await login(other.url, u.email));
    await sleep(2100);
    const c = await AirSendClient.open(rtm.ws_endpoint);
    c.send({ command: 'ws_auth', auth_token: rtm.ws_token });
    const { code, reason } = await c.closedWith();
    assert.equal(code, 4001);
    assert.match(reason, /expired/);
  } finally {
    await other.stop();
  }
});

test('an API bearer token is not a ws_token (4001)', async () => {
  const u = await newUser(srv.url, 'conn');
  const bearer = await login(srv.url, u.email);
  const { ws_endpoint } = await rtmConnect(srv.url, bearer);
  const c = await AirSendClient.open(ws_endpoint);
  c.send({ command: 'ws_auth', auth_token: bearer });
  const { code, reason } = await c.closedWith();
  assert.equal(code, 4001);
  assert.match(reason, /not valid for rtm/);
});

test('after ws_auth: an unknown command closes the connection (4004)', async () => {
  const u = await newUser(srv.url, 'conn');
  const c = await AirSendClient.connect(srv, u);
  c.send({ command: 'ws_post_message', channel_id: 1, text: 'hi' });
  const { code, reason } = await c.closedWith();
  assert.equal(code, 4004);
  assert.equal(reason, 'unknown command "ws_post_message"');
});

test('after ws_auth: malformed JSON or invalid command fields close the connection (4005)', async () => {
  const u = await newUser(srv.url, 'conn');
  const c = await AirSendClient.connect(srv, u);
  c.send('not json');
  const r = await c.closedWith();
  assert.equal(r.code, 4005);
  assert.match(r.reason, /not valid JSON/);

  const d = await AirSendClient.connect(srv, u);
  d.send({ command: 'ws_read_notification', channel_id: '1', message_id: 'ten' });
  const rd = await d.closedWith();
  assert.equal(rd.code, 4005);
  assert.match(rd.reason, /invalid ws_read_notification: \/message_id/);
});

test('no ws_auth at all: the connection is closed after one heartbeat interval (4003)', async () => {
  const other = await startTestServer({ heartbeatSeconds: 1 });
  try {
    const u = await newUser(other.url, 'idle');
    const rtm = await rtmConnect(other.url, await login(other.url, u.email));
    const c = await AirSendClient.open(rtm.ws_endpoint);
    const { code, reason } = await c.closedWith(3000);
    assert.equal(code, 4003);
    assert.match(reason, /no ws_auth/);
  } finally {
    await other.stop();
  }
});

test('ping/pong: a client that answers pings stays connected; one that does not is closed (4002)', async () => {
  const other = await startTestServer({ heartbeatSeconds: 1 });
  try {
    const a = await newUser(other.url, 'pong');
    const b = await newUser(other.url, 'nopong');
    let pings = 0;
    const good = await AirSendClient.connect(other, a);
    good.ws.on('ping', () => pings++);
    const bad = await AirSendClient.connect(other, b, { autoPong: false });
    const { code, reason } = await bad.closedWith(4000);
    assert.equal(code, 4002);
    assert.match(reason, /no pong/);
    await sleep(1200);
    assert.ok(pings >= 2, `expected pings every second, got ${pings}`);
    assert.equal(good.closeCode, null, 'the client that answers pings is still connected');
    // Its user went offline with the closed connection; the other one is still online.
    const online = await other.ctx.bus.presence.online([a.id, b.id]);
    assert.deepEqual([...online], [a.id]);
    await good.close();
  } finally {
    await other.stop();
  }
});

test('commands sent right after ws_auth (before the server answered anything) are processed', async () => {
  const alice = await newUser(srv.url, 'alice');
  const bob = await newUser(srv.url, 'bob');
  const cid = await channel(srv.url, alice, [bob]);
  const watcher = await AirSendClient.connect(srv, alice);
  const rtm = await rtmConnect(srv.url, await login(srv.url, bob.email));
  const c = await AirSendClient.open(rtm.ws_endpoint);
  c.send({ command: 'ws_auth', auth_token: rtm.ws_token });
  c.send({ command: 'ws_ephemeral_typing', channel_id: String(cid) });
  const p = await watcher.expect('chat.userTyping', DOC['chat.userTyping'], (x) => x.user.id === bob.id);
  assert.equal(p.channel_id, cid);
  await c.close();
  await watcher.close();
});

test('extensions: ws_ping is answered with a pong event; a repeated ws_auth is ignored', async () => {
  const u = await newUser(srv.url, 'conn');
  const c = await AirSendClient.connect(srv, u);
  c.send({ command: 'ws_auth', auth_token: 'whatever' });
  c.send({ command: 'ws_ping' });
  const f = await c.next((x) => x.event === 'pong');
  assert.deepEqual(f, { meta: { api: 'v1' }, event: 'pong', payload: {} });
  assert.equal(c.closeCode, null);
  await c.close();
});

test('a command the core refuses (not a member) is ignored; the connection stays usable', async () => {
  const alice = await newUser(srv.url, 'alice');
  const bob = await newUser(srv.url, 'bob');
  const mallory = await newUser(srv.url, 'mallory');
  const cid = await channel(srv.url, alice, [bob]);
  const watcher = await AirSendClient.connect(srv, bob);
  const m = await AirSendClient.connect(srv, mallory);
  m.send({ command: 'ws_ephemeral_typing', channel_id: cid });
  m.send({ command: 'ws_all_read_notification', channel_id: cid });
  m.send({ command: 'ws_add_reaction', message_id: 999999, emoji_value: 'U 1F600' });
  m.send({ command: 'ws_ping' });
  await m.next((x) => x.event === 'pong');
  assert.equal(m.closeCode, null);
  await sleep(100);
  assert.equal(watcher.of('chat.userTyping').length, 0, 'a non-member cannot type into the channel');
  await m.close();
  await watcher.close();
});

test('server shutdown closes AirSend connections with 1001', async () => {
  const other = await startTestServer();
  const u = await newUser(other.url, 'bye');
  const c = await AirSendClient.connect(other, u);
  const rtm = await rtmConnect(other.url, await login(other.url, u.email));
  const waiting = await AirSendClient.open(rtm.ws_endpoint);
  await other.stop();
  assert.equal((await c.closedWith()).code, 1001);
  assert.equal((await waiting.closedWith()).code, 1001);
});
