// PostgreSQL connection loss on a private instance: backends terminated, then the server stopped and
// started under light load. Herald stays up, answers 503 `unavailable` meanwhile (native: command.error),
// keeps realtime connections open, resumes by itself and loses no acknowledged write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, type Frame, NativeClient } from '../helpers/server.js';
import { HeraldProcess } from '../helpers/child.js';
import { PrivatePostgres } from '../helpers/private-pg.js';
import { requireServices } from '../helpers/services.js';
import { SseStream, WsClient, isRefused } from '../helpers/realtime.js';
import { report } from './report.js';

const skip = await requireServices('postgres-binaries');

interface Outcome {
  phase: string;
  status: number;
  code?: string;
  retryAfter?: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('PostgreSQL connection loss: terminated backends and a stopped server cost 503s, never the process, the open connections or an acknowledged write', { skip }, async () => {
  const pgi = await PrivatePostgres.create();
  let h: HeraldProcess | null = null;
  const started = Date.now();
  let posting = true;
  let load: Promise<void> = Promise.resolve();
  const closers: (() => void)[] = [];
  try {
    await pgi.query('create database herald');
    h = await HeraldProcess.start({ env: { HERALD_DATABASE_URL: pgi.url('herald') } });
    const base = h.url;
    const reg = async (name: string) => {
      const r = await api<{ token: string; user: { id: number } }>(base, 'POST', '/api/v1/users', undefined, { email: `${name}@example.test`, password: 'correct horse battery', username: name });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return { id: r.body.user.id, token: r.body.token };
    };
    const alice = await reg('alice');
    const bob = await reg('bob');
    const wid = (await api<{ workspace_id: number }>(base, 'POST', '/api/workspaces', alice.token, { label: 'outage' })).body.workspace_id;
    assert.equal((await api(base, 'POST', `/api/workspaces/${wid}/members`, alice.token, { user_id: bob.id })).status, 200);

    // Bob listens on every transport: native WS and SSE, AirSend, the Tracim stream.
    const ws = await NativeClient.connect(base, bob.token);
    closers.push(() => ws.ws.terminate());
    const sse = new SseStream(`${base}/api/v1/events`, { authorization: `Bearer ${bob.token}` });
    closers.push(() => sse.close());
    assert.equal(await sse.ready(), 200);
    const rtm = await api<{ rtm: { ws_endpoint: string; ws_token: string } }>(base, 'POST', '/api/v1/rtm.connect', bob.token);
    const air = await WsClient.open(rtm.body.rtm.ws_endpoint);
    assert.ok(!isRefused(air));
    closers.push(() => air.terminate());
    air.sendJson({ command: 'ws_auth', auth_token: rtm.body.rtm.ws_token });
    air.sendJson({ command: 'ws_ping' });
    await air.next((f) => f.event === 'pong');
    const tlm = new SseStream(`${base}/api/users/${bob.id}/live_messages`, { authorization: `Bearer ${bob.token}` });
    closers.push(() => tlm.close());
    assert.equal(await tlm.ready(), 200);

    // Light load: one message every ~40 ms.
    let phase = 'before';
    const outcomes: Outcome[] = [];
    const acked = new Map<number, string>();
    load = (async () => {
      for (let n = 0; posting; n++) {
        const content = `m${n}`;
        try {
          const res = await fetch(`${base}/api/v1/spaces/${wid}/messages`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ content }) });
          const body = (await res.json()) as { message?: { id: number }; code?: string };
          outcomes.push({ phase, status: res.status, code: body.code, retryAfter: res.headers.get('retry-after') });
          if (res.status === 201 && body.message) acked.set(body.message.id, content);
        } catch {
          outcomes.push({ phase, status: 0 });
        }
        await sleep(40);
      }
    })();
    await sleep(400);

    // 1. Every Herald backend terminated (what a failover or an idle timeout does).
    phase = 'terminate';
    const terminated = await pgi.terminateBackends('herald');
    await sleep(800);
    assert.equal(h.unexpectedExit, null, `Herald died after pg_terminate_backend:\n${h.tail()}`);

    // 2. The server stopped: commands fail with 503 in each transport's form; connections stay open.
    phase = 'down';
    await pgi.stop('fast');
    await sleep(600);
    const health = await fetch(`${base}/healthz`);
    const problem = (await health.json()) as { code: string; title: string; status: number };
    const native = await ws.command('read_all', { space_id: wid });
    const rtmDown = await api<{ code: string }>(base, 'POST', '/api/v1/rtm.connect', bob.token);
    const tracimDown = await api<{ code: string }>(base, 'GET', `/api/workspaces/${wid}`, alice.token);
    await sleep(600);
    assert.equal(h.unexpectedExit, null, `Herald died while PostgreSQL was down:\n${h.tail()}`);
    const openDuringOutage = { ws: ws.closeCode === null, sse: !sse.ended, airsend: air.open, tracim: !tlm.ended };

    // 3. The server back: service resumes without a restart of Herald.
    phase = 'restarting';
    const downAt = Date.now();
    await pgi.start();
    phase = 'up';
    let recoveredMs = -1;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200) {
        recoveredMs = Date.now() - downAt;
        break;
      }
      await sleep(100);
    }
    await sleep(400);
    posting = false;
    await load;

    // Fences: a chat message (native WS, SSE, AirSend) and a Tracim content (the TLM stream).
    const fence = await api<{ message: { id: number } }>(base, 'POST', `/api/v1/spaces/${wid}/messages`, alice.token, { content: 'fence' });
    assert.equal(fence.status, 201, 'service is back');
    const thread = await api<{ content_id: number }>(base, 'POST', `/api/workspaces/${wid}/contents`, alice.token, { content_type: 'thread', label: 'fence' });
    assert.equal(thread.status, 200);
    const isFence = (f: Frame) => f.type === 'message.created' && (f.data.message as { id: number }).id === fence.body.message.id;
    await ws.next(isFence, 10_000);
    await sse.next((r) => r.json?.type === 'message.created' && (r.json.data as { message: { id: number } }).message.id === fence.body.message.id, 10_000);
    await air.next((f) => f.event === 'chat.postMessage' && (f.payload as { message: { id: number } }).message.id === fence.body.message.id, 10_000);
    await tlm.next((r) => r.json?.event_type === 'content.created.thread' && (r.json.fields as { content: { content_id: number } }).content.content_id === thread.body.content_id, 10_000);

    const delivered = ws.frames.filter((f) => f.type === 'message.created').map((f) => (f.data.message as { id: number }).id);
    const stored = new Set(
      (await api<{ messages: { id: number }[] }>(base, 'GET', `/api/v1/spaces/${wid}/messages?limit=200`, alice.token)).body.messages.map((m) => m.id),
    );
    const lostStored = [...acked.keys()].filter((id) => !stored.has(id));
    const lostDelivered = [...acked.keys()].filter((id) => !delivered.includes(id));
    const during = outcomes.filter((o) => o.phase !== 'before' && o.status !== 201);
    const bad = outcomes.filter((o) => o.status !== 201 && !(o.status === 503 && o.code === 'unavailable' && o.retryAfter !== null));

    report('pg-outage', {
      terminated_backends: terminated,
      posts: outcomes.length,
      acked: acked.size,
      failed_503: during.filter((o) => o.status === 503).length,
      ...Object.fromEntries(['terminate', 'down', 'restarting', 'up'].map((p) => [`${p}_ok/failed`, `${outcomes.filter((o) => o.phase === p && o.status === 201).length}/${outcomes.filter((o) => o.phase === p && o.status !== 201).length}`])),
      failed_other: bad.length,
      lost: lostStored.length,
      not_delivered: lostDelivered.length,
      duplicates: delivered.length - new Set(delivered).size,
      recovered_ms: recoveredMs,
      realtime_open_during_outage: Object.values(openDuringOutage).filter(Boolean).length + '/4',
      error_logs: h.errors().length,
      seconds: ((Date.now() - started) / 1000).toFixed(1),
    });

    assert.equal(health.status, 503);
    assert.equal(problem.code, 'unavailable');
    assert.match(problem.title, /retry/);
    assert.equal(native.type, 'command.error');
    assert.equal((native.data as { code: string }).code, 'unavailable');
    assert.equal(rtmDown.status, 503);
    assert.equal(rtmDown.body.code, 'unavailable');
    assert.equal(tracimDown.status, 503);
    assert.equal(tracimDown.body.code, 'unavailable');
    assert.deepEqual(openDuringOutage, { ws: true, sse: true, airsend: true, tracim: true }, 'realtime connections stay open');
    assert.ok(recoveredMs >= 0, 'Herald served again within 20 s of the database coming back');
    assert.ok(outcomes.some((o) => o.phase === 'down' && o.status === 503), 'posts during the outage were answered 503');
    assert.ok(outcomes.some((o) => o.phase === 'terminate' && o.status === 201), 'after pg_terminate_backend the pool reconnects: posts succeed again');
    assert.deepEqual(bad, [], 'every failure was a 503 unavailable problem with Retry-After');
    assert.deepEqual(lostStored, [], 'no acknowledged message lost');
    assert.deepEqual(lostDelivered, [], 'every acknowledged message reached the open connection');
    assert.equal(delivered.length, new Set(delivered).size, 'none twice');
    assert.equal(h.unexpectedExit, null);
    assert.deepEqual(h.errors().map((e) => e.msg), [], 'every failure was mapped (no error-level "unhandled error" log)');
  } finally {
    posting = false;
    await load;
    for (const close of closers) close();
    await h?.stop();
    await pgi.destroy();
  }
});
