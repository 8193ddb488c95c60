// A connection that dies without a close (a NAT mapping expires, a laptop sleeps) is noticed by the SDK's
// watchdog: after a quiet heartbeat it sends `ping`; after three it drops the connection and resumes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { client, contents, pair, rig, say, until, type Rig } from './harness.js';

let r: Rig;
before(async () => {
  r = await rig({ heartbeatSeconds: 1 });
});
after(() => r.stop());

test('a silently dead connection is detected within three heartbeats and resumed without loss', async () => {
  const { a, b, sid } = await pair(r.srv);
  const c = client(r.proxy, b.token);
  const seen = contents(c);
  const w = await c.connect();
  assert.equal(w.heartbeat_seconds, 1);
  await say(r.srv, a, sid, 'before');
  await until(() => seen.length === 1, 'first message');

  assert.equal(r.proxy.blackhole(), 1);
  const t0 = Date.now();
  await say(r.srv, a, sid, 'into the void');
  await until(() => c.stats.connections === 2 && c.state === 'open', 'a new connection', 8_000);
  const noticedAfter = Date.now() - t0;
  assert.ok(noticedAfter >= 2_000 && noticedAfter < 6_000, `noticed after ${noticedAfter} ms`);
  await say(r.srv, a, sid, 'after');
  await until(() => seen.length === 3, 'all three');
  assert.deepEqual(seen, ['before', 'into the void', 'after']);
  c.close();
});

test('a quiet but healthy connection stays up: the watchdog pings instead of dropping it', async () => {
  const { b } = await pair(r.srv);
  const c = client(r.proxy, b.token);
  await c.connect();
  await new Promise((res) => setTimeout(res, 4_500));
  assert.equal(c.stats.connections, 1);
  assert.equal(c.state, 'open');
  c.close();
});
