// The SDK against a real Herald through a faulty proxy: typed events and commands, reconnects, resume
// exactly once across 20 seeded random drops, resets, command timeouts, token refresh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, newUser } from '../../helpers/server.js';
import { Rng, seedOf } from '../../helpers/rng.js';
import { ApiError, AuthError, CommandError, COMMAND_NAMES, HeraldRest, type ClientState, type HeraldEventFrame } from '../../../client/src/index.js';
import { COMMAND_NAMES as SERVER_COMMANDS } from '../../../src/dialects/native/commands.js';
import { client, contents, pair, rig, say, until, type Rig } from './harness.js';

let r: Rig;
before(async () => {
  r = await rig();
});
after(() => r.stop());

test('the SDK knows every native command the server runs', () => {
  assert.deepEqual([...COMMAND_NAMES].sort(), [...SERVER_COMMANDS].sort());
});

test('connect: welcome, typed events, commands resolved by command.ack and rejected with a typed command.error', async () => {
  const { a, b, sid } = await pair(r.srv);
  const c = client(r.proxy, b.token);
  const events: HeraldEventFrame[] = [];
  c.onEvent((e) => events.push(e));
  const seen = contents(c);
  const w = await c.connect();
  assert.equal(w.user_id, b.id);
  assert.equal(c.state, 'open');
  assert.equal(c.transport, 'websocket');

  const posted = await c.send('post', { space_id: sid, content: 'hello from the SDK' });
  assert.equal(posted.message.content, 'hello from the SDK');
  assert.equal(posted.message.author?.id, b.id);
  await say(r.srv, a, sid, 'hello back');
  await until(() => seen.length === 2, 'both messages');
  assert.deepEqual(seen, ['hello from the SDK', 'hello back']);
  const created = events.filter((e) => e.type === 'message.created');
  assert.ok(created.every((e) => typeof e.id === 'number' && typeof e.at === 'string'));

  const reacted = await c.send('react', { message_id: posted.message.id, emoji: '👍' });
  assert.deepEqual(reacted.message.reactions.map((x) => x.emoji), ['👍']);
  assert.deepEqual(await c.send('ping', {}), { pong: true });

  const err = await c.send('edit', { message_id: 987_654_321, content: 'x' }).catch((e: unknown) => e);
  assert.ok(err instanceof CommandError);
  assert.equal(err.code, 'not_found');
  assert.equal(err.command, 'edit');
  c.close();
  assert.equal(c.state, 'closed');
});

test('reconnect: a dropped connection comes back by itself and delivers what was posted meanwhile, once', async () => {
  const { a, b, sid } = await pair(r.srv);
  const c = client(r.proxy, b.token);
  const states: ClientState[] = [];
  c.onState((s) => states.push(s));
  const seen = contents(c);
  await c.connect();
  await say(r.srv, a, sid, 'before');
  await until(() => seen.length === 1, 'first message');

  r.proxy.refuse = true;
  assert.ok(r.proxy.cut() >= 1);
  await say(r.srv, a, sid, 'during-1');
  await say(r.srv, a, sid, 'during-2');
  await until(() => c.state === 'reconnecting', 'reconnecting');
  await new Promise((res) => setTimeout(res, 150));
  r.proxy.refuse = false;
  await until(() => c.stats.connections === 2 && c.state === 'open', 'second connection');
  await say(r.srv, a, sid, 'after');
  await until(() => seen.length === 4, 'all four');
  assert.deepEqual(seen, ['before', 'during-1', 'during-2', 'after']);
  assert.deepEqual(states.slice(0, 2), ['connecting', 'open']);
  assert.ok(states.includes('reconnecting'));
  assert.equal(c.stats.transport, 'websocket', 'a server that is down is not a reason to fall back to SSE');
  c.close();
});

test('while the server is unreachable, retries are spaced by the backoff, never beyond maxMs', async () => {
  const { b } = await pair(r.srv);
  const attempts: number[] = [];
  const { default: WS } = await import('ws');
  class Counting extends WS {
    constructor(url: string) {
      super(url);
      attempts.push(Date.now());
    }
  }
  const seed = seedOf(2024);
  const rng = new Rng(seed);
  r.proxy.refuse = true;
  r.proxy.cut(); // pooled keep-alive connections too: the whole server is unreachable
  const c = client(r.proxy, b.token, { WebSocket: Counting, backoff: { initialMs: 20, maxMs: 120 }, random: () => rng.next() });
  const connected = c.connect();
  await new Promise((res) => setTimeout(res, 1_200));
  r.proxy.refuse = false;
  await connected;
  const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
  assert.ok(attempts.length >= 8, `seed ${seed}: retried ${attempts.length} times in 1.2 s`);
  // A gap is the delay plus the failed attempt and its HTTP probe (a few ms on loopback).
  assert.ok(Math.max(...gaps) < 120 + 80, `seed ${seed}: gaps ${gaps.join(',')}`);
  assert.equal(c.transport, 'websocket', 'an unreachable server is not a reason to fall back to SSE');
  c.close();
});

test('resume exactly once across 20 random drops while messages keep arriving (seeded)', async (t) => {
  const seed = seedOf(20261202);
  const rng = new Rng(seed);
  const { a, b, sid } = await pair(r.srv);
  const jitter = rng.fork('jitter');
  const c = client(r.proxy, b.token, { random: () => jitter.next() });
  const seen = contents(c);
  const ids: number[] = [];
  c.onEvent((e) => e.id !== null && ids.push(e.id));
  await c.connect();

  const posted: string[] = [];
  let posting = true;
  const poster = (async () => {
    const prng = rng.fork('poster');
    for (let i = 0; posting || i < 40; i++) {
      posted.push(`m${i}`);
      await say(r.srv, a, sid, `m${i}`);
      await new Promise((res) => setTimeout(res, prng.int(0, 8)));
    }
  })();
  const drops = rng.fork('drops');
  for (let d = 0; d < 20; d++) {
    await until(() => c.stats.connections === d + 1 && c.state === 'open', `connection ${d + 1} (seed ${seed})`);
    // Some drops land mid-replay: the welcome comes before the missed events.
    await new Promise((res) => setTimeout(res, drops.int(0, 60)));
    if (r.proxy.cut() === 0) d--;
  }
  posting = false;
  await poster;
  await until(() => seen.length >= posted.length, `all ${posted.length} messages (seed ${seed})`, 10_000);
  await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(seen, posted, `seed ${seed}: every message once, in order`);
  assert.deepEqual(ids, [...new Set(ids)].sort((x, y) => x - y), `seed ${seed}: positions strictly grow`);
  assert.ok(c.stats.connections >= 21, `seed ${seed}: ${c.stats.connections} connections`);
  t.diagnostic(`seed ${seed}: ${posted.length} messages, ${c.stats.connections} connections, ${c.stats.duplicates} repeats dropped`);
  assert.equal(c.stats.resets, 0);
  c.close();
});

test('reset: a position the server cannot resume from calls onReset, holds events until it has reloaded, then goes on live', async () => {
  const { a, b, sid } = await pair(r.srv);
  const head = await r.srv.ctx.store.read((x) => x.logHead());
  const c = client(r.proxy, b.token, { resumeFrom: { position: head + 1_000_000, epoch: null } });
  const seen = contents(c);
  let reloaded = false;
  let seenBeforeReload = -1;
  c.onReset(async (reset) => {
    assert.equal(reset.reason, 'position_ahead');
    await say(r.srv, a, sid, 'posted during the reload');
    await until(() => c.position! > reset.position, 'the live event to arrive');
    seenBeforeReload = seen.length;
    reloaded = true;
  });
  await c.connect();
  await until(() => reloaded && seen.length === 1, 'reload then the held event');
  assert.equal(seenBeforeReload, 0, 'events were held while the handler reloaded');
  assert.equal(c.stats.resets, 1);

  const other = client(r.proxy, b.token, { resumeFrom: { position: 1, epoch: 'some-other-database' } });
  const reasons: string[] = [];
  other.onReset((x) => void reasons.push(x.reason));
  await other.connect();
  await until(() => reasons.length === 1, 'reset');
  assert.deepEqual(reasons, ['epoch_mismatch']);
  c.close();
  other.close();
});

test('command timeout and disconnect: unanswered commands reject with typed errors; the next one works', async () => {
  const { b, sid } = await pair(r.srv);
  const c = client(r.proxy, b.token);
  await c.connect();
  r.proxy.stalled = true;
  const t0 = Date.now();
  const timedOut = await c.send('ping', {}, { timeoutMs: 200 }).catch((e: unknown) => e);
  assert.ok(timedOut instanceof CommandError && timedOut.code === 'timeout', String(timedOut));
  assert.ok(Date.now() - t0 >= 190 && Date.now() - t0 < 2_000);

  const lost = c.send('post', { space_id: sid, content: 'maybe' }, { timeoutMs: 5_000 }).catch((e: unknown) => e);
  await new Promise((res) => setTimeout(res, 50));
  r.proxy.stalled = false;
  r.proxy.cut();
  const err = await lost;
  assert.ok(err instanceof CommandError && err.code === 'disconnected', String(err));

  // Sent while reconnecting: waits for the connection, then is answered.
  const queued = await c.send('post', { space_id: sid, content: 'after the drop' });
  assert.equal(queued.message.content, 'after the drop');
  c.close();
  const closed = await c.send('ping', {}).catch((e: unknown) => e);
  assert.ok(closed instanceof CommandError && closed.code === 'closed');
});

test('token refresh: a refused token asks for a new one; a logout (4009) too; without a callback the client stops with AuthError', async () => {
  const { a, b, sid } = await pair(r.srv);
  const reasons: string[] = [];
  const fresh = await newUser(r.srv.url, 'fresh');
  const refreshed = client(r.proxy, 'not-a-token', { refreshToken: (why) => (reasons.push(why), b.token) });
  await refreshed.connect();
  assert.deepEqual(reasons, ['unauthenticated']);
  refreshed.close();

  const login = async () => (await api<{ token: string }>(r.srv.url, 'POST', '/api/v1/user.login', undefined, { email: b.email, password: 'correct horse battery' })).body.token;
  const c = client(r.proxy, await login(), { refreshToken: async (why) => (reasons.push(why), login()) });
  const seen = contents(c);
  await c.connect();
  await c.rest.logout();
  await say(r.srv, a, sid, 'after logout');
  await until(() => seen.includes('after logout'), 'the event on the refreshed session');
  assert.deepEqual(reasons, ['unauthenticated', 'revoked']);
  assert.equal(c.stats.connections, 2);
  c.close();

  const stuck = client(r.proxy, fresh.token.slice(0, -4) + 'AAAA');
  const errors: Error[] = [];
  stuck.onError((e) => errors.push(e));
  const outcome = await stuck.connect().catch((e: unknown) => e);
  assert.ok(outcome instanceof AuthError && outcome.reason === 'unauthenticated', String(outcome));
  assert.equal(stuck.state, 'closed');
  assert.equal(errors.length, 1);
});

test('REST helpers: a 401 asks for a fresh token once and retries; other errors are typed ApiErrors', async () => {
  const { b, sid } = await pair(r.srv);
  let token = 'expired';
  let refreshes = 0;
  const rest = new HeraldRest({ url: r.proxy.url, token: () => token, refresh: async () => (refreshes++, (token = b.token)) });
  const me = await rest.me();
  assert.equal(me.user.id, b.id);
  assert.equal(refreshes, 1);
  const posted = await rest.postMessage(sid, { content: 'via REST' });
  assert.deepEqual((await rest.listMessages(sid, { limit: 1 })).messages.map((m) => m.id), [posted.message.id]);
  const missing = await rest.getSpace(987_654_321).catch((e: unknown) => e);
  assert.ok(missing instanceof ApiError && missing.status === 404 && missing.code === 'not_found', String(missing));
  assert.equal(refreshes, 1);
});
