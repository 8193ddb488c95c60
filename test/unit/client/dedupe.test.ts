// The SDK's own guarantees, independent of how well a server behaves: a scripted WebSocket server that
// repeats events on resume (the SDK drops them by position) and one whose database changed (after a reset
// with a lower position, lower positions are new events, not repeats). Frames are written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer, type WebSocket } from 'ws';
import { HeraldClient } from '../../../client/src/index.js';
import { until } from './harness.js';

const at = '2026-12-02T10:00:00.000Z';
const created = (id: number, content: string) =>
  JSON.stringify({ id, type: 'message.created', at, data: { message: { id, content }, space: { id: 1 } } });
const welcome = (epoch: string, position: number) =>
  JSON.stringify({ id: null, type: 'session.welcome', at, data: { user_id: 7, epoch, position, heartbeat_seconds: 25 } });

/** A server that runs `script(socket, n, url)` for its n-th connection. */
async function scripted(script: (ws: WebSocket, n: number, url: URL) => void): Promise<{ url: string; urls: URL[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const urls: URL[] = [];
  wss.on('connection', (ws, req) => {
    const url = new URL(req.url ?? '/', 'http://x');
    urls.push(url);
    script(ws, urls.length, url);
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, urls, close: () => new Promise((r) => wss.close(() => r())) };
}

test('events a server repeats after a resume are dropped by position: each is delivered once', async () => {
  const srv = await scripted((ws, n) => {
    ws.send(welcome('e1', n === 1 ? 10 : 12));
    if (n === 1) {
      ws.send(created(11, 'a'));
      ws.send(created(12, 'b'));
      setTimeout(() => ws.terminate(), 20);
    } else {
      for (const [id, c] of [[11, 'a'], [12, 'b'], [13, 'c']] as const) ws.send(created(id, c));
    }
  });
  const c = new HeraldClient({ url: srv.url, token: 't', backoff: { initialMs: 5, maxMs: 20 } });
  const seen: string[] = [];
  c.on('message.created', (e) => seen.push(e.data.message.content));
  await c.connect();
  await until(() => seen.length === 3, 'three messages');
  assert.deepEqual(seen, ['a', 'b', 'c']);
  assert.equal(c.stats.duplicates, 2);
  assert.equal(srv.urls[1].searchParams.get('resume'), '12');
  assert.equal(srv.urls[1].searchParams.get('epoch'), 'e1');
  assert.equal(srv.urls[0].searchParams.get('access_token'), 't');
  c.close();
  await srv.close();
});

test('after an epoch_mismatch reset to a lower position, the new log\'s events are delivered, not taken for repeats', async () => {
  const srv = await scripted((ws, n) => {
    if (n === 1) {
      ws.send(welcome('old-db', 100));
      ws.send(created(101, 'old'));
      setTimeout(() => ws.terminate(), 20);
      return;
    }
    ws.send(welcome('new-db', 5));
    ws.send(JSON.stringify({ id: null, type: 'session.reset', at, data: { reason: 'epoch_mismatch', position: 5, message: 'reload' } }));
    ws.send(created(6, 'new'));
  });
  const c = new HeraldClient({ url: srv.url, token: 't', backoff: { initialMs: 5, maxMs: 20 } });
  const seen: string[] = [];
  const resets: string[] = [];
  c.on('message.created', (e) => seen.push(e.data.message.content));
  c.onReset((r) => void resets.push(r.reason));
  await c.connect();
  await until(() => seen.length === 2, 'both messages');
  assert.deepEqual(seen, ['old', 'new']);
  assert.deepEqual(resets, ['epoch_mismatch']);
  assert.equal(c.position, 6);
  assert.equal(c.epoch, 'new-db');
  assert.equal(srv.urls[1].searchParams.get('resume'), '101');
  assert.equal(srv.urls[1].searchParams.get('epoch'), 'old-db');
  c.close();
  await srv.close();
});
