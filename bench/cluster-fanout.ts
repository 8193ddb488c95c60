// Cluster fan-out (bench/README.md, "Cluster"): one group of N native WebSocket clients spread evenly over
// 1, 2 and 3 Herald nodes on one PostgreSQL database (a fresh one per size); 1 node uses the in-process bus,
// 2 and 3 use NATS. Posts go round-robin through the nodes' HTTP APIs. CPU per delivery counts every
// Herald node and the nats-server process, so the figure is what the cluster as a whole spends.
//   node dist/bench/cluster-fanout.js [--clients=N] [--seconds=S] [--group-rates=...]
//   BENCH_CLUSTER_NODES=1,2,3  BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/test  BENCH_NATS_URL=nats://127.0.0.1:4222
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parseOptions, type BenchOptions } from './options.js';
import { HeraldTarget } from './herald-target.js';
import type { ConnectSpec, Group, MeasuredServer, Target } from './target.js';
import { Deliveries, quiesce } from './deliveries.js';
import { Fleet } from './fleet.js';
import { processCpuMicros } from './machine.js';
import { runLadder, type StepResult } from './workload.js';
import { fmt } from './util.js';

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const PG_URL = process.env.BENCH_PG_URL ?? process.env.HERALD_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const JWT_SECRET = randomBytes(32).toString('base64url');

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The local nats-server's pid, or null (then its CPU is not counted, and the table says so). */
function natsPid(): number | null {
  try {
    const pid = Number(execFileSync('pgrep', ['-o', '-x', 'nats-server'], { encoding: 'utf8' }).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Every node as one server: CPU and memory summed (plus nats-server's CPU), connections spread round-robin. */
class ClusterTarget implements Target {
  readonly name: string;
  readonly server: MeasuredServer;

  private constructor(
    private readonly nodes: HeraldTarget[],
    private readonly dbName: string,
    nats: number | null,
  ) {
    this.name = `Herald × ${nodes.length}`;
    const first = nodes[0].server;
    this.server = {
      pid: first.pid,
      port: first.port,
      cpuMicros: () => nodes.reduce((sum, n) => sum + n.server.cpuMicros(), 0) + (nats === null ? 0 : processCpuMicros(nats)),
      gc: async () => void (await Promise.all(nodes.map((n) => n.server.gc()))),
      rssBytes: () => nodes.reduce((sum, n) => sum + n.server.rssBytes(), 0),
    };
  }

  static async start(size: number, nats: number | null): Promise<ClusterTarget> {
    const dbName = `herald_bench_${randomBytes(4).toString('hex')}`;
    await admin(`create database ${dbName}`);
    const url = new URL(PG_URL);
    url.pathname = `/${dbName}`;
    const env: Record<string, string> = { HERALD_DATABASE_URL: url.toString(), HERALD_JWT_SECRET: JWT_SECRET };
    if (size > 1) Object.assign(env, { HERALD_NATS_URL: NATS_URL, HERALD_NATS_PREFIX: dbName });
    const nodes: HeraldTarget[] = [];
    try {
      // The first node creates the schema; the others start once it is there.
      nodes.push(await HeraldTarget.start(env));
      nodes.push(...(await Promise.all(Array.from({ length: size - 1 }, () => HeraldTarget.start(env)))));
    } catch (err) {
      await Promise.all(nodes.map((n) => n.stop()));
      await admin(`drop database if exists ${dbName} with (force)`);
      throw err;
    }
    return new ClusterTarget(nodes, dbName, size > 1 ? nats : null);
  }

  portFor(i: number): number {
    return this.nodes[i % this.nodes.length].server.port;
  }

  async setupIdentities(n: number): Promise<void> {
    await this.nodes[0].setupIdentities(n);
    for (const node of this.nodes.slice(1)) node.shareIdentities(this.nodes[0]);
  }

  connectSpec(i: number): ConnectSpec {
    return this.nodes[0].connectSpec(i);
  }

  createGroup(members: number[]): Promise<Group> {
    return this.nodes[0].createGroup(members);
  }

  post(group: Group, poster: number, content: string): Promise<boolean> {
    return this.nodes[poster % this.nodes.length].post(group, poster, content);
  }

  postFrame(group: Group, content: string): string {
    return this.nodes[0].postFrame(group, content);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    await admin(`drop database if exists ${this.dbName} with (force)`);
  }
}

async function runSize(size: number, o: BenchOptions, nats: number | null): Promise<StepResult[]> {
  const target = await ClusterTarget.start(size, nats);
  try {
    await target.setupIdentities(o.clients);
    const d = new Deliveries();
    const fleet = await Fleet.connect(target, o.clients, 0, d.onMessage);
    const group = await target.createGroup(Array.from({ length: o.clients }, (_, i) => i));
    await quiesce(d);
    log(`[${target.name}] ${fleet.size} clients over ${size} node(s), one group of ${o.clients}`);
    const ladder = { seconds: o.seconds, drainMs: o.drainMs, maxP99Ms: o.maxP99Ms, quietMs: o.quietMs };
    const steps = await runLadder(target, d, { groups: [group], fanout: o.clients }, o.groupRates, ladder, (s) =>
      log(`[${target.name}] ${s.offered}/s: ${Math.round(s.deliveriesPerSecond)} deliveries/s, lost ${s.lost}, p99 ${s.p99.toFixed(1)} ms, ${s.serverCpuMicrosPerDelivery.toFixed(2)} µs CPU/delivery${s.passed ? '' : ` — stop: ${s.why}`}`),
    );
    if (fleet.dropped() > 0) log(`[${target.name}] the cluster closed ${fleet.dropped()} of ${fleet.size} connections`);
    await fleet.close();
    return steps;
  } finally {
    await target.stop();
  }
}

export async function clusterFanout(o: BenchOptions): Promise<string> {
  const sizes = (process.env.BENCH_CLUSTER_NODES ?? '1,2,3').split(',').map(Number);
  const nats = natsPid();
  if (nats === null) log('cluster bench: no local nats-server process found; its CPU is not counted');
  const results = new Map<number, StepResult[]>();
  for (const size of sizes) results.set(size, await runSize(size, o, nats));
  const base = results.get(sizes[0]) ?? [];
  const rows = ['| nodes | bus | offered deliveries/s | deliveries/s | lost | p50 ms | p99 ms | CPU µs/delivery (nodes + NATS) | vs 1 node | result |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const size of sizes) {
    for (const s of results.get(size)!) {
      const b = base.find((x) => x.offered === s.offered);
      const ratio = b ? s.serverCpuMicrosPerDelivery / b.serverCpuMicrosPerDelivery : NaN;
      rows.push(`| ${size} | ${size > 1 ? 'NATS' : 'in-process'} | ${s.offered} | ${fmt(s.deliveriesPerSecond)} | ${s.lost} | ${fmt(s.p50, 1)} | ${fmt(s.p99, 1)} | ${fmt(s.serverCpuMicrosPerDelivery, 2)} | ${fmt(ratio, 2)}x | ${s.passed ? 'ok' : s.why} |`);
    }
  }
  return `### Cluster fan-out: one group of ${o.clients} spread over the nodes, PostgreSQL store\n\n${rows.join('\n')}`;
}

if (process.argv[1]?.endsWith('cluster-fanout.js')) {
  clusterFanout(parseOptions(process.argv.slice(2), process.env))
    .then((table) => console.log(table))
    .catch((err: unknown) => {
      log(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    });
}
