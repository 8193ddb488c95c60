// Fuzzing the Moobius user endpoint with a fixed seed: thousands of well-formed, mutated and random frames
// on many connections. Every frame is answered by exactly one copy (status false with a known code for
// anything wrong, never `internal`), or, for a frame over the size limit, the connection closes cleanly
// with 1009; other connections and the server keep serving throughout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startTestServer, newUser, NativeClient, type TestServer, type TestUser } from '../helpers/server.js';
import { Rng, seedOf } from '../helpers/rng.js';
import { MoobiusClient, channel, textUp, uuidOf, type Space } from './moobius-harness.test.js';

const SEED = seedOf(0x6d00_b105);
const CONNECTIONS = 60;
const FRAMES_PER_CONNECTION = 60;
const PARALLEL = 6;
const MAX_FRAME = 32_768;
/** Every refusal code docs/dialects/moobius.md lists except `internal`, which the fuzzer must never cause. */
const CODES = new Set(['malformed', 'unknown_type', 'invalid_body', 'user_mismatch', 'unauthenticated', 'forbidden', 'not_member', 'unknown_channel', 'unknown_message', 'invalid_recipients', 'invalid_path', 'too_large', 'rate_limited']);

const SERVICE_KEY = 'fuzz-service-key-0123456789';
const SERVICE_CONNECTIONS = 20;

let srv: TestServer;
let dataDir: string;
let alice: TestUser & { uuid: string };
let bob: TestUser & { uuid: string };
let ch: Space;
before(async () => {
  // The channel service needs its user and channel to exist: make them, then start again with the setting.
  const first = await startTestServer();
  dataDir = first.dir;
  const [a, b, svc] = await Promise.all([newUser(first.url, 'alice'), newUser(first.url, 'bob'), newUser(first.url, 'svc')]);
  alice = { ...a, uuid: await uuidOf(first.url, a) };
  bob = { ...b, uuid: await uuidOf(first.url, b) };
  ch = await channel(first.url, alice, [bob, svc]);
  await first.close();
  srv = await startTestServer({ dataDir, maxFrameBytes: MAX_FRAME }, { HERALD_MOOBIUS_SERVICES: JSON.stringify([{ key: SERVICE_KEY, user_id: svc.id }]) });
});
after(async () => {
  await srv.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A uuid from the run's generator, so a seed replays the same frames. */
const uuid = (r: Rng) => Array.from({ length: 32 }, () => r.int(0, 15).toString(16)).join('').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');

const JUNK: readonly unknown[] = [null, 0, -1, 1.5, 2 ** 53, '', 'x', 'ü😀', true, [], {}, [1, 'a'], { a: { b: [] } }, 'x'.repeat(200)];

function validFrame(r: Rng, known: string[]): Record<string, unknown> {
  const id = uuid(r);
  switch (r.int(0, 5)) {
    case 0:
      return { type: 'heartbeat', request_id: id, body: {} };
    case 1:
      return { type: 'roger', request_id: id, user_id: alice.uuid, body: { message_id: known.length && r.chance(0.7) ? r.pick(known) : uuid(r), context: {} } };
    case 2:
      return { type: 'message_up', request_id: id, user_id: alice.uuid, body: { subtype: 'file', content: { path: `/spaces/${ch.id}/files/${r.int(1, 9)}/f.txt`, filename: 'f.txt', size: r.int(0, 99) }, channel_id: ch.uuid, recipients: bob.uuid, timestamp: Date.now() } };
    default:
      return { type: 'message_up', request_id: id, user_id: alice.uuid, body: textUp(ch.uuid, r.pick([bob.uuid, [bob.uuid], [], [alice.uuid, bob.uuid]]), `fuzz ${r.int(0, 1e6)}`, r.chance(0.3) ? { n: r.int(0, 9) } : {}) };
  }
}

function validServiceFrame(r: Rng): Record<string, unknown> {
  const id = uuid(r);
  switch (r.int(0, 4)) {
    case 0:
      return { type: 'heartbeat', request_id: id, body: {} };
    case 1:
      return { type: 'message_up', request_id: id, body: textUp(ch.uuid, [], 'x') };
    case 2:
      return { type: 'message_down', request_id: id, body: { subtype: r.pick(['file', 'image', 'audio']), content: { path: `/spaces/${ch.id}/files/${r.int(1, 9)}/f.txt`, filename: 'f.txt', size: 1 }, channel_id: ch.uuid, recipients: [bob.uuid] } };
    default:
      return { type: 'message_down', request_id: id, body: { subtype: 'text', content: { text: `down ${r.int(0, 1e6)}` }, channel_id: r.chance(0.9) ? ch.uuid : uuid(r), recipients: r.pick([bob.uuid, [bob.uuid], [], [alice.uuid, bob.uuid]]), context: {} } };
  }
}

/** Replaces, removes or adds one value somewhere in the frame. */
function mutateValue(r: Rng, frame: Record<string, unknown>): unknown {
  const f = structuredClone(frame) as Record<string, unknown>;
  const body = (typeof f.body === 'object' && f.body !== null ? f.body : {}) as Record<string, unknown>;
  const targets: [Record<string, unknown>, string][] = [
    [f, 'type'],
    [f, 'request_id'],
    [f, 'user_id'],
    [f, 'body'],
    [body, 'subtype'],
    [body, 'content'],
    [body, 'channel_id'],
    [body, 'recipients'],
    [body, 'timestamp'],
    [body, 'context'],
    [body, 'message_id'],
  ];
  const [obj, key] = r.pick(targets);
  switch (r.int(0, 5)) {
    case 0:
      delete obj[key];
      break;
    case 1:
      obj[key] = r.pick(JUNK);
      break;
    case 2:
      obj[key] = r.pick(['message_up', 'roger', 'heartbeat', 'message_down', 'copy', 'text', 'file', 'image', 'audio', 'video', uuid(r), String(ch.id), bob.uuid]);
      break;
    case 3:
      obj[key] = Array.from({ length: r.int(0, 1200) }, () => bob.uuid.slice(0, r.int(1, 8)));
      break;
    case 4:
      // An own `__proto__` key, as a hostile client would send it.
      Object.defineProperty(obj, r.pick(['__proto__', 'constructor', 'extra', '']), { value: { prototype: { polluted: true } }, enumerable: true });
      break;
    default: {
      let deep: unknown = 1;
      for (let i = r.int(1, 80); i > 0; i--) deep = [deep];
      obj[key] = deep;
    }
  }
  return f;
}

/** Corrupts the serialised text: flips, cuts, inserts. */
function mutateText(r: Rng, text: string): string {
  const chars = [...text];
  switch (r.int(0, 3)) {
    case 0:
      for (let k = r.int(1, 4); k > 0; k--) chars[r.int(0, chars.length - 1)] = String.fromCharCode(r.int(0, 0x2fff));
      return chars.join('');
    case 1:
      return text.slice(0, r.int(0, text.length));
    case 2: {
      const at = r.int(0, text.length);
      return text.slice(0, at) + r.pick(['"', '{', '}', ',', ':', '\\', '\u0000', 'null', '[[[[', '\ud800']) + text.slice(at);
    }
    default:
      return text.replace(/"/g, r.pick(["'", '', '""']));
  }
}

test(`fuzz (seed ${SEED}): up to ${CONNECTIONS * FRAMES_PER_CONNECTION} frames; each answered by one copy or a clean 1009 close; the server keeps serving`, async () => {
  const root = new Rng(SEED);
  const watcher = await MoobiusClient.user(srv.url, bob.token);
  const known: string[] = [];
  const stats = newStats();

  const connection = (n: number) => fuzzConnection(root.fork(`conn${n}`), `connection ${n}`, () => MoobiusClient.user(srv.url, alice.token), (r) => validFrame(r, known), stats, (id) => known.push(id));
  for (let i = 0; i < CONNECTIONS; i += PARALLEL) {
    await Promise.all(Array.from({ length: Math.min(PARALLEL, CONNECTIONS - i) }, (_, k) => connection(i + k)));
    // Between batches, another client is served as usual.
    assert.equal((await watcher.heartbeat()).body.status, true);
  }
  report('user endpoint', stats);
  assert.ok(stats.sent >= CONNECTIONS * FRAMES_PER_CONNECTION * 0.9);
  assert.ok(stats.accepted > 0, 'some frames were well-formed and accepted');

  // The server still serves every side: a native post reaches the Moobius watcher.
  const n = await NativeClient.connect(srv.url, alice.token);
  const ack = await n.command('post', { space_id: ch.id, content: 'still here' });
  assert.equal(ack.type, 'command.ack');
  await watcher.next((f) => f.type === 'message_down' && f.body.content.text === 'still here', 10_000);
  await Promise.all([n.close(), watcher.close()]);
});

test(`fuzz (seed ${SEED}): the channel service endpoint, up to ${SERVICE_CONNECTIONS * FRAMES_PER_CONNECTION} frames; the same guarantees`, async () => {
  const root = new Rng(SEED).fork('service');
  const stats = newStats();
  const bobs = await MoobiusClient.user(srv.url, bob.token);
  // One connection at a time: a service connecting again replaces its older connection.
  for (let n = 0; n < SERVICE_CONNECTIONS; n++) await fuzzConnection(root.fork(`svc${n}`), `service connection ${n}`, () => MoobiusClient.service(srv.url, SERVICE_KEY), validServiceFrame, stats, () => undefined);
  report('service endpoint', stats);
  assert.ok(stats.accepted > 0);
  const s = await MoobiusClient.service(srv.url, SERVICE_KEY);
  const down = await s.request('message_down', { subtype: 'text', content: { text: 'service still here' }, channel_id: ch.uuid, recipients: [bob.uuid] });
  assert.equal(down.body.status, true);
  await bobs.next((f) => f.type === 'message_down' && f.body.message_id === down.body.context.message_id, 10_000);
  await Promise.all([s.close(), bobs.close()]);
});

interface Stats {
  sent: number;
  oversize: number;
  accepted: number;
  codes: Map<string, number>;
}

const newStats = (): Stats => ({ sent: 0, oversize: 0, accepted: 0, codes: new Map() });

function report(what: string, s: Stats): void {
  console.log(`moobius fuzz seed ${SEED}, ${what}: ${s.sent} frames, ${s.accepted} accepted, ${s.oversize} oversize closes; refusals ${JSON.stringify(Object.fromEntries(s.codes))}`);
}

/** One connection: generated, mutated and random frames, then a final heartbeat; checks every answer. */
async function fuzzConnection(r: Rng, name: string, open: () => Promise<MoobiusClient>, gen: (r: Rng) => Record<string, unknown>, st: Stats, accepted: (messageId: string) => void): Promise<void> {
  const c = await open();
  let frames = 1; // the connect heartbeat
  for (let i = 0; i < FRAMES_PER_CONNECTION; i++) {
    const roll = r.next();
    if (roll < 0.003) {
      c.send({ type: 'heartbeat', request_id: 'big', body: { pad: 'x'.repeat(MAX_FRAME + r.int(1, 1000)) } });
      assert.equal((await c.closedWith(5000)).code, 1009);
      st.oversize++;
      st.sent++;
      return;
    }
    const valid = gen(r);
    if (roll < 0.35) c.send(valid);
    else if (roll < 0.65) c.send(mutateValue(r, valid));
    else if (roll < 0.9) c.send(mutateText(r, JSON.stringify(valid)));
    else if (roll < 0.95) c.ws.send(Buffer.from(Array.from({ length: r.int(0, 64) }, () => r.int(0, 255))));
    else c.send(Array.from({ length: r.int(0, 300) }, () => String.fromCharCode(r.int(32, 0x7e))).join(''));
    frames++;
    st.sent++;
  }
  const end = randomUUID();
  c.send({ type: 'heartbeat', request_id: end, body: {} });
  await c.copyFor(end, 20_000);
  frames++;
  assert.equal(c.closeCode, null, `${name} was closed (${c.closeCode} ${c.closeReason})`);
  for (const f of c.frames) {
    // Messages the connection receives (message_down for users, message_up for services).
    if (f.type === 'message_down' || f.type === 'message_up') continue;
    assert.equal(f.type, 'copy', JSON.stringify(f).slice(0, 300));
    assert.deepEqual(Object.keys(f.body).sort(), ['context', 'origin_type', 'request_id', 'status'], JSON.stringify(f).slice(0, 300));
    if (f.body.status === true) {
      st.accepted++;
      if (f.body.origin_type === 'message_up') accepted(f.body.context.message_id as string);
      continue;
    }
    assert.equal(f.body.status, false);
    const code = f.body.context.code as string;
    st.codes.set(code, (st.codes.get(code) ?? 0) + 1);
    assert.ok(CODES.has(code), `${name}: unexpected code ${JSON.stringify(f.body).slice(0, 300)}`);
    assert.equal(typeof f.body.context.message, 'string');
  }
  assert.equal(c.of('copy').length, frames, `${name}: one copy per frame`);
  await c.close();
}
