// Fuzzing, fixed seed and budget per input surface (one file each in ./fuzz/surfaces/; a new dialect adds
// one file) against a Herald child process: zero 5xx, `internal` codes, error logs and crashes; other
// clients served throughout; memory back near its start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { get as httpGet } from 'node:http';
import { Rng, seedOf } from '../helpers/rng.js';
import { startTestServer, newUser } from '../helpers/server.js';
import { Tally, type Surface } from './fuzz/harness.js';
import { startWorld, type World } from './fuzz/world.js';
import { report } from './report.js';

const SEED = seedOf(424_242);
const SURFACES_DIR = new URL('./fuzz/surfaces/', import.meta.url);

/** Every surface module in ./fuzz/surfaces/, in name order, `last` ones at the end (the order is part of the reproducible run). */
async function loadSurfaces(): Promise<Surface[]> {
  const files = readdirSync(fileURLToPath(SURFACES_DIR)).filter((f) => f.endsWith('.js')).sort();
  const out: Surface[] = [];
  for (const f of files) {
    const mod = (await import(new URL(f, SURFACES_DIR).href)) as { surface?: Surface };
    if (mod.surface) out.push(mod.surface);
  }
  return out.sort((a, b) => Number(a.last ?? false) - Number(b.last ?? false));
}

const surfaces = await loadSurfaces();
let world: World;
let baseline = { rss: 0, heapUsed: 0, external: 0 };
// A prober stands for the other clients: /healthz every 250 ms must answer 200 quickly, throughout.
const probe = { count: 0, failures: [] as string[], maxMs: 0 };
let prober: NodeJS.Timeout | null = null;

before(async () => {
  world = await startWorld();
  // Warm up (JIT, caches, pools) before the baseline, so growth means a leak rather than a first use.
  // (`last` surfaces are left out: their cases may delete the fixtures the others need.)
  for (const s of surfaces) if (!s.last) await s.run(world, new Rng(SEED ^ 1).fork(s.name), new Tally(), Math.ceil(s.budget / 10));
  await world.repair();
  baseline = await world.child.memory();
  prober = setInterval(() => {
    const t0 = Date.now();
    // Its own connection each time (agent: false), as another client's would be: the fuzzed requests share
    // fetch's keep-alive pool, and a socket one of them left half-closed must not count against the server.
    const req = httpGet(`${world.base}/healthz`, { agent: false, timeout: 5000 }, (r) => {
      r.resume();
      probe.count++;
      probe.maxMs = Math.max(probe.maxMs, Date.now() - t0);
      if (r.statusCode !== 200) probe.failures.push(`healthz ${r.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (e: NodeJS.ErrnoException) => probe.failures.push(`healthz: ${e.message} ${e.code ?? ''}`));
  }, 250);
});

after(async () => {
  if (prober) clearInterval(prober);
  await world?.close();
});

for (const s of surfaces) {
  test(`fuzz ${s.name}: ${s.budget} cases (seed ${SEED}), no 5xx, no internal error, no crash`, async () => {
    const tally = new Tally();
    const errorsBefore = world.child.errors().length;
    const t0 = Date.now();
    await s.run(world, new Rng(SEED).fork(s.name), tally, s.budget);
    const errors = world.child.errors().slice(errorsBefore);
    const crashed = world.child.unexpectedExit;
    const livenessMs = crashed ? -1 : await world.liveness(s.name);
    report(`fuzz[${s.name}]`, {
      seed: SEED,
      cases: tally.cases,
      failures: tally.failed,
      error_logs: errors.length,
      crashed: crashed !== null,
      liveness_ms: livenessMs,
      seconds: ((Date.now() - t0) / 1000).toFixed(1),
      outcomes: tally.summary(),
    });
    assert.equal(crashed, null, `Herald exited: ${JSON.stringify(crashed)}\n${world.child.tail()}`);
    const logged = errors.map((e) => `${e.msg}: ${String((e.err as { message?: unknown } | undefined)?.message ?? '')} ${String((e.err as { stack?: unknown } | undefined)?.stack ?? '').split('\n').slice(1, 4).join(' ')}`);
    assert.deepEqual(tally.failures, [], `${tally.failed} failing case(s); Herald logged: ${logged.join(' | ')}`);
    assert.deepEqual(logged, [], 'no error-level log lines');
    assert.ok(tally.cases >= s.budget * 0.9, `ran its budget (${tally.cases} of ${s.budget})`);
  });
}

test('after fuzzing: other clients were served throughout, and memory is back near its start', async () => {
  if (prober) clearInterval(prober);
  prober = null;
  const end = await world.child.memory();
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  report('fuzz[memory]', {
    heap_start_mb: mb(baseline.heapUsed),
    heap_end_mb: mb(end.heapUsed),
    rss_start_mb: mb(baseline.rss),
    rss_end_mb: mb(end.rss),
    healthz_probes: probe.count,
    healthz_failures: probe.failures.length,
    healthz_max_ms: probe.maxMs,
  });
  assert.deepEqual(probe.failures, []);
  assert.ok(probe.count > 10);
  assert.ok(end.heapUsed < baseline.heapUsed * 1.5 + 8 * 1024 * 1024, `heap after a full GC: ${mb(baseline.heapUsed)} MB → ${mb(end.heapUsed)} MB`);
  assert.ok(end.rss < baseline.rss + 150 * 1024 * 1024, `RSS: ${mb(baseline.rss)} MB → ${mb(end.rss)} MB`);
});

test(
  'cookies that are not valid percent-encoding do not break Tracim routes',
  async () => {
    const srv = await startTestServer();
    try {
      const u = await newUser(srv.url);
      for (const cookie of ['foo=%zz', 'session_key=%E0%A4%A', `a=%; session_key=${u.token}`]) {
        const r = await fetch(`${srv.url}/api/auth/whoami`, { headers: { cookie, authorization: `Bearer ${u.token}` } });
        assert.ok(r.status < 500, `${cookie} → ${r.status}`);
      }
    } finally {
      await srv.stop();
    }
  },
);
