// The native protocol under stress: resume after a drop, explicit resets, slow consumers, hostile input.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestServer, newUser, api, NativeClient, SseClient, sleep, type TestServer, type TestUser, type Frame } from '../helpers/server.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.stop();
});

async function group(owner: TestUser, members: TestUser[]): Promise<number> {
  const r = await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', owner.token, { name: 'g', member_ids: members.map((m) => m.id) });
  return r.body.space.id;
}
const say = (u: TestUser, sid: number, content: string, base = srv.url) => api(base, 'POST', `/api/v1/spaces/${sid}/messages`, u.token, { content });
const contents = (frames: Frame[]) => frames.filter((f) => f.type === 'message.created').map((f) => (f.data.message as { content: string }).content);

describe('resume', () => {
  test('a WebSocket client that reconnects with its last position gets exactly what it missed, then live events', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const first = await NativeClient.connect(srv.url, b.token);
    await say(a, sid, 'm1');
    await first.next((f) => f.type === 'message.created');
    const last = Math.max(...first.frames.filter((f) => f.id !== null).map((f) => f.id!));
    await first.close();

    for (const c of ['m2', 'm3', 'm4']) await say(a, sid, c);
    await api(srv.url, 'PATCH', `/api/v1/spaces/${sid}`, a.token, { name: 'renamed while away' });

    const again = await NativeClient.connect(srv.url, b.token, `?resume=${last}`);
    await again.next((f) => f.type === 'space.updated');
    await say(a, sid, 'm5');
    await again.next((f) => contents([f]).includes('m5'));
    assert.deepEqual(contents(again.frames), ['m2', 'm3', 'm4', 'm5']);
    const ids = again.frames.filter((f) => f.id !== null).map((f) => f.id!);
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'positions grow');
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    assert.ok(ids[0] > last);
    await again.close();
  });

  test('no event is lost or repeated at the seam while messages keep arriving during the replay', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const w = await NativeClient.connect(srv.url, b.token);
    const start = (w.frames[0].data as { position: number }).position;
    await w.close();
    for (let i = 0; i < 30; i++) await say(a, sid, `before-${i}`);
    const posting = (async () => {
      for (let i = 0; i < 30; i++) await say(a, sid, `during-${i}`);
    })();
    const again = await NativeClient.connect(srv.url, b.token, `?resume=${start}`);
    await posting;
    await again.next((f) => contents([f]).includes('during-29'), 5000);
    const expected = [...Array.from({ length: 30 }, (_, i) => `before-${i}`), ...Array.from({ length: 30 }, (_, i) => `during-${i}`)];
    assert.deepEqual(contents(again.frames), expected);
    await again.close();
  });

  test('an SSE client resumes with Last-Event-ID', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const s1 = new SseClient(srv.url, b.token);
    await s1.next((f) => f.type === 'session.welcome');
    await say(a, sid, 'seen');
    await s1.next((f) => f.type === 'message.created');
    const lastId = s1.ids.filter((x) => x !== '').at(-1)!;
    s1.close();
    await say(a, sid, 'missed-1');
    await say(a, sid, 'missed-2');
    const s2 = new SseClient(srv.url, b.token, { lastEventId: lastId });
    await s2.next((f) => contents([f]).includes('missed-2'));
    await say(a, sid, 'live');
    await s2.next((f) => contents([f]).includes('live'));
    assert.deepEqual(contents(s2.frames), ['missed-1', 'missed-2', 'live']);
    s2.close();
  });

  test('a position older than retention, ahead of the log, or from another epoch gets an explicit reset', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    await say(a, sid, 'old');
    const head = await srv.ctx.store.read((r) => r.logHead());

    const ahead = await NativeClient.connect(srv.url, b.token, `?resume=${head + 1000}`);
    assert.equal((await ahead.next((f) => f.type === 'session.reset')).data.reason, 'position_ahead');
    await ahead.close();

    const wrongEpoch = await NativeClient.connect(srv.url, b.token, `?resume=1&epoch=not-this-log`);
    assert.equal((await wrongEpoch.next((f) => f.type === 'session.reset')).data.reason, 'epoch_mismatch');
    await wrongEpoch.close();

    await srv.ctx.store.write((tx) => tx.prune(Date.now() + 1));
    const old = await NativeClient.connect(srv.url, b.token, `?resume=1`);
    const reset = await old.next((f) => f.type === 'session.reset');
    assert.equal(reset.data.reason, 'position_too_old');
    assert.equal(old.ofType('message.created').length, 0, 'no partial replay after a reset');
    // The session goes on live from the reset position.
    await say(a, sid, 'after reset');
    await old.next((f) => contents([f]).includes('after reset'));
    await old.close();

    const bad = await fetch(`${srv.url.replace('http', 'http')}/api/v1/events?last_event_id=-5`, { headers: { authorization: `Bearer ${b.token}` } });
    assert.equal(bad.status, 400);
  });
});

describe('isolation', () => {
  test('a non-member never receives any event of a group', async () => {
    const [a, b, outsider] = [await newUser(srv.url), await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const wo = await NativeClient.connect(srv.url, outsider.token);
    const so = new SseClient(srv.url, outsider.token);
    await so.next((f) => f.type === 'session.welcome');
    const wb = await NativeClient.connect(srv.url, b.token);
    const m = (await api<{ message: { id: number } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, a.token, { content: 'secret' })).body.message;
    await api(srv.url, 'PATCH', `/api/v1/messages/${m.id}`, a.token, { content: 'secret 2' });
    await api(srv.url, 'POST', `/api/v1/messages/${m.id}/reactions`, b.token, { emoji: 'U 1F600' });
    await wb.command('typing', { space_id: sid });
    await wb.command('read', { message_id: m.id });
    await api(srv.url, 'DELETE', `/api/v1/messages/${m.id}`, a.token);
    await wb.next((f) => f.type === 'message.deleted');
    // The outsider cannot read or act on the group either.
    assert.equal((await api(srv.url, 'GET', `/api/v1/spaces/${sid}/messages`, outsider.token)).status, 404);
    assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, outsider.token, { content: 'x' })).status, 404);
    assert.equal((await wo.command('typing', { space_id: sid })).data.code, 'not_found');
    await sleep(150);
    const leaked = [...wo.frames, ...so.frames].filter((f) => !f.type.startsWith('session.') && !f.type.startsWith('command.'));
    assert.deepEqual(leaked, []);
    // Nor does resuming from the start reveal anything.
    const replay = await NativeClient.connect(srv.url, outsider.token, '?resume=0');
    await sleep(150);
    assert.deepEqual(replay.frames.filter((f) => f.id !== null && f.type !== 'user.created'), []);
    await Promise.all([wo.close(), wb.close(), replay.close()]);
    so.close();
  });
});

describe('slow consumers', () => {
  test('a client that stops reading is disconnected with a reason without slowing the others, and can resume', async () => {
    const tight = await startTestServer({ maxConnectionBufferBytes: 256 * 1024 });
    try {
      const [a, slow, fast] = [await newUser(tight.url), await newUser(tight.url), await newUser(tight.url)];
      const sid = (await api<{ space: { id: number } }>(tight.url, 'POST', '/api/v1/spaces', a.token, { name: 'big', member_ids: [slow.id, fast.id] })).body.space.id;
      const ws = await NativeClient.connect(tight.url, slow.token);
      const from = (ws.frames[0].data as { position: number }).position;
      const wf = await NativeClient.connect(tight.url, fast.token);
      // Stop reading from the socket: the server's buffer for this client can only grow.
      (ws.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      // 600 x 10 KB is more than loopback socket buffers absorb, so the server-side buffer must fill.
      const big = 'x'.repeat(10_000);
      const started = Date.now();
      for (let i = 0; i < 600; i++) await say(a, sid, `${i}:${big}`, tight.url);
      await wf.next((f) => contents([f]).some((c) => c.startsWith('599:')), 20_000);
      const fastTook = Date.now() - started;
      (ws.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      await ws.closed;
      assert.equal(ws.closeCode, 4008);
      assert.match(ws.closeReason, /buffer full/);
      assert.equal(contents(wf.frames).length, 600, 'the fast client got everything');
      assert.ok(fastTook < 20_000);
      const metrics = await (await fetch(`${tight.url}/metrics`)).text();
      assert.match(metrics, /herald_slow_consumers_closed_total\{dialect="native"\} 1/);

      // Resuming from its start position delivers all 200 messages.
      const back = await NativeClient.connect(tight.url, slow.token, `?resume=${from}`);
      await back.next((f) => contents([f]).some((c) => c.startsWith('599:')), 20_000);
      assert.equal(contents(back.frames).length, 600);
      await Promise.all([back.close(), wf.close()]);
    } finally {
      await tight.stop();
    }
  });
});

describe('hostile input', () => {
  test('malformed, mistyped, unknown, binary and oversized frames get errors; the server keeps serving', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const w = await NativeClient.connect(srv.url, a.token);
    const wb = await NativeClient.connect(srv.url, b.token);

    w.ws.send('{not json');
    const e1 = await w.next((f) => f.type === 'command.error');
    assert.deepEqual([e1.data.code, e1.data.request_id], ['bad_request', null]);
    assert.match(String(e1.data.message), /JSON/);

    assert.equal((await w.command('typing', { space_id: 'eleven' })).data.code, 'bad_request');
    assert.equal((await w.command('teleport', {})).data.code, 'bad_request');
    assert.equal((await w.command('read', { message_id: 999999 })).data.code, 'not_found');
    w.ws.send(JSON.stringify([1, 2, 3]));
    await w.next((f) => f.type === 'command.error' && /envelope/.test(String(f.data.message)));
    w.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await w.next((f) => f.type === 'command.error' && /binary/.test(String(f.data.message)));
    assert.equal((await w.command('ping', {})).type, 'command.ack', 'the connection is still usable');

    // Oversized frame: that connection alone is closed with 1009.
    const big = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/ws`, { headers: { authorization: `Bearer ${a.token}` } });
    await new Promise((r) => big.once('open', r));
    const code = new Promise<number>((r) => big.once('close', (c) => r(c)));
    big.send('x'.repeat(srv.ctx.config.maxFrameBytes + 1));
    assert.equal(await code, 1009);

    await say(a, sid, 'still serving');
    await wb.next((f) => contents([f]).includes('still serving'));
    await w.close();
    await wb.close();
  });

  test('WebSocket and SSE connections without valid credentials are refused', async () => {
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/ws`);
    const status = await new Promise<number>((r) => ws.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0)));
    assert.equal(status, 401);
    const sse = await fetch(`${srv.url}/api/v1/events?access_token=forged.token.here`);
    assert.equal(sse.status, 401);
    assert.equal((await fetch(`${srv.url}/api/v1/nowhere`)).status, 404);
  });

  test('HTTP input errors are problem JSON with 4xx codes', async () => {
    const u = await newUser(srv.url);
    const malformed = await fetch(`${srv.url}/api/v1/spaces`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${u.token}` }, body: '{"name": ' });
    assert.equal(malformed.status, 400);
    assert.match(malformed.headers.get('content-type') ?? '', /application\/problem\+json/);
    const wrongType = await api<{ status: number; code: string }>(srv.url, 'POST', '/api/v1/spaces', u.token, { name: 42 });
    assert.deepEqual([wrongType.status, wrongType.body.code], [400, 'bad_request']);
    assert.equal((await api(srv.url, 'POST', '/api/v1/spaces', u.token, { name: 'x', extra: 1 })).status, 400);
    assert.equal((await api(srv.url, 'GET', '/api/v1/spaces/abc', u.token)).status, 400);
    assert.equal((await api(srv.url, 'GET', '/api/v1/spaces/99999', u.token)).status, 404);
    const huge = await api(srv.url, 'POST', '/api/v1/spaces', u.token, { name: 'x', description: 'y'.repeat(2 * 1024 * 1024) });
    assert.equal(huge.status, 413);
    assert.equal((await api(srv.url, 'POST', '/api/v1/users', undefined, { email: 'not-an-email', password: 'long enough pw' })).status, 400);
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
  });
});

describe('operations', () => {
  test('appended events survive a restart: a client resumes against the restarted server', async () => {
    const first = await startTestServer();
    const dir = first.dir;
    const a = await newUser(first.url);
    const sid = (await api<{ space: { id: number } }>(first.url, 'POST', '/api/v1/spaces', a.token, { name: 'durable' })).body.space.id;
    const w = await NativeClient.connect(first.url, a.token);
    const from = (w.frames[0].data as { position: number }).position;
    await say(a, sid, 'before restart', first.url);
    await first.close();
    await w.closed;
    assert.equal(w.closeCode, 1001, 'clients are told the server is going away');

    const second = await startTestServer({ dataDir: dir });
    try {
      const back = await NativeClient.connect(second.url, a.token, `?resume=${from}`);
      await back.next((f) => contents([f]).includes('before restart'));
      await back.close();
    } finally {
      await second.stop();
    }
  });

  test('/metrics exposes connections, appended events, deliveries and lag', async () => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    for (const name of ['herald_connections', 'herald_events_appended_total', 'herald_deliveries_total', 'herald_delivery_lag_seconds', 'herald_frames_received_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'));
    }
    assert.match(text, /herald_deliveries_total\{dialect="native"\} \d+/);
  });

  test('/openapi.json documents the REST API from the route schemas', async () => {
    const doc = (await (await fetch(`${srv.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
    assert.match(doc.openapi, /^3\./);
    for (const p of ['/api/v1/users', '/api/v1/user.login', '/api/v1/spaces/{id}/messages', '/api/v1/messages/{id}/reactions', '/api/v1/files/{id}/lock']) assert.ok(doc.paths[p], p);
    assert.ok(doc.paths['/api/v1/spaces/{id}/messages'].post.requestBody, 'request body schema is included');
  });
});
