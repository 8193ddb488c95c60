// STOMP fan-out next to the native WebSocket in one run (bench/README.md, "STOMP fan-out"): one Herald
// process, N users in one chat; the same rate ladder is offered first to N native WebSocket clients,
// then to N STOMP subscribers of /countries/{chatId}/messages, and the server's CPU per delivery of
// each is compared (the issue's target: STOMP at most 1.2x native).
//   node dist/bench/stomp-fanout.js [--quick] [--clients=N] [--seconds=S] [--group-rates=...]
// or BENCH_STOMP=1 npm run bench (after the main tables).
import { parseOptions, type BenchOptions } from './options.js';
import { HeraldTarget } from './herald-target.js';
import { Deliveries, quiesce } from './deliveries.js';
import { Fleet } from './fleet.js';
import { StompFleet } from './stomp-fleet.js';
import { runLadder, type StepResult } from './workload.js';
import { fmt } from './util.js';

const log = (msg: string) => process.stderr.write(`${msg}\n`);

export async function stompFanout(o: BenchOptions): Promise<string> {
  const target = await HeraldTarget.start({ HERALD_STOMP_HEARTBEAT_MS: '0' });
  try {
    await target.setupIdentities(o.clients);
    const everyone = Array.from({ length: o.clients }, (_, i) => i);
    const chat = await target.createGroup(everyone);
    const phase = { groups: [chat], fanout: o.clients };
    const ladder = { seconds: o.seconds, drainMs: o.drainMs, maxP99Ms: o.maxP99Ms, quietMs: o.quietMs };
    const describe = (tag: string) => (s: StepResult) => log(`[${tag}] ${s.offered}/s: ${Math.round(s.deliveriesPerSecond)} deliveries/s, lost ${s.lost}, ${s.serverCpuMicrosPerDelivery.toFixed(2)} µs CPU/delivery${s.passed ? '' : ` — stop: ${s.why}`}`);

    const nd = new Deliveries();
    const natives = await Fleet.connect(target, o.clients, 0, nd.onMessage);
    await quiesce(nd);
    log(`[native] ${natives.size} clients in chat ${chat.id}`);
    const native = await runLadder(target, nd, phase, o.groupRates, ladder, describe('native'));
    await natives.close();

    const sd = new Deliveries();
    const tokens = everyone.map((i) => target.connectSpec(i).headers.authorization.replace(/^Bearer /, ''));
    const stomp = await StompFleet.connect(target.server.port, tokens, chat.id, sd.onMessage);
    await quiesce(sd);
    log(`[stomp] ${stomp.size} subscribers of /countries/${chat.id}/messages`);
    const steps = await runLadder(target, sd, phase, o.groupRates, ladder, describe('stomp'));
    if (stomp.dropped() > 0) log(`[stomp] the server closed ${stomp.dropped()} subscribers during the run`);
    await stomp.close();

    const rows = ['| offered deliveries/s | native deliveries/s | native CPU µs/delivery | STOMP deliveries/s | STOMP CPU µs/delivery | STOMP / native | result |', '| ---: | ---: | ---: | ---: | ---: | ---: | --- |'];
    for (const s of steps) {
      const n = native.find((x) => x.offered === s.offered);
      const ratio = n ? s.serverCpuMicrosPerDelivery / n.serverCpuMicrosPerDelivery : NaN;
      const result = !s.passed ? s.why : n && !n.passed ? `native: ${n.why}` : 'ok';
      rows.push(`| ${s.offered} | ${fmt(n?.deliveriesPerSecond ?? NaN)} | ${fmt(n?.serverCpuMicrosPerDelivery ?? NaN, 2)} | ${fmt(s.deliveriesPerSecond)} | ${fmt(s.serverCpuMicrosPerDelivery, 2)} | ${fmt(ratio, 2)}x | ${result} |`);
    }
    return `### STOMP fan-out: one chat of ${o.clients} (each message → ${o.clients} MESSAGE frames)\n\n${rows.join('\n')}`;
  } finally {
    await target.stop();
  }
}

if (process.argv[1]?.endsWith('stomp-fanout.js')) {
  stompFanout(parseOptions(process.argv.slice(2), process.env))
    .then((table) => console.log(table))
    .catch((err: unknown) => {
      log(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    });
}
