// Token authentication and revocation (src/gateway/auth.ts) against an in-memory user directory: the
// claims every token carries, canonical user ids, logout and password-change revocation checked on every
// use (the verified-signature cache does not bypass it), tokens issued from another; and the registry
// closing exactly the connections opened with a logged-out token.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, decodeJwt } from 'jose';
import pino from 'pino';
import { Auth, parseUserId, type TokenInfo, type UserAuthState, type UserDirectory } from '../../src/gateway/auth.js';
import { HeraldError } from '../../src/core/errors.js';
import { ConnectionRegistry, type CloseReason, type LiveConnection, type Registration } from '../../src/gateway/registry.js';
import type { PresenceManager } from '../../src/bus/bus.js';

const SECRET = 'unit-secret-0123456789abcdef';
const API_KEY = 'unit-api-key-0123456789';

/** Users 1..n, their generations, the logged-out token ids, and every lookup made (per use, not cached). */
class Directory implements UserDirectory {
  readonly users = new Map<number, { username: string; deleted: boolean; generation: number }>();
  readonly revoked = new Set<string>();
  readonly lookups: { id: number; tokenIds: readonly string[] }[] = [];

  async find(id: number, tokenIds: readonly string[]): Promise<UserAuthState | null> {
    this.lookups.push({ id, tokenIds });
    const u = this.users.get(id);
    return u === undefined ? null : { ...u, revoked: tokenIds.some((t) => this.revoked.has(t)) };
  }
}

function setup() {
  const dir = new Directory();
  dir.users.set(1, { username: 'alice', deleted: false, generation: 0 });
  dir.users.set(2, { username: 'bob', deleted: false, generation: 3 });
  return { dir, auth: new Auth(SECRET, API_KEY, 3600, dir) };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HeraldError, `expected a HeraldError, got ${String(e)}`);
    return `${e.code}: ${e.message}`;
  }
  assert.fail('expected a refusal');
}

const sign = (claims: Record<string, unknown>, sub: string) =>
  new SignJWT({ purpose: 'api', jti: 'j-handmade', gen: 0, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
    .sign(new TextEncoder().encode(SECRET));

describe('Auth: tokens', () => {
  test('every issued token carries a random jti, the credential generation, an expiry and its purpose', async () => {
    const { auth } = setup();
    const t1 = await auth.issue(2, { generation: 3 });
    const t2 = await auth.issue(2, { generation: 3 });
    const c1 = decodeJwt(t1);
    const c2 = decodeJwt(t2);
    assert.equal(c1.sub, '2');
    assert.equal(c1.gen, 3);
    assert.equal(c1.purpose, 'api');
    assert.match(String(c1.jti), /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(c1.jti, c2.jti, 'jti is random per token');
    assert.ok(typeof c1.exp === 'number' && c1.exp - Math.floor(Date.now() / 1000) > 3590);
    assert.equal(c1.sid, undefined, 'a token issued on credentials is its own session');
    const p = await auth.authenticate({ token: t1 });
    assert.deepEqual(p.token, { id: c1.jti, session: c1.jti, generation: 3, expiresAt: c1.exp! * 1000 });
  });

  test('issued without a generation, the token takes the user’s current one from the directory', async () => {
    const { auth } = setup();
    assert.equal(decodeJwt(await auth.issue(2)).gen, 3);
    await assert.rejects(auth.issue(99), /no longer exists/);
  });

  test('a user id must be a canonical positive integer string', async () => {
    const { auth } = setup();
    assert.equal((await auth.authenticate({ token: await sign({}, '1') })).actor.userId, 1);
    for (const sub of ['1e0', '01', '+1', ' 1', '1.0', '0x1', '0', '-1', '1 ', '9007199254740993', '']) {
      assert.equal(await refusal(auth.authenticate({ token: await sign({}, sub) })), 'unauthenticated: token has no user', `sub ${JSON.stringify(sub)}`);
    }
    assert.deepEqual(['1', '42', '1e0', '01', '4.0', 'x'].map(parseUserId), [1, 42, null, null, null, null]);
    // X-Herald-User too.
    assert.equal((await auth.authenticate({ token: API_KEY, allowServer: true, actAs: '1' })).actor.userId, 1);
    assert.match(await refusal(auth.authenticate({ token: API_KEY, allowServer: true, actAs: '1e0' })), /^bad_request/);
  });

  test('a token without a jti or a generation cannot be revoked, so it is refused', async () => {
    const { auth } = setup();
    assert.match(await refusal(auth.authenticate({ token: await sign({ jti: undefined }, '1') })), /cannot be revoked/);
    assert.match(await refusal(auth.authenticate({ token: await sign({ gen: undefined }, '1') })), /cannot be revoked/);
    assert.match(await refusal(auth.authenticate({ token: await sign({ gen: -1 }, '1') })), /cannot be revoked/);
    assert.match(await refusal(auth.authenticate({ token: await sign({ gen: '0' }, '1') })), /cannot be revoked/);
    assert.match(await refusal(auth.authenticate({ token: await sign({ sid: 7 }, '1') })), /cannot be revoked/);
  });
});

describe('Auth: revocation', () => {
  test('a logged-out token is refused on its next use although its signature is cached; another token of the user is not', async () => {
    const { auth, dir } = setup();
    const phone = await auth.issue(1, { generation: 0 });
    const laptop = await auth.issue(1, { generation: 0 });
    const info = (await auth.authenticate({ token: phone })).token!;
    await auth.authenticate({ token: phone }); // cached signature from here on
    dir.revoked.add(info.id);
    assert.equal(await refusal(auth.authenticate({ token: phone })), 'unauthenticated: this token was revoked (logged out): log in again');
    assert.equal((await auth.authenticate({ token: laptop })).actor.userId, 1);
    // Every use asks the directory (one lookup per use), with the token's id.
    assert.equal(dir.lookups.length, 4);
    assert.deepEqual(dir.lookups[2], { id: 1, tokenIds: [info.id] });
  });

  test('a password change (a newer generation) refuses every earlier token; a token of the new generation works', async () => {
    const { auth, dir } = setup();
    const before = await auth.issue(2, { generation: 3 });
    await auth.authenticate({ token: before });
    dir.users.get(2)!.generation = 4;
    assert.equal(await refusal(auth.authenticate({ token: before })), 'unauthenticated: this token was revoked by a password change: log in again');
    const after = await auth.issue(2, { generation: 4 });
    assert.equal((await auth.authenticate({ token: after })).actor.userId, 2);
  });

  test('a token issued from another (RTM) shares its session and generation, never outlives it, and is revoked with it', async () => {
    const { auth, dir } = setup();
    const parentToken = await auth.issue(1, { generation: 0, ttlSeconds: 60 });
    const parent = (await auth.authenticate({ token: parentToken })).token!;
    const rtm = await auth.issue(1, { purpose: 'rtm', ttlSeconds: 3600, claims: { user_id: 1 }, parent });
    const claims = decodeJwt(rtm);
    assert.equal(claims.sid, parent.id);
    assert.equal(claims.gen, 0);
    assert.equal(claims.user_id, 1);
    assert.ok(claims.exp! * 1000 <= parent.expiresAt, 'capped at the parent’s expiry');
    const child = (await auth.authenticate({ token: rtm, purpose: 'rtm' })).token!;
    assert.equal(child.session, parent.id);
    assert.notEqual(child.id, parent.id);
    assert.deepEqual(dir.lookups.at(-1)?.tokenIds, [child.id, parent.id], 'checked by its own id and its session’s');
    dir.revoked.add(parent.id);
    assert.match(await refusal(auth.authenticate({ token: rtm, purpose: 'rtm' })), /revoked \(logged out\)/);
  });

  test('an RTM token issued from a pre-change token after the change is still of the old generation, so refused', async () => {
    const { auth, dir } = setup();
    const parent = (await auth.authenticate({ token: await auth.issue(2, { generation: 3 }) })).token!;
    dir.users.get(2)!.generation = 4; // the change commits between rtm.connect's authentication and its issue
    const rtm = await auth.issue(2, { purpose: 'rtm', parent });
    assert.match(await refusal(auth.authenticate({ token: rtm, purpose: 'rtm' })), /password change/);
  });

  test('deleted and unknown users are refused; the server API key is no token and has nothing to revoke', async () => {
    const { auth, dir } = setup();
    const t = await auth.issue(1, { generation: 0 });
    dir.users.get(1)!.deleted = true;
    assert.match(await refusal(auth.authenticate({ token: t })), /no longer exists/);
    assert.match(await refusal(auth.authenticate({ token: await sign({}, '99') })), /no longer exists/);
    const server = await auth.authenticate({ token: API_KEY, allowServer: true });
    assert.deepEqual(server, { actor: { userId: null, server: true }, claims: {}, token: null });
    assert.deepEqual(dir.lookups.at(-1), { id: 99, tokenIds: ['j-handmade'] });
  });
});

describe('ConnectionRegistry: closing by token', () => {
  class Conn implements LiveConnection {
    readonly dialect = 'native';
    readonly transport = 'websocket';
    closed: { reason: CloseReason; message: string } | null = null;
    registration: Registration | null = null;
    constructor(
      readonly userId: number,
      readonly token: TokenInfo | null,
    ) {}
    /** As a real session: closing ends the connection, whose close handler unregisters it. */
    close(reason: CloseReason, message: string): void {
      this.closed = { reason, message };
      this.registration?.unregister();
    }
  }
  const presence: PresenceManager = { connect: async () => false, disconnect: async () => false, online: async () => new Set(), onExpired: () => () => undefined };
  const tok = (id: string, session = id): TokenInfo => ({ id, session, generation: 0, expiresAt: Date.now() + 60_000 });

  test('a logout closes the connections opened with that token or with a token of its session, and no other', () => {
    const reg = new ConnectionRegistry(presence, { online: () => undefined, offline: () => undefined, gauge: () => undefined }, pino({ level: 'silent' }));
    const phone = new Conn(1, tok('A'));
    const phoneRtm = new Conn(1, tok('R', 'A'));
    const laptop = new Conn(1, tok('B'));
    const byKey = new Conn(1, null);
    const otherUser = new Conn(2, tok('A'));
    const all = [phone, phoneRtm, laptop, byKey, otherUser];
    for (const c of all) c.registration = reg.register(c);
    assert.equal(reg.closeTokens(1, ['A'], 'logged out'), 2);
    assert.deepEqual(all.map((c) => c.closed?.reason ?? null), ['revoked', 'revoked', null, null, null]);
    assert.equal(phone.closed?.message, 'logged out');
    assert.equal(reg.closeTokens(1, ['nobody'], 'logged out'), 0);
    // A password change closes all of the user's remaining connections, whatever their token.
    assert.equal(reg.closeUser(1, 'the password was changed: log in again'), 2);
    assert.deepEqual(all.map((c) => c.closed?.message ?? null), ['logged out', 'logged out', 'the password was changed: log in again', 'the password was changed: log in again', null]);
    assert.equal(reg.count(), 1);
  });
});
