// Reconnect chaos: dozens of native WebSocket clients drop (abruptly or cleanly) and resume with
// `?resume=<last position>&epoch=` at seeded random moments while two posters send messages. Each client
// must see every message exactly once, in order, and never a reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { api, newUser, startTestServer, type TestUser } from '../helpers/server.js';
import { Rng, seedOf } from '../helpers/rng.js';
import { report } from './report.js';

const SEED = seedOf(8_675_309);
const CLIENTS = 36;
const MESSAGES_PER_POSTER = 100;

interface ChaosClient {
  user: TestUser;
  /** Contents of message.created frames, in arrival order. */
  seen: string[];
  /** Set by the first welcome: the position the client starts from. */
  started: boolean;
  connects: number;
  terminated: number;
  closedCleanly: number;
  duplicates: number;
  resets: number;
  /** Connections that failed to open or errored: must stay 0. */
  errors: number;
  done: Promise<void>;
}

function runClient(base: string, user: TestUser, rng: Rng, until: (c: ChaosClient) => boolean): ChaosClient {
  const c: ChaosClient = { user, seen: [], started: false, connects: 0, terminated: 0, closedCleanly: 0, duplicates: 0, resets: 0, errors: 0, done: Promise.resolve() };
  let position: number | null = null;
  let epoch = '';
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const query = position === null ? '' : `?resume=${position}&epoch=${encodeURIComponent(epoch)}`;
      const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/ws${query}`, { headers: { authorization: `Bearer ${user.token}` } });
      c.connects++;
      let timer: NodeJS.Timeout | null = null;
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString()) as { id: number | null; type: string; data: Record<string, unknown> };
        if (f.type === 'session.welcome') {
          epoch = String(f.data.epoch);
          position ??= Number(f.data.position);
          c.started = true;
          // Stay connected for a random while, then drop: abruptly (no close frame) or cleanly.
          timer = setTimeout(() => {
            if (rng.chance(0.5)) {
              c.terminated++;
              ws.terminate();
            } else {
              c.closedCleanly++;
              ws.close();
            }
          }, rng.int(5, 250));
          return;
        }
        if (f.type === 'session.reset') c.resets++;
        if (f.id === null) return;
        if (position !== null && f.id <= position) {
          c.duplicates++;
          return;
        }
        position = f.id;
        if (f.type === 'message.created') c.seen.push((f.data.message as { content: string }).content);
        if (until(c)) {
          if (timer) clearTimeout(timer);
          ws.close();
        }
      });
      ws.on('close', () => {
        if (timer) clearTimeout(timer);
        resolve();
      });
      ws.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(e);
      });
    });
  c.done = (async () => {
    while (!until(c)) {
      await once().catch(() => void c.errors++);
      if (!until(c)) await new Promise((r) => setTimeout(r, rng.int(0, 120)));
    }
  })();
  return c;
}

test(`reconnect chaos: ${CLIENTS} native clients dropping and resuming see every message exactly once, in order`, async () => {
  const srv = await startTestServer();
  const rng = new Rng(SEED);
  const started = Date.now();
  // Ends every client loop when the test ends early (a failed assertion).
  let stopped = false;
  try {
    const posters = [await newUser(srv.url, 'poster'), await newUser(srv.url, 'poster')];
    const users: TestUser[] = [];
    for (let i = 0; i < CLIENTS; i++) users.push(await newUser(srv.url, 'chaos'));
    const s = await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', posters[0].token, { name: 'chaos', member_ids: [posters[1].id, ...users.map((u) => u.id)] });
    assert.equal(s.status, 201);
    const sid = s.body.space.id;

    // Every client is connected (and has its starting position) before the first message.
    let fenceContent = '';
    const clients = users.map((u, i) => runClient(srv.url, u, rng.fork(`client${i}`), (c) => stopped || (fenceContent !== '' && c.seen.at(-1) === fenceContent)));
    await Promise.all(clients.map(async (c) => {
      while (!c.started) await new Promise((r) => setTimeout(r, 5));
    }));

    const setupSeconds = (Date.now() - started) / 1000;
    const acked: { id: number; content: string }[] = [];
    await Promise.all(
      posters.map(async (p, pi) => {
        const prng = rng.fork(`poster${pi}`);
        for (let n = 0; n < MESSAGES_PER_POSTER; n++) {
          const r = await api<{ message: { id: number; content: string } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, p.token, { content: `p${pi}-${n}` });
          assert.equal(r.status, 201);
          acked.push(r.body.message);
          if (prng.chance(0.3)) await new Promise((res) => setTimeout(res, prng.int(0, 15)));
        }
      }),
    );
    const fence = await api<{ message: { id: number; content: string } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, posters[0].token, { content: 'fence' });
    acked.push(fence.body.message);
    fenceContent = 'fence';
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(clients.map((c) => c.done)), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('clients did not all reach the fence within 60 s')), 60_000)))]);
    clearTimeout(timer);

    // Commit order is message id order (one writer): the order every client must see.
    const expected = acked.sort((a, b) => a.id - b.id).map((m) => m.content);
    const wrong = clients.filter((c) => JSON.stringify(c.seen) !== JSON.stringify(expected));
    const missing = clients.reduce((n, c) => n + expected.filter((m) => !c.seen.includes(m)).length, 0);
    const sum = (f: (c: ChaosClient) => number) => clients.reduce((n, c) => n + f(c), 0);
    report('reconnect-chaos', {
      seed: SEED,
      clients: CLIENTS,
      messages: expected.length,
      connects: sum((c) => c.connects),
      drops_abrupt: sum((c) => c.terminated),
      drops_clean: sum((c) => c.closedCleanly),
      delivered: sum((c) => c.seen.length),
      duplicates: sum((c) => c.duplicates),
      missing,
      out_of_order_clients: wrong.length,
      resets: sum((c) => c.resets),
      connection_errors: sum((c) => c.errors),
      setup_seconds: setupSeconds.toFixed(1),
      seconds: ((Date.now() - started) / 1000).toFixed(1),
    });
    assert.ok(sum((c) => c.connects) > CLIENTS * 5, 'the clients really did drop and resume many times');
    assert.equal(sum((c) => c.duplicates), 0, 'no event twice');
    assert.equal(sum((c) => c.resets), 0, 'every resume honoured');
    assert.equal(sum((c) => c.errors), 0, 'every reconnect was accepted');
    for (const c of wrong) assert.deepEqual(c.seen, expected, `user ${c.user.id}: every message once, in order`);
  } finally {
    stopped = true;
    await srv.stop();
  }
});
