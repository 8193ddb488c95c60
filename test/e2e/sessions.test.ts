// Logout and password changes, end to end: which tokens stop working on which transport (REST, native
// WebSocket and SSE, AirSend rtm.connect and ws_auth, Tracim REST, cookie and stream), which open
// connections close and with what code and reason (4009), and which sessions are left alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, api, newUser, startTestServer, NativeClient, type TestServer, type TestUser } from '../helpers/server.js';
import { WsClient, isRefused } from '../helpers/realtime.js';
import * as probe from '../reliability/probes.js';
import { adminUser } from './tracim-helpers.js';

const PASSWORD = 'correct horse battery'; // test/helpers/server.ts newUser
const LOGGED_OUT = 'logged out';
const PASSWORD_CHANGED = 'the password was changed: log in again';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.stop());

async function login(email: string, password = PASSWORD): Promise<{ status: number; token: string }> {
  const r = await api<{ token: string }>(srv.url, 'POST', '/api/v1/user.login', undefined, { email, password });
  return { status: r.status, token: r.body.token };
}

async function rtmToken(token: string): Promise<string> {
  const r = await api<{ rtm: { ws_token: string } }>(srv.url, 'POST', '/api/v1/rtm.connect', token);
  assert.equal(r.status, 200);
  return r.body.rtm.ws_token;
}

/** Every transport a token opens, as the authorisation probes see it: the transports that let it in. */
async function acceptedOn(u: TestUser, token: string, rtm: string): Promise<string[]> {
  const b = srv.url;
  const verdicts = [
    await probe.rest(b, token),
    await probe.tracimRest(b, token),
    await probe.rtmConnect(b, token),
    await probe.tracimCookie(b, token),
    await probe.nativeWs(b, token),
    await probe.nativeSse(b, token),
    await probe.tracimStream(b, u.id, token),
    await probe.tracimStreamCookie(b, u.id, token),
    await probe.wsAuth(b, rtm),
  ];
  return verdicts.filter((v) => v.accepted).map((v) => v.transport);
}
const EVERY_TRANSPORT = ['rest', 'tracim-rest', 'rtm.connect', 'tracim-cookie', 'native-ws', 'native-sse', 'tracim-stream', 'tracim-stream-cookie', 'ws_auth'];

/** An SSE stream read raw, so the closing comment (`: closed (<code>): <reason>`) can be checked. */
class RawSse {
  text = '';
  status = 0;
  readonly done: Promise<void>;
  private readonly ctl = new AbortController();
  private readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string>) {
    let open!: () => void;
    this.opened = new Promise((r) => (open = r));
    this.done = (async () => {
      try {
        const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: this.ctl.signal });
        this.status = res.status;
        open();
        if (res.status !== 200 || !res.body) return;
        for await (const chunk of res.body) this.text += new TextDecoder().decode(chunk as Uint8Array);
      } catch {
        // aborted
      } finally {
        open();
      }
    })();
  }

  async ready(): Promise<number> {
    await this.opened;
    return this.status;
  }

  /** Resolves true when the server ended the stream within `ms`. */
  async endedWithin(ms: number): Promise<boolean> {
    return Promise.race([this.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  }

  close(): void {
    this.ctl.abort();
  }
}

/** The four realtime connections a user's client may hold, all opened with one token. */
class Live {
  private constructor(
    readonly native: NativeClient,
    readonly sse: RawSse,
    readonly air: WsClient,
    readonly tracim: RawSse,
  ) {}

  static async open(u: TestUser, token: string): Promise<Live> {
    const bearer = { authorization: `Bearer ${token}` };
    const native = await NativeClient.connect(srv.url, token);
    const sse = new RawSse(`${srv.url}/api/v1/events`, bearer);
    assert.equal(await sse.ready(), 200);
    const air = await WsClient.open(`${srv.url.replace('http', 'ws')}/rtm`);
    assert.ok(!isRefused(air));
    air.sendJson({ command: 'ws_auth', auth_token: await rtmToken(token) });
    air.sendJson({ command: 'ws_ping' });
    await air.next((f) => f.event === 'pong', 3000);
    const tracim = new RawSse(`${srv.url}/api/users/${u.id}/live_messages`, bearer);
    assert.equal(await tracim.ready(), 200);
    return new Live(native, sse, air, tracim);
  }

  /** How each connection ended within `ms` (null: still open). */
  async closes(ms: number): Promise<Record<string, string | null>> {
    const deadline = Promise.all([this.native.closed, this.air.closed, this.sse.done, this.tracim.done]);
    await Promise.race([deadline, new Promise((r) => setTimeout(r, ms))]);
    const sseEnd = (s: RawSse) => /: closed \((\d+)\): ([^\n]*)\n\n$/.exec(s.text)?.slice(1).join(' ') ?? null;
    return {
      native: this.native.closeCode === null ? null : `${this.native.closeCode} ${this.native.closeReason}`,
      sse: sseEnd(this.sse),
      airsend: this.air.closeCode === null ? null : `${this.air.closeCode} ${this.air.closeReason}`,
      tracim: sseEnd(this.tracim),
    };
  }

  close(): void {
    this.native.ws.terminate();
    this.sse.close();
    this.air.terminate();
    this.tracim.close();
  }
}

/** A fence: an event for the user (their own profile change) must reach `c`, so it is still open and delivering. */
async function fence(token: string, c: NativeClient, name: string): Promise<void> {
  assert.equal((await api(srv.url, 'PATCH', '/api/v1/me', token, { display_name: name })).status, 200);
  await c.next((f) => f.type === 'user.updated' && (f.data.user as { display_name: string }).display_name === name, 3000);
}

test('logout (native): the token and its RTM tokens are refused everywhere, its open connections close with 4009 "logged out", the other session is untouched', async () => {
  const u = await newUser(srv.url, 'lou');
  const phone = u.token;
  const laptop = (await login(u.email)).token;
  const phoneRtm = await rtmToken(phone);
  const onPhone = await Live.open(u, phone);
  const onLaptop = await NativeClient.connect(srv.url, laptop);
  try {
    const r = await fetch(`${srv.url}/api/v1/user.logout`, { method: 'POST', headers: { authorization: `Bearer ${phone}` } });
    assert.equal(r.status, 204);
    assert.deepEqual(await onPhone.closes(3000), { native: `4009 ${LOGGED_OUT}`, sse: `4009 ${LOGGED_OUT}`, airsend: `4009 ${LOGGED_OUT}`, tracim: `4009 ${LOGGED_OUT}` });
    await fence(laptop, onLaptop, 'after logout');
    assert.equal(onLaptop.closeCode, null);

    assert.deepEqual(await acceptedOn(u, phone, phoneRtm), [], 'the logged-out token and an RTM token issued from it before');
    assert.deepEqual(await acceptedOn(u, laptop, await rtmToken(laptop)), EVERY_TRANSPORT, 'the other session');
    // Logging out again with the dead token is refused like any bad token; the server API key has no session.
    assert.equal((await api(srv.url, 'POST', '/api/v1/user.logout', phone)).status, 401);
    const key = await api<{ code: string }>(srv.url, 'POST', '/api/v1/user.logout', API_KEY, undefined, { 'x-herald-user': String(u.id) });
    assert.deepEqual([key.status, key.body.code], [400, 'bad_request']);
    // Logging in again opens a new session.
    assert.deepEqual(await acceptedOn(u, (await login(u.email)).token, await rtmToken(laptop)), EVERY_TRANSPORT);
  } finally {
    onPhone.close();
    onLaptop.ws.terminate();
  }
});

test('logout (Tracim): revokes the bearer token and the session cookie’s token, closes the cookie’s stream, clears the cookie', async () => {
  const u = await newUser(srv.url, 'tlo');
  const res = await fetch(`${srv.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: u.email, password: PASSWORD }) });
  assert.equal(res.status, 200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const cookieToken = decodeURIComponent(cookie.slice('session_key='.length));
  const stream = new RawSse(`${srv.url}/api/users/${u.id}/live_messages`, { cookie });
  assert.equal(await stream.ready(), 200);
  const other = (await login(u.email)).token;
  try {
    const out = await fetch(`${srv.url}/api/auth/logout`, { method: 'POST', headers: { cookie, authorization: `Bearer ${u.token}` } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /^session_key=;.*Max-Age=0/);
    assert.equal(await stream.endedWithin(3000), true);
    assert.match(stream.text, /: closed \(4009\): logged out\n\n$/);
    assert.deepEqual(await acceptedOn(u, cookieToken, 'x'), [], 'the cookie’s token');
    assert.deepEqual(await acceptedOn(u, u.token, 'x'), [], 'the bearer token');
    assert.deepEqual(await acceptedOn(u, other, await rtmToken(other)), EVERY_TRANSPORT, 'a session the request did not present');
    // Without credentials, or with dead ones, logout still answers 204 and clears the cookie.
    assert.equal((await fetch(`${srv.url}/api/auth/logout`, { method: 'POST' })).status, 204);
    assert.equal((await fetch(`${srv.url}/api/auth/logout`, { method: 'POST', headers: { cookie } })).status, 204);
  } finally {
    stream.close();
  }
});

test('password change (native): wrong or missing current password changes nothing; then every earlier token is refused, open connections close with 4009, the fresh token works', async () => {
  const u = await newUser(srv.url, 'pwd');
  const laptop = (await login(u.email)).token;
  const oldRtm = await rtmToken(u.token);
  const onPhone = await Live.open(u, u.token);
  const onLaptop = await NativeClient.connect(srv.url, laptop);
  try {
    const wrong = await api<{ code: string }>(srv.url, 'PUT', '/api/v1/me/password', u.token, { current_password: 'not my password', new_password: 'brand new password' });
    assert.deepEqual([wrong.status, wrong.body.code], [403, 'forbidden']);
    const missing = await api<{ code: string }>(srv.url, 'PUT', '/api/v1/me/password', u.token, { new_password: 'brand new password' });
    assert.deepEqual([missing.status, missing.body.code], [400, 'bad_request']);
    const short = await api(srv.url, 'PUT', '/api/v1/me/password', u.token, { current_password: PASSWORD, new_password: 'short' });
    assert.equal(short.status, 400);
    await fence(laptop, onLaptop, 'after refused changes');
    assert.deepEqual(await acceptedOn(u, u.token, oldRtm), EVERY_TRANSPORT, 'nothing revoked by a refused change');

    const ok = await api<{ user: { id: number }; token: string }>(srv.url, 'PUT', '/api/v1/me/password', u.token, { current_password: PASSWORD, new_password: 'brand new password' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user.id, u.id);
    const closes = await onPhone.closes(3000);
    assert.deepEqual(closes, { native: `4009 ${PASSWORD_CHANGED}`, sse: `4009 ${PASSWORD_CHANGED}`, airsend: `4009 ${PASSWORD_CHANGED}`, tracim: `4009 ${PASSWORD_CHANGED}` });
    await onLaptop.closed;
    assert.deepEqual([onLaptop.closeCode, onLaptop.closeReason], [4009, PASSWORD_CHANGED], 'every session of the user, not only the one that changed it');

    assert.deepEqual(await acceptedOn(u, u.token, oldRtm), []);
    assert.deepEqual(await acceptedOn(u, laptop, oldRtm), []);
    assert.deepEqual(await acceptedOn(u, ok.body.token, await rtmToken(ok.body.token)), EVERY_TRANSPORT);
    assert.equal((await login(u.email)).status, 401, 'the old password');
    assert.equal((await login(u.email, 'brand new password')).status, 200);
  } finally {
    onPhone.close();
    onLaptop.ws.terminate();
  }
});

test('password change (Tracim): 204, checks loggedin_user_password and new_password2; a cookie session gets a fresh cookie, earlier tokens are refused', async () => {
  const u = await newUser(srv.url, 'tpw');
  const res = await fetch(`${srv.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: u.email, password: PASSWORD }) });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const put = (body: unknown, headers: Record<string, string>) =>
    fetch(`${srv.url}/api/users/${u.id}/password`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const stream = new RawSse(`${srv.url}/api/users/${u.id}/live_messages`, { authorization: `Bearer ${u.token}` });
  assert.equal(await stream.ready(), 200);
  try {
    assert.equal((await put({ loggedin_user_password: PASSWORD, new_password: 'tracim new pass', new_password2: 'tracim other pass' }, { cookie })).status, 400);
    assert.equal((await put({ loggedin_user_password: 'wrong password', new_password: 'tracim new pass', new_password2: 'tracim new pass' }, { cookie })).status, 403);
    const ok = await put({ loggedin_user_password: PASSWORD, new_password: 'tracim new pass', new_password2: 'tracim new pass' }, { cookie });
    assert.equal(ok.status, 204);
    const fresh = (ok.headers.get('set-cookie') ?? '').split(';')[0];
    assert.match(fresh, /^session_key=.+/);
    assert.notEqual(fresh, cookie);
    assert.equal(await stream.endedWithin(3000), true);
    assert.match(stream.text, /: closed \(4009\): the password was changed: log in again\n\n$/);

    assert.equal((await fetch(`${srv.url}/api/auth/whoami`, { headers: { cookie } })).status, 401, 'the old cookie');
    assert.equal((await fetch(`${srv.url}/api/auth/whoami`, { headers: { authorization: `Bearer ${u.token}` } })).status, 401, 'an earlier bearer token');
    assert.equal((await fetch(`${srv.url}/api/auth/whoami`, { headers: { cookie: fresh } })).status, 200, 'the fresh cookie');
    assert.equal((await login(u.email, 'tracim new pass')).status, 200);
  } finally {
    stream.close();
  }
});

test("another user's password: refused to a non-administrator; an administrator confirms with their own password; the server API key needs none; no token is handed out", async () => {
  const u = await newUser(srv.url, 'target');
  const mallory = await newUser(srv.url, 'mallory');
  const admin = await adminUser(srv.url);
  const onTarget = await NativeClient.connect(srv.url, u.token);
  try {
    const refused = await api<{ code: string }>(srv.url, 'PUT', `/api/v1/users/${u.id}/password`, mallory.token, { current_password: PASSWORD, new_password: 'hijacked password' });
    assert.deepEqual([refused.status, refused.body.code], [403, 'forbidden']);
    const tracimRefused = await api(srv.url, 'PUT', `/api/users/${u.id}/password`, mallory.token, { loggedin_user_password: PASSWORD, new_password: 'hijacked password', new_password2: 'hijacked password' });
    assert.equal(tracimRefused.status, 403);
    await fence(u.token, onTarget, 'still mine');

    const wrongAdmin = await api(srv.url, 'PUT', `/api/v1/users/${u.id}/password`, admin.token, { current_password: 'not the admin password', new_password: 'set by admin 1' });
    assert.equal(wrongAdmin.status, 403);
    const byAdmin = await api<{ user: { id: number }; token?: string }>(srv.url, 'PUT', `/api/v1/users/${u.id}/password`, admin.token, { current_password: PASSWORD, new_password: 'set by admin 1' });
    assert.equal(byAdmin.status, 200);
    assert.deepEqual([byAdmin.body.user.id, byAdmin.body.token], [u.id, undefined]);
    await onTarget.closed;
    assert.deepEqual([onTarget.closeCode, onTarget.closeReason], [4009, PASSWORD_CHANGED]);
    assert.equal((await api(srv.url, 'GET', '/api/v1/me', u.token)).status, 401);
    assert.equal((await api(srv.url, 'GET', '/api/v1/me', admin.token)).status, 200, "the administrator's own session is untouched");

    const byKey = await api<{ token?: string }>(srv.url, 'PUT', `/api/v1/users/${u.id}/password`, API_KEY, { new_password: 'set by the key 2' });
    assert.deepEqual([byKey.status, byKey.body.token], [200, undefined]);
    assert.equal((await login(u.email, 'set by admin 1')).status, 401);
    assert.equal((await login(u.email, 'set by the key 2')).status, 200);
    const unknown = await api(srv.url, 'PUT', '/api/v1/users/999999/password', API_KEY, { new_password: 'nobody here 3' });
    assert.equal(unknown.status, 404);
  } finally {
    onTarget.ws.terminate();
  }
});
