// Crash durability: posters send over REST to a Herald child process killed with SIGKILL at seeded moments
// and restarted on the same data; every acknowledged message survives, positions stay contiguous, and the
// feed replayed from 0 equals the stored log. SQLite (FULL, NORMAL) and PostgreSQL (a fresh database).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, NativeClient, api, type Frame } from '../helpers/server.js';
import { HeraldProcess } from '../helpers/child.js';
import { Rng, seedOf } from '../helpers/rng.js';
import { requireServices } from '../helpers/services.js';
import { freshDatabase } from '../helpers/databases.js';
import { report } from './report.js';

const SEED = seedOf(20_260_101);
const POSTERS = 4;

interface Tally {
  tried: number;
  acked: Map<number, string>;
  /** Requests that failed because the process died (no answer): the outcome is unknown to the client. */
  cut: number;
  /** Any other non-201 answer: must stay 0. */
  refused: string[];
}

interface Setup {
  admin: string;
  posters: string[];
  spaceId: number;
}

async function setUp(h: HeraldProcess, label: string): Promise<Setup> {
  // The administrator is the first user and a member of the space: its feed is the whole log.
  const a = await api<{ token: string }>(h.url, 'POST', '/api/v1/users', API_KEY, { email: `admin-${label}@example.test`, password: 'correct horse battery', username: `admin_${label}`, is_admin: true });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  const posters: { id: number; token: string }[] = [];
  for (let i = 0; i < POSTERS; i++) {
    const r = await api<{ token: string; user: { id: number } }>(h.url, 'POST', '/api/v1/users', undefined, { email: `p${i}-${label}@example.test`, password: 'correct horse battery', username: `p${i}_${label}` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    posters.push({ id: r.body.user.id, token: r.body.token });
  }
  const s = await api<{ space: { id: number } }>(h.url, 'POST', '/api/v1/spaces', a.body.token, { name: 'durability', member_ids: posters.map((p) => p.id) });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  return { admin: a.body.token, posters: posters.map((p) => p.token), spaceId: s.body.space.id };
}

/** One poster: posts until the server stops answering; records what was acknowledged. */
async function poster(base: string, token: string, spaceId: number, name: string, tally: Tally, stop: { now: boolean }): Promise<void> {
  for (let n = 0; !stop.now; n++) {
    const content = `${name}-${n}`;
    tally.tried++;
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1/spaces/${spaceId}/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ content }) });
    } catch {
      tally.cut++;
      return;
    }
    let body: { message?: { id: number; content: string } } = {};
    try {
      body = (await res.json()) as typeof body;
    } catch {
      // The answer was cut off mid-body: not an acknowledgement.
      tally.cut++;
      return;
    }
    if (res.status === 201 && body.message) tally.acked.set(body.message.id, body.message.content);
    else tally.refused.push(`${res.status} ${JSON.stringify(body)}`);
  }
}

/** Every message of the space, oldest first, through the REST API. */
async function storedMessages(base: string, token: string, spaceId: number): Promise<{ id: number; content: string }[]> {
  const out: { id: number; content: string }[] = [];
  for (let before: number | null = null; ; ) {
    const r: { status: number; body: { messages: { id: number; content: string }[] } } = await api(base, 'GET', `/api/v1/spaces/${spaceId}/messages?limit=200${before ? `&before=${before}` : ''}`, token);
    assert.equal(r.status, 200);
    out.push(...r.body.messages);
    if (r.body.messages.length < 200) break;
    before = r.body.messages[r.body.messages.length - 1].id;
  }
  return out.sort((x, y) => x.id - y.id);
}

/**
 * The administrator's feed from position 0 (the whole log). A fence message posted after connecting marks
 * the end: it is the log's last event, so every event before it has arrived once it has.
 */
async function wholeFeed(base: string, token: string, spaceId: number): Promise<{ frames: Frame[]; fence: { id: number; content: string } }> {
  const c = await NativeClient.connect(base, token, '?resume=0');
  const r = await api<{ message: { id: number; content: string } }>(base, 'POST', `/api/v1/spaces/${spaceId}/messages`, token, { content: 'fence' });
  assert.equal(r.status, 201);
  await c.next((f) => f.type === 'message.created' && (f.data.message as { id: number }).id === r.body.message.id, 30_000);
  await c.close();
  return { frames: c.frames.filter((f) => f.id !== null), fence: r.body.message };
}

async function crashRun(label: string, env: Record<string, string>, rounds: number): Promise<void> {
  const rng = new Rng(SEED).fork(label);
  const h = await HeraldProcess.start({ env });
  const started = Date.now();
  try {
    const setup = await setUp(h, label.replace(/[^a-z0-9]/g, ''));
    const tally: Tally = { tried: 0, acked: new Map(), cut: 0, refused: [] };
    const killedAfter: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const stop = { now: false };
      const ackedBefore = tally.acked.size;
      const posting = setup.posters.map((t, i) => poster(h.url, t, setup.spaceId, `r${round}p${i}`, tally, stop));
      // The kill moment, seeded: after a number of acknowledgements in this round (so a loaded machine
      // still kills mid-stream rather than before the first answer), then a random delay.
      const acks = rng.int(2, 40);
      const delay = rng.int(0, 300);
      killedAfter.push(`${acks}+${delay}ms`);
      while (tally.acked.size - ackedBefore < acks && tally.refused.length === 0) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, delay));
      await h.kill9();
      stop.now = true;
      await Promise.all(posting);
      await h.restart();
    }

    const stored = await storedMessages(h.url, setup.admin, setup.spaceId);
    const storedById = new Map(stored.map((m) => [m.id, m.content]));
    const lost = [...tally.acked].filter(([id, content]) => storedById.get(id) !== content);
    const { frames, fence } = await wholeFeed(h.url, setup.admin, setup.spaceId);
    const ids = frames.map((f) => f.id!);
    const head = ids.at(-1) ?? 0;
    const gaps = ids.filter((id, i) => id !== i + 1).length;
    const feedMessages = frames.filter((f) => f.type === 'message.created').map((f) => f.data.message as { id: number; content: string });

    report(`crash[${label}]`, {
      seed: SEED,
      rounds,
      tried: tally.tried,
      acked: tally.acked.size,
      cut: tally.cut,
      committed_unacked: stored.length - tally.acked.size,
      lost: lost.length,
      refused: tally.refused.length,
      log_head: head,
      feed_gaps: gaps,
      kill_after: killedAfter.join('/'),
      seconds: ((Date.now() - started) / 1000).toFixed(1),
    });
    assert.deepEqual(tally.refused, [], 'no request was refused');
    assert.ok(tally.acked.size >= rounds, `the posters got through (${tally.acked.size} acknowledged)`);
    assert.ok(tally.cut >= rounds, `every kill landed while requests were in flight (${tally.cut} cut off)`);
    assert.deepEqual(lost, [], 'every acknowledged message survives the kills');
    assert.deepEqual(ids, Array.from({ length: head }, (_, i) => i + 1), 'log positions 1..head, contiguous, each once');
    assert.deepEqual(feedMessages.map((m) => [m.id, m.content]), [...stored, fence].map((m) => [m.id, m.content]), 'the feed from position 0 equals the stored log');
    assert.equal(h.unexpectedExit, null);
  } finally {
    await h.stop();
  }
}

test('crash durability on SQLite (synchronous=FULL, the default): kill -9 at random moments loses no acknowledged message', async () => {
  await crashRun('sqlite-full', {}, 5);
});

test('crash durability on SQLite with HERALD_SQLITE_SYNCHRONOUS=normal (a process kill, not a power cut)', async () => {
  await crashRun('sqlite-normal', { HERALD_SQLITE_SYNCHRONOUS: 'normal' }, 3);
});

const pgSkip = await requireServices('postgres');
test('crash durability on PostgreSQL: kill -9 at random moments loses no acknowledged message', { skip: pgSkip }, async () => {
  const db = await freshDatabase('herald_crash');
  try {
    await crashRun('postgres', { HERALD_DATABASE_URL: db.url }, 5);
  } finally {
    await db.drop();
  }
});
