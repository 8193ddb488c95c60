// Authorisation, credentials: every kind of bad token (forged, expired, alg none, wrong purpose, foreign,
// no exp, no jti, non-canonical or unknown or deleted user, malformed, logged out, from before a password
// change) on every transport and by session cookie. Zero get in; the same probes let a valid token in,
// so a refusal means something.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, JWT_SECRET } from '../helpers/constants.js';
import { api, newUser, startTestServer, NativeClient, type TestServer, type TestUser } from '../helpers/server.js';
import { SseStream, WsClient, isRefused } from '../helpers/realtime.js';
import * as probe from './probes.js';
import { report } from './report.js';

let srv: TestServer;
let alice: TestUser;
let bob: TestUser;
let aliceRtm: string;
before(async () => {
  srv = await startTestServer();
  alice = await newUser(srv.url, 'alice');
  bob = await newUser(srv.url, 'bob');
  aliceRtm = await rtmToken(alice.token);
});
after(() => srv.stop());

async function rtmToken(token: string): Promise<string> {
  const r = await api<{ rtm: { ws_token: string } }>(srv.url, 'POST', '/api/v1/rtm.connect', token);
  assert.equal(r.status, 200);
  return r.body.rtm.ws_token;
}

/** Every transport, with `api` where an API bearer token goes and `rtm` where ws_auth's token goes. */
async function allTransports(tokens: { api: string; rtm: string }, userId: number, opts: { rest?: boolean } = {}): Promise<probe.Verdict[]> {
  const b = srv.url;
  return [
    ...(opts.rest === false ? [] : [await probe.rest(b, tokens.api), await probe.tracimRest(b, tokens.api), await probe.rtmConnect(b, tokens.api)]),
    await probe.tracimCookie(b, tokens.api),
    await probe.nativeWs(b, tokens.api),
    await probe.nativeSse(b, tokens.api),
    await probe.tracimStream(b, userId, tokens.api),
    await probe.tracimStreamCookie(b, userId, tokens.api),
    await probe.wsAuth(b, tokens.rtm),
  ];
}

const OTHER_SECRET = 'another-secret-0123456789abcdef';

test('bad credentials get in nowhere: every kind of bad token on every transport is refused', async () => {
  const a = String(alice.id);
  const rtmClaims = { sub: a, purpose: 'rtm' as const, user_id: alice.id };
  const apiClaims = { sub: a, purpose: 'api' as const };

  // Control: the genuine tokens are accepted by the same probes.
  const control = await allTransports({ api: alice.token, rtm: aliceRtm }, alice.id);
  assert.deepEqual(control.filter((v) => !v.accepted), [], 'valid tokens are accepted everywhere');

  const dave = await newUser(srv.url, 'dave');
  const daveRtm = await rtmToken(dave.token);
  assert.equal((await api(srv.url, 'PUT', `/api/users/${dave.id}/trashed`, API_KEY)).status, 204);

  const cases: [string, { api: string; rtm: string }, number][] = [
    ['forged (payload swapped to another user)', { api: probe.forged(alice.token, { sub: String(bob.id), purpose: 'api' }), rtm: probe.forged(aliceRtm, { sub: String(bob.id), purpose: 'rtm', user_id: bob.id }) }, bob.id],
    ['tampered signature', { api: probe.tampered(alice.token), rtm: probe.tampered(aliceRtm) }, alice.id],
    ['expired', { api: await probe.signed(JWT_SECRET, apiClaims, -60), rtm: await probe.signed(JWT_SECRET, rtmClaims, -60) }, alice.id],
    ['unsigned (alg none)', { api: probe.unsigned(apiClaims), rtm: probe.unsigned(rtmClaims) }, alice.id],
    ['wrong purpose (RTM token as API token and back)', { api: aliceRtm, rtm: alice.token }, alice.id],
    ['foreign (signed with another secret)', { api: await probe.signed(OTHER_SECRET, apiClaims, 3600), rtm: await probe.signed(OTHER_SECRET, rtmClaims, 3600) }, alice.id],
    ['no exp claim', { api: await probe.signed(JWT_SECRET, apiClaims, null), rtm: await probe.signed(JWT_SECRET, rtmClaims, null) }, alice.id],
    ['no jti claim (cannot be revoked)', { api: await probe.signed(JWT_SECRET, { ...apiClaims, jti: undefined }, 3600), rtm: await probe.signed(JWT_SECRET, { ...rtmClaims, jti: undefined }, 3600) }, alice.id],
    ['no credential generation (gen)', { api: await probe.signed(JWT_SECRET, { ...apiClaims, gen: undefined }, 3600), rtm: await probe.signed(JWT_SECRET, { ...rtmClaims, gen: undefined }, 3600) }, alice.id],
    ['user id in a non-canonical form (1e0)', { api: await probe.signed(JWT_SECRET, { sub: `${a}e0`, purpose: 'api' }, 3600), rtm: await probe.signed(JWT_SECRET, { sub: `0${a}`, purpose: 'rtm', user_id: alice.id }, 3600) }, alice.id],
    ['unknown user id', { api: await probe.signed(JWT_SECRET, { sub: '999999', purpose: 'api' }, 3600), rtm: await probe.signed(JWT_SECRET, { sub: '999999', purpose: 'rtm', user_id: 999999 }, 3600) }, 999999],
    ['user id that is not a number', { api: await probe.signed(JWT_SECRET, { sub: 'alice', purpose: 'api' }, 3600), rtm: await probe.signed(JWT_SECRET, { sub: 'alice', purpose: 'rtm', user_id: alice.id }, 3600) }, alice.id],
    ['rtm token whose user_id claim names someone else', { api: 'x', rtm: await probe.signed(JWT_SECRET, { sub: a, purpose: 'rtm', user_id: bob.id }, 3600) }, alice.id],
    ['deleted user', { api: dave.token, rtm: daveRtm }, dave.id],
    ['malformed', { api: 'not.a.token', rtm: 'eyJ.eyJ.' }, alice.id],
    ['empty', { api: '', rtm: '' }, alice.id],
  ];
  const results: { name: string; v: probe.Verdict }[] = [];
  for (const [name, tokens, userId] of cases) for (const v of await allTransports(tokens, userId)) results.push({ name, v });
  // The server API key opens no realtime connection of its own (it is no user), and is no session cookie.
  // (By design it may read a given user's Tracim stream, as an administrator may: not probed here.)
  for (const v of await allTransports({ api: API_KEY, rtm: API_KEY }, alice.id, { rest: false })) {
    if (v.transport !== 'tracim-stream') results.push({ name: 'server API key on a realtime transport', v });
  }

  const accepted = results.filter((r) => r.v.accepted);
  const byDetail = new Map<string, number>();
  for (const r of results) byDetail.set(`${r.v.transport}:${r.v.detail}`, (byDetail.get(`${r.v.transport}:${r.v.detail}`) ?? 0) + 1);
  report('authz-tokens', {
    kinds: cases.length + 1,
    tried: results.length,
    accepted: accepted.length,
    control_accepted: `${control.filter((v) => v.accepted).length}/${control.length}`,
    outcomes: [...byDetail].map(([k, v]) => `${k}:${v}`).join(','),
  });
  assert.deepEqual(accepted.map((r) => `${r.name} → ${r.v.transport} (${r.v.detail})`), [], 'no bad credential is accepted');
  // Refusals are the transport's own "unauthenticated": 401 over HTTP, 4001 for ws_auth (4005, malformed, for an empty one).
  const wrongForm = results.filter((r) => !(r.v.detail === '401' || r.v.detail === 'close 4001' || (r.name === 'empty' && r.v.detail === 'close 4005')));
  assert.deepEqual(wrongForm.map((r) => `${r.name} → ${r.v.transport} (${r.v.detail})`), []);
});

async function login(u: TestUser): Promise<string> {
  const r = await api<{ token: string }>(srv.url, 'POST', '/api/v1/user.login', undefined, { email: u.email, password: PASSWORD });
  assert.equal(r.status, 200);
  return r.body.token;
}

const PASSWORD = 'correct horse battery'; // test/helpers/server.ts newUser
const accepted = (vs: probe.Verdict[]) => vs.filter((v) => v.accepted).map((v) => `${v.transport} (${v.detail})`);
const refused = (vs: probe.Verdict[]) => vs.filter((v) => !v.accepted).map((v) => `${v.transport} (${v.detail})`);

test('a revoked token (after logout or a password change) is refused on every transport', async () => {
  const erin = await newUser(srv.url, 'erin');
  const laptop = await login(erin);
  const erinRtm = await rtmToken(erin.token);

  // Logout (Tracim's route, bearer token) revokes that token and the RTM token issued from it, nothing else.
  assert.equal((await api(srv.url, 'POST', '/api/auth/logout', erin.token)).status, 204);
  const afterLogout = await allTransports({ api: erin.token, rtm: erinRtm }, erin.id);
  const laptopRtm = await rtmToken(laptop);
  const otherSession = await allTransports({ api: laptop, rtm: laptopRtm }, erin.id);

  // A password change revokes every earlier token of the user, RTM tokens included; the fresh token works.
  const changed = await api<{ token: string }>(srv.url, 'PUT', '/api/v1/me/password', laptop, { current_password: PASSWORD, new_password: 'a new password 2' });
  assert.equal(changed.status, 200);
  const afterChange = await allTransports({ api: laptop, rtm: laptopRtm }, erin.id);
  const fresh = await allTransports({ api: changed.body.token, rtm: await rtmToken(changed.body.token) }, erin.id);

  report('authz-revoked', {
    tried: afterLogout.length + afterChange.length,
    accepted: accepted(afterLogout).length + accepted(afterChange).length,
    control_accepted: `${otherSession.length + fresh.length - refused(otherSession).length - refused(fresh).length}/${otherSession.length + fresh.length}`,
  });
  assert.deepEqual(accepted(afterLogout), [], 'a logged-out token and its RTM token get in nowhere');
  assert.deepEqual(accepted(afterChange), [], 'tokens from before the password change get in nowhere');
  assert.deepEqual(refused(otherSession), [], "logging one session out leaves the user's other session working");
  assert.deepEqual(refused(fresh), [], 'the token returned by the password change works everywhere');
  // Refused the way a bad token is: 401 over HTTP, 4001 for ws_auth.
  assert.deepEqual([...afterLogout, ...afterChange].filter((v) => v.detail !== '401' && v.detail !== 'close 4001').map((v) => `${v.transport} (${v.detail})`), []);
});

test(
  "a deleted user's open realtime connections are closed at once",
  async () => {
    const frank = await newUser(srv.url, 'frank');
    const ws = await NativeClient.connect(srv.url, frank.token);
    const sse = new SseStream(`${srv.url}/api/v1/events`, { authorization: `Bearer ${frank.token}` });
    assert.equal(await sse.ready(), 200);
    const rtm = await rtmToken(frank.token);
    const air = await WsClient.open(`${srv.url.replace('http', 'ws')}/rtm`);
    assert.ok(!isRefused(air));
    air.sendJson({ command: 'ws_auth', auth_token: rtm });
    const tlm = new SseStream(`${srv.url}/api/users/${frank.id}/live_messages`, { authorization: `Bearer ${frank.token}` });
    assert.equal(await tlm.ready(), 200);
    try {
      assert.equal((await api(srv.url, 'PUT', `/api/users/${frank.id}/trashed`, API_KEY)).status, 204);
      await Promise.race([Promise.all([ws.closed, sse.done, air.closed, tlm.done]), new Promise((r) => setTimeout(r, 2000))]);
      assert.deepEqual({ ws: ws.closeCode !== null, sse: sse.ended, airsend: !air.open, tracim: tlm.ended }, { ws: true, sse: true, airsend: true, tracim: true });
    } finally {
      ws.ws.terminate();
      sse.close();
      air.terminate();
      tlm.close();
    }
  },
);
