// `npm run bench`: runs the same workload against Herald and against a minimal `ws` broadcast server,
// each in its own process, and prints Markdown tables (progress goes to stderr). See bench/README.md.
import { cpus, loadavg } from 'node:os';
import { OptionsError, parseOptions, type BenchOptions, type TargetName } from './options.js';
import { HeraldTarget } from './herald-target.js';
import { ReferenceTarget } from './reference-target.js';
import type { Target } from './target.js';
import { Deliveries, quiesce } from './deliveries.js';
import { Fleet } from './fleet.js';
import { measureIdle } from './idle.js';
import { runLadder, type Phase, type StepResult } from './workload.js';
import { idleTable, stepTable, summaryTable, type TargetResult } from './report.js';
import { inParallel } from './util.js';
import { openFileLimit } from './machine.js';
import { stompFanout } from './stomp-fanout.js';

const log = (msg: string) => process.stderr.write(`${msg}\n`);

function describe(s: StepResult): string {
  return `${s.offered} offered/s: ${Math.round(s.deliveriesPerSecond)} deliveries/s, lost ${s.lost}, p99 ${s.p99.toFixed(2)} ms, ${s.serverCpuMicrosPerDelivery.toFixed(2)} µs CPU/delivery, server ${s.serverCpuPercent.toFixed(0)}%, loadgen ${s.loadgenCpuPercent.toFixed(0)}%, others ${s.otherCpuPercent.toFixed(0)}%${s.passed ? '' : ` — stop: ${s.why}`}`;
}

async function bench(name: TargetName, o: BenchOptions): Promise<TargetResult> {
  const target: Target = name === 'herald' ? await HeraldTarget.start() : await ReferenceTarget.start();
  const tag = `[${target.name}]`;
  try {
    log(`${tag} pid ${target.server.pid}, port ${target.server.port}`);
    let t = performance.now();
    await target.setupIdentities(o.clients);
    log(`${tag} ${o.clients} identities in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const idle = o.idle > 0 ? await measureIdle(target, o.idle) : null;
    if (idle) log(`${tag} idle: ${idle.connections} connections, ${(idle.bytesPerConnection / 1024).toFixed(1)} KB each`);

    const deliveries = new Deliveries();
    t = performance.now();
    const fleet = await Fleet.connect(target, o.clients, 0, deliveries.onMessage);
    const everyone = await target.createGroup(Array.from({ length: o.clients }, (_, i) => i));
    const pairs = await inParallel(o.clients / 2, 16, (k) => target.createGroup([2 * k, 2 * k + 1]));
    await quiesce(deliveries);
    log(`${tag} ${fleet.size} clients connected, 1 group of ${o.clients} and ${pairs.length} 1-to-1 groups in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const ladder = { seconds: o.seconds, drainMs: o.drainMs, maxP99Ms: o.maxP99Ms, quietMs: o.quietMs };
    const progress = (phase: string) => (s: StepResult) => log(`${tag} ${phase} ${describe(s)}`);
    const groupPhase: Phase = { groups: [everyone], fanout: o.clients };
    const group = await runLadder(target, deliveries, groupPhase, o.groupRates, ladder, progress('group'));
    const pairPhase: Phase = { groups: pairs, fanout: 2 };
    const pairSteps = await runLadder(target, deliveries, pairPhase, o.pairRates, ladder, progress('1-to-1'));
    const socketSteps = await runLadder(target, deliveries, { ...pairPhase, socket: fleet }, o.pairRates, ladder, progress('1-to-1 over WebSocket'));
    if (fleet.dropped() > 0) log(`${tag} the server closed ${fleet.dropped()} of the ${fleet.size} client connections during the run`);
    await fleet.close();
    return { name: target.name, idle, group, pairs: pairSteps, pairsSocket: socketSteps };
  } finally {
    await target.stop();
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2), process.env);
  const fds = openFileLimit();
  // The load generator holds every idle connection plus the clients; so does the server, in its process.
  const needed = o.idle + o.clients + 256;
  if (o.idle > 0 && fds < needed) {
    log(`ulimit -n is ${fds} but the idle-memory test needs about ${needed} open files per process.`);
    log(`Raise it (e.g. \`ulimit -n 65536\` in this shell) or lower BENCH_IDLE; skipping the idle-memory test.`);
    o.idle = 0;
  }
  const started = new Date();
  const load = loadavg()[0];
  log(`bench: ${o.clients} clients, ${o.idle} idle, ${o.seconds} s steps, targets ${o.targets.join(' + ')}${o.quick ? ' (quick)' : ''}`);
  const results: TargetResult[] = [];
  for (const name of o.targets) results.push(await bench(name, o));
  const minutes = (Date.now() - started.getTime()) / 60000;

  const cpu = cpus();
  console.log(`## Results — ${started.toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, Node ${process.version}`);
  console.log(`\n${o.clients} clients, ${o.seconds} s per step, one load-generator process; ran ${minutes.toFixed(1)} min; load average at start ${load.toFixed(2)}.\n`);
  console.log('### Targets\n');
  console.log(summaryTable(results));
  console.log(`\n### One group of ${o.clients} (each message → ${o.clients} deliveries)\n`);
  console.log(stepTable(results, 'group'));
  console.log(`\n### ${o.clients / 2} 1-to-1 groups (each message → 2 deliveries), posted over HTTP\n`);
  console.log(stepTable(results, 'pairs'));
  console.log(`\n### The same, posted as \`post\` commands over each poster's WebSocket\n`);
  console.log(stepTable(results, 'pairsSocket'));
  console.log('\n### Memory per idle connection\n');
  console.log(idleTable(results));
  if (process.env.BENCH_STOMP === '1') console.log(`\n${await stompFanout(o)}`);
}

// BENCH_SUITE=mqtt: the MQTT fan-out runs against Mosquitto instead (bench/mqtt-fanout.ts).
(process.env.BENCH_SUITE === 'mqtt' ? import('./mqtt-fanout.js').then((m) => m.main()) : main()).catch((err: unknown) => {
  if (err instanceof OptionsError) log(`bench: ${err.message}`);
  else log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(err instanceof OptionsError ? 2 : 1);
});
