// AirSend RTM conformance: the login flow (user.login → rtm.connect → WebSocket + ws_auth).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestServer, newUser, api, type TestServer } from '../helpers/server.js';
import { AirSendClient, DOC, channel, conforms, decodeJwt, login, post, rtmConnect, type Rtm } from './airsend-harness.test.js';


let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.stop();
});

test('login flow: user.login → rtm.connect → WebSocket + ws_auth, then events flow', async () => {
  const alice = await newUser(srv.url, 'alice');
  const bob = await newUser(srv.url, 'bob');
  const cid = await channel(srv.url, bob, [alice]);

  const bearer = await login(srv.url, alice.email);
  const rtm = await rtmConnect(srv.url, bearer);
  assert.equal(rtm.ws_endpoint, `${srv.url.replace('http://', 'ws://')}/rtm`);

  const client = await AirSendClient.open(rtm.ws_endpoint);
  client.send({ command: 'ws_auth', auth_token: rtm.ws_token });
  const mid = await post(srv.url, bob, cid, 'hello airsend');
  const p = await client.expect('chat.postMessage', DOC['chat.postMessage'], (x) => x.message.id === mid);
  assert.equal(p.message.content, 'hello airsend');
  await client.close();
});

test('rtm.connect: ws_token is a signed JWT carrying the example claims, and GET works too', async () => {
  const alice = await newUser(srv.url, 'alice');
  const bearer = await login(srv.url, alice.email);
  const r = await fetch(`${srv.url}/api/v1/rtm.connect`, { headers: { authorization: `Bearer ${bearer}`, 'user-agent': 'AirSendTest/1.0' } });
  assert.equal(r.status, 200);
  const body = (await r.json()) as { meta: { ok: boolean }; rtm: Rtm };
  assert.equal(body.meta.ok, true);
  const { header, claims } = decodeJwt(body.rtm.ws_token);
  assert.deepEqual({ typ: header.typ, alg: header.alg }, { typ: 'JWT', alg: 'HS256' });
  conforms(claims, { user_id: 'int', client_ip: 'string', user_agent: 'string', expiry: 'datetime', finger_print: 'string' }, 'claims');
  assert.equal(claims.user_id, alice.id);
  assert.equal(claims.user_agent, 'AirSendTest/1.0');
  assert.match(String(claims.client_ip), /127\.0\.0\.1/);
  assert.match(String(claims.finger_print), /^[a-z]{12}$/);
  const expiry = Date.parse(String(claims.expiry).replace(' ', 'T') + 'Z');
  assert.ok(expiry > Date.now() && expiry <= Date.now() + 121_000, `expiry ${String(claims.expiry)} is not short-lived`);
  // Each call hands out a new connection token.
  const again = await rtmConnect(srv.url, bearer);
  assert.notEqual(decodeJwt(again.ws_token).claims.finger_print, claims.finger_print);
});

test('rtm.connect: form-encoded POST bodies (as AirSend clients send) are accepted', async () => {
  const alice = await newUser(srv.url, 'alice');
  const bearer = await login(srv.url, alice.email);
  const r = await fetch(`${srv.url}/api/v1/rtm.connect`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  assert.equal(r.status, 200);
});

test('rtm.connect: the ws_token is single-purpose (not an API bearer token); rtm.connect needs a bearer token', async () => {
  const alice = await newUser(srv.url, 'alice');
  const rtm = await rtmConnect(srv.url, await login(srv.url, alice.email));
  const me = await api(srv.url, 'GET', '/api/v1/me', rtm.ws_token);
  assert.equal(me.status, 401);
  const again = await api(srv.url, 'POST', '/api/v1/rtm.connect', rtm.ws_token);
  assert.equal(again.status, 401);
  const anonymous = await api(srv.url, 'POST', '/api/v1/rtm.connect');
  assert.equal(anonymous.status, 401);
});

function rawPost(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: { rtm: Rtm } }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { rtm: Rtm } }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('rtm.connect: ws_endpoint honours the Host header and proxy headers', async () => {
  const alice = await newUser(srv.url, 'alice');
  const bearer = await login(srv.url, alice.email);
  const auth = { authorization: `Bearer ${bearer}` };
  const byHost = await rawPost(srv.port, '/api/v1/rtm.connect', { ...auth, host: 'chat.example.org:8443' });
  assert.equal(byHost.body.rtm.ws_endpoint, 'ws://chat.example.org:8443/rtm');
  const byProxy = await rawPost(srv.port, '/api/v1/rtm.connect', { ...auth, host: 'internal:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chat.example.org' });
  assert.equal(byProxy.body.rtm.ws_endpoint, 'wss://chat.example.org/rtm');
  const byForwarded = await rawPost(srv.port, '/api/v1/rtm.connect', { ...auth, host: 'internal:8080', forwarded: 'for=1.2.3.4;proto=https;host=edge.example.org' });
  assert.equal(byForwarded.body.rtm.ws_endpoint, 'wss://edge.example.org/rtm');
  const byPrefix = await rawPost(srv.port, '/api/v1/rtm.connect', { ...auth, host: 'internal:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'example.org', 'x-forwarded-prefix': '/herald' });
  assert.equal(byPrefix.body.rtm.ws_endpoint, 'wss://example.org/herald/rtm');
});

test('rtm.connect: a configured public URL wins over request headers', async () => {
  const other = await startTestServer({ publicUrl: 'https://chat.example.com/herald/' });
  try {
    const alice = await newUser(other.url, 'alice');
    const rtm = await rtmConnect(other.url, await login(other.url, alice.email));
    assert.equal(rtm.ws_endpoint, 'wss://chat.example.com/herald/rtm');
  } finally {
    await other.stop();
  }
});

test('rtm.connect: the token lifetime is configurable', async () => {
  const other = await startTestServer({}, { HERALD_AIRSEND_TOKEN_TTL_SECONDS: '5' });
  try {
    const alice = await newUser(other.url, 'alice');
    const rtm = await rtmConnect(other.url, await login(other.url, alice.email));
    const { claims } = decodeJwt(rtm.ws_token);
    assert.ok(Number(claims.exp) - Number(claims.iat) === 5);
  } finally {
    await other.stop();
  }
});
