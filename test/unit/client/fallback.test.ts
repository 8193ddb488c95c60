// The SSE + REST fallback: when WebSocket cannot connect but the HTTP API answers (a proxy that strips
// upgrades), the SDK listens over SSE and runs commands over REST, resuming from the same positions, so
// a switch of transport loses and repeats nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, seedOf } from '../../helpers/rng.js';
import { CommandError } from '../../../client/src/index.js';
import { client, contents, pair, rig, say, until, type Rig } from './harness.js';

let r: Rig;
before(async () => {
  r = await rig();
});
after(() => r.stop());

test('a proxy that refuses WebSocket upgrades: the client falls back to SSE, events arrive, commands go over REST', async () => {
  const { a, b, sid } = await pair(r.srv);
  r.proxy.blockUpgrades = true;
  try {
    const c = client(r.proxy, b.token);
    const seen = contents(c);
    await c.connect();
    assert.equal(c.transport, 'sse');
    assert.equal(c.stats.transport, 'sse');

    const mine = await c.send('post', { space_id: sid, content: 'over REST' });
    assert.equal(mine.message.content, 'over REST');
    await say(r.srv, a, sid, 'over SSE');
    await until(() => seen.length === 2, 'both messages');
    assert.deepEqual(seen, ['over REST', 'over SSE']);

    const read = await c.send('read', { message_id: mine.message.id });
    assert.equal(read.space_id, sid);
    const reacted = await c.send('react', { message_id: mine.message.id, emoji: '🎉' });
    assert.equal(reacted.message.reactions.length, 1);
    assert.deepEqual(await c.send('unreact', { message_id: mine.message.id, emoji: '🎉' }).then((x) => x.message.reactions), []);
    const forbidden = await c.send('edit', { message_id: (await c.rest.listMessages(sid)).messages.find((m) => m.content === 'over SSE')!.id, content: 'not mine' }).catch((e: unknown) => e);
    assert.ok(forbidden instanceof CommandError && forbidden.code === 'forbidden', String(forbidden));
    assert.deepEqual(await c.send('typing', { space_id: sid }), { delivered: true });
    assert.deepEqual(await c.send('typing_stop', { space_id: sid }), { delivered: false }, 'no REST route: the indicator expires by itself');
    c.close();
  } finally {
    r.proxy.blockUpgrades = false;
  }
});

test('transport switches: 10 drops on WebSocket, upgrades blocked, 10 drops on SSE, upgrades back, WebSocket again; every message once, in order (seeded)', async (t) => {
  const seed = seedOf(1402);
  const rng = new Rng(seed);
  const { a, b, sid } = await pair(r.srv);
  const jitter = rng.fork('jitter');
  const c = client(r.proxy, b.token, { random: () => jitter.next(), retryWebSocketAfterMs: 300 });
  const seen = contents(c);
  await c.connect();
  const posted: string[] = [];
  let posting = true;
  const poster = (async () => {
    for (let i = 0; posting || i < 30; i++) {
      posted.push(`s${i}`);
      await say(r.srv, a, sid, `s${i}`);
      await new Promise((res) => setTimeout(res, 2));
    }
  })();
  try {
    const drops = rng.fork('drops');
    for (let d = 0; d < 20; d++) {
      await until(() => c.stats.connections >= d + 1 && c.state === 'open', `connection ${d + 1} (seed ${seed})`);
      if (d === 10) {
        assert.equal(c.stats.transport, 'websocket');
        r.proxy.blockUpgrades = true;
      }
      await new Promise((res) => setTimeout(res, drops.int(0, 50)));
      if (r.proxy.cut() === 0) d--;
    }
    await until(() => c.state === 'open', 'the last connection');
    assert.equal(c.stats.transport, 'sse');
    // The proxy lets upgrades through again: after retryWebSocketAfterMs, the next reconnect is WebSocket.
    r.proxy.blockUpgrades = false;
    await new Promise((res) => setTimeout(res, 300));
    r.proxy.cut();
    await until(() => c.state === 'open' && c.transport === 'websocket', 'back on WebSocket');
    posting = false;
    await poster;
    await until(() => seen.length >= posted.length, `all ${posted.length} messages (seed ${seed})`, 10_000);
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(seen, posted, `seed ${seed}: every message once, in order, across both switches`);
    assert.equal(c.stats.resets, 0);
    t.diagnostic(`seed ${seed}: ${posted.length} messages, ${c.stats.connections} connections, ${c.stats.duplicates} repeats dropped`);
  } finally {
    posting = false;
    r.proxy.blockUpgrades = false;
    c.close();
  }
});
