// `BENCH_SUITE=mqtt npm run bench`: MQTT fan-out, Herald against Mosquitto measured in the same run (see
// bench/README.md, "MQTT"). Each server runs in its own process; CPU is read from /proc/<pid>.
//   broker:  one generic-namespace topic with N subscribers, QoS 0 (broker against broker)
//   group:   Dino events of an N-member group (chat messages posted over HTTP) — Mosquitto: the same
//            fan-out of the same payload size, one publish to a topic N clients subscribe to
//   pairs:   N/2 1-to-1 groups (Herald) / N/2 topics with 2 subscribers each (Mosquitto)
//   idle:    memory per idle MQTT connection (CONNECTed, subscribed to one topic)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpClient } from './http.js';
import { Histogram } from './histogram.js';
import { processCpuMicros } from './machine.js';
import { ServerProcess } from './server-process.js';
import { BenchMqttClient, type Sink } from './mqtt-client.js';
import { inParallel, sleep } from './util.js';

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const API_KEY = 'bench-api-key-0123456789abcdef';

interface Options {
  clients: number;
  seconds: number;
  /** Messages per second in the fan-out phases (deliveries = rate × clients). */
  rate: number;
  /** Messages per second in the 1-to-1 phase (deliveries = 2 × rate). */
  pairRate: number;
  idle: number;
}

function options(): Options {
  const quick = process.env.BENCH_QUICK === '1';
  const n = (name: string, def: number) => (process.env[name] ? Number(process.env[name]) : def);
  return {
    clients: n('BENCH_MQTT_CLIENTS', quick ? 100 : 1000),
    seconds: n('BENCH_MQTT_SECONDS', quick ? 2 : 5),
    rate: n('BENCH_MQTT_RATE', quick ? 20 : 50),
    pairRate: n('BENCH_MQTT_PAIR_RATE', quick ? 200 : 2000),
    idle: n('BENCH_MQTT_IDLE', quick ? 200 : 2000),
  };
}

async function sparePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

class Counter implements Sink {
  count = 0;
  latency = new Histogram();
  received(sentAt: number | null): void {
    this.count++;
    if (sentAt !== null) this.latency.record(Date.now() - sentAt);
  }
  reset(): void {
    this.count = 0;
    this.latency = new Histogram();
  }
}

interface Server {
  name: string;
  pid: number;
  mqttPort: number;
  rss(): number;
  gc(): Promise<void>;
  /** Herald only: a heap snapshot to `file` (BENCH_HEAP_DIR). */
  heapSnapshot?(file: string): Promise<void>;
  stop(): Promise<void>;
}

async function startMosquitto(): Promise<Server> {
  const port = await sparePort();
  const child: ChildProcess = spawn('mosquitto', ['-p', String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      (await BenchMqttClient.connect(port, {}, null)).close();
      break;
    } catch {
      await sleep(50);
    }
  }
  const pid = child.pid!;
  return {
    name: 'Mosquitto',
    pid,
    mqttPort: port,
    rss: () => rssOf(pid),
    gc: async () => undefined,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

interface HeraldBench extends Server {
  http: HttpClient;
  users: { id: number; username: string; token: string }[];
  dir: string;
}

async function startHerald(clients: number): Promise<HeraldBench> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-mqtt-bench-'));
  const mqttPort = await sparePort();
  const script = fileURLToPath(new URL('./herald-server.js', import.meta.url));
  const server = await ServerProcess.start('herald', script, {
    HERALD_DATA_DIR: dir,
    HERALD_API_KEY: API_KEY,
    HERALD_PORT: '0',
    HERALD_HOST: '127.0.0.1',
    HERALD_LOG_LEVEL: 'warn',
    HERALD_MQTT_PORT: String(mqttPort),
  });
  const http = new HttpClient(server.port);
  const admin = { authorization: `Bearer ${API_KEY}` };
  const users = await inParallel(clients, 8, async (i) => {
    const r = await http.json<{ user: { id: number; username: string }; token: string }>('POST', '/api/v1/users', { email: `mqtt${i}@example.test`, username: `mqtt${i}`, password: 'bench password' }, admin);
    return { id: r.user.id, username: r.user.username, token: r.token };
  });
  return {
    name: 'Herald',
    pid: server.pid,
    mqttPort,
    http,
    users,
    dir,
    rss: () => server.rssBytes(),
    gc: () => server.gc(),
    heapSnapshot: (file) => server.heapSnapshot(file),
    stop: async () => {
      http.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PhaseResult {
  target: string;
  phase: string;
  offered: number;
  deliveriesPerSecond: number;
  lost: number;
  p50: number;
  p99: number;
  cpuMicrosPerDelivery: number;
}

/** Runs `send` at `rate` per second for `seconds`, then waits for the deliveries to settle. */
async function drive(server: Server, counter: Counter, expectedPer: number, rate: number, seconds: number, send: (i: number) => Promise<void> | void, phase: string): Promise<PhaseResult> {
  counter.reset();
  const cpu0 = processCpuMicros(server.pid);
  const t0 = performance.now();
  const total = Math.max(1, Math.round(rate * seconds));
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const r = send(i);
    if (r) pending.push(r);
  }
  await Promise.all(pending);
  const expected = total * expectedPer;
  let last = -1;
  while (counter.count < expected && counter.count !== last) {
    last = counter.count;
    await sleep(500);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = processCpuMicros(server.pid) - cpu0;
  return {
    target: server.name,
    phase,
    offered: Math.round(rate * expectedPer),
    deliveriesPerSecond: counter.count / elapsed,
    lost: Math.max(0, expected - counter.count),
    p50: counter.latency.percentile(50),
    p99: counter.latency.percentile(99),
    cpuMicrosPerDelivery: counter.count > 0 ? cpu / counter.count : 0,
  };
}

async function fleet(n: number, connect: (i: number) => Promise<BenchMqttClient>): Promise<BenchMqttClient[]> {
  return inParallel(n, 32, connect);
}

async function brokerPhase(server: Server, o: Options, auth: (i: number) => { username?: string; password?: string }): Promise<PhaseResult> {
  const counter = new Counter();
  const topic = 'public/bench/fanout';
  const subs = await fleet(o.clients, async (i) => {
    const c = await BenchMqttClient.connect(server.mqttPort, auth(i), counter);
    await c.subscribe(topic, 0);
    return c;
  });
  const pub = await BenchMqttClient.connect(server.mqttPort, auth(0), null);
  const pad = 'x'.repeat(200);
  const r = await drive(server, counter, o.clients, o.rate, o.seconds, () => pub.publish(topic, Buffer.from(`{"t":${Date.now()},"pad":"${pad}"}`)), 'broker');
  for (const c of [...subs, pub]) c.close();
  return r;
}

async function pairsBrokerPhase(server: Server, o: Options): Promise<PhaseResult> {
  const counter = new Counter();
  const subs = await fleet(o.clients, async (i) => {
    const c = await BenchMqttClient.connect(server.mqttPort, {}, counter);
    await c.subscribe(`public/pair/${Math.floor(i / 2)}`, 0);
    return c;
  });
  const pub = await BenchMqttClient.connect(server.mqttPort, {}, null);
  const pairs = o.clients / 2;
  const pad = 'x'.repeat(200);
  const r = await drive(server, counter, 2, o.pairRate, o.seconds, (i) => pub.publish(`public/pair/${i % pairs}`, Buffer.from(`{"t":${Date.now()},"pad":"${pad}"}`)), 'pairs');
  for (const c of [...subs, pub]) c.close();
  return r;
}

async function dinoPhases(h: HeraldBench, o: Options): Promise<PhaseResult[]> {
  const counter = new Counter();
  const subs = await fleet(o.clients, async (i) => {
    const u = h.users[i];
    const c = await BenchMqttClient.connect(h.mqttPort, { username: u.username, password: u.token }, counter);
    await c.subscribe(`dino/users/${u.id}/events`, 0);
    return c;
  });
  const auth = (i: number) => ({ authorization: `Bearer ${h.users[i].token}` });
  const { space } = await h.http.json<{ space: { id: number } }>('POST', '/api/v1/spaces', { name: 'bench', member_ids: h.users.slice(1, 1000).map((u) => u.id) }, auth(0));
  for (const u of h.users.slice(1000)) await h.http.json('POST', `/api/v1/spaces/${space.id}/members`, { user_id: u.id }, auth(0));
  const pairs = await inParallel(o.clients / 2, 16, async (k) => (await h.http.json<{ space: { id: number } }>('POST', '/api/v1/spaces', { kind: 'direct', member_ids: [h.users[2 * k + 1].id] }, auth(2 * k))).space.id);
  await sleep(1500); // setup events (group, join) drain
  const post = async (spaceId: number, poster: number) => {
    await h.http.request('POST', `/api/v1/spaces/${spaceId}/messages`, { content: `t=${Date.now()}` }, auth(poster));
  };
  const group = await drive(h, counter, o.clients, o.rate, o.seconds, (i) => post(space.id, i % o.clients), 'group');
  const pairResult = await drive(h, counter, 2, o.pairRate, o.seconds, (i) => post(pairs[i % pairs.length], 2 * (i % pairs.length)), 'pairs');
  for (const c of subs) c.close();
  return [group, pairResult];
}

async function idlePhase(server: Server, n: number, auth: (i: number) => { username?: string; password?: string }, topic: (i: number) => string): Promise<number> {
  // One connection first, open through the measurement: what the first connection costs once per process
  // (mqtt-packet's 65,536-entry number cache, ~6 MB, built on the first packet written; code compiled on
  // first use) is not a cost per connection.
  const warm = await BenchMqttClient.connect(server.mqttPort, auth(0), null);
  await warm.subscribe(topic(0), 0);
  await server.gc();
  const heapDir = process.env.BENCH_HEAP_DIR;
  if (heapDir !== undefined && server.heapSnapshot) await server.heapSnapshot(`${heapDir}/${server.name}-before.heapsnapshot`);
  const before = server.rss();
  const conns = await fleet(n, async (i) => {
    const c = await BenchMqttClient.connect(server.mqttPort, auth(i), null);
    await c.subscribe(topic(i), 0);
    return c;
  });
  await sleep(500);
  await server.gc();
  const after = server.rss();
  if (heapDir !== undefined && server.heapSnapshot) await server.heapSnapshot(`${heapDir}/${server.name}-after.heapsnapshot`);
  for (const c of [warm, ...conns]) c.close();
  return (after - before) / n;
}

function table(results: PhaseResult[]): string {
  const rows = results.map((r) => `| ${r.phase} | ${r.target} | ${r.offered} | ${Math.round(r.deliveriesPerSecond)} | ${r.lost} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.cpuMicrosPerDelivery.toFixed(2)} |`);
  return ['| phase | server | offered deliveries/s | delivered/s | lost | p50 ms | p99 ms | server CPU µs/delivery |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}

export async function main(): Promise<void> {
  const o = options();
  log(`mqtt bench: ${o.clients} clients, ${o.seconds} s per phase, ${o.rate} msg/s fan-out, ${o.pairRate} msg/s pairs, ${o.idle} idle`);
  const results: PhaseResult[] = [];
  const idle: [string, number][] = [];

  const m = await startMosquitto();
  try {
    if (o.idle > 0) idle.push(['Mosquitto', await idlePhase(m, o.idle, () => ({}), (i) => `public/idle/${i}`)]);
    results.push(await brokerPhase(m, o, () => ({})));
    log(`[Mosquitto] broker ${JSON.stringify(results.at(-1))}`);
    // Mosquitto's "group" baseline is the same fan-out: one publish, N subscribers, a payload like Dino's.
    results.push({ ...(await brokerPhase(m, o, () => ({}))), phase: 'group' });
    results.push(await pairsBrokerPhase(m, o));
    log(`[Mosquitto] pairs ${JSON.stringify(results.at(-1))}`);
  } finally {
    await m.stop();
  }

  const h = await startHerald(Math.max(o.clients, o.idle));
  try {
    const users = (i: number) => ({ username: h.users[i].username, password: h.users[i].token });
    // Idle memory first, on a fresh process: after the load phases the heap V8 grew and gives back under
    // GC makes "after − before" meaningless (it came out negative).
    if (o.idle > 0) idle.push(['Herald', await idlePhase(h, o.idle, users, (i) => `dino/users/${h.users[i].id}/events`)]);
    results.push(await brokerPhase(h, o, users));
    log(`[Herald] broker ${JSON.stringify(results.at(-1))}`);
    results.push(...(await dinoPhases(h, o)));
    log(`[Herald] dino ${JSON.stringify(results.slice(-2))}`);
  } finally {
    await h.stop();
  }

  console.log(`## MQTT fan-out — ${new Date().toISOString().slice(0, 10)}\n`);
  console.log(`${o.clients} subscribers, ${o.seconds} s per phase, QoS 0.\n`);
  console.log(table(results.sort((a, b) => a.phase.localeCompare(b.phase) || a.target.localeCompare(b.target))));
  console.log('\n| server | bytes per idle MQTT connection |\n| --- | ---: |');
  for (const [name, bytes] of idle) console.log(`| ${name} | ${Math.round(bytes)} |`);
}
