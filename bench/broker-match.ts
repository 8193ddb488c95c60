// Micro-benchmark of the broker core alone (no sockets, no framing): trie matching, and publish →
// fan-out to 1,000 subscribers at QoS 0 and QoS 1 (with the PUBACK each delivery gets). Prints
// publishes/s, deliveries/s and ns of CPU per delivery. Run: `npm run build && node dist/bench/broker-match.js`.
import { asUser } from '../src/core/actor.js';
import { Broker, MemoryBrokerStore, allowAllAcl, type Connection, type Delivery, type SessionSink } from '../src/broker/index.js';
import { parseFilter } from '../src/broker/topic.js';
import { SubscriptionTrie, type TrieEntry, type TrieNode } from '../src/broker/trie.js';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const BACKGROUND = Number(process.env.BENCH_BACKGROUND ?? 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

interface Row {
  name: string;
  ops: number;
  perSecond: number;
  deliveriesPerSecond: number;
  nsPerDelivery: number;
}

/** Runs `step` repeatedly for about SECONDS; returns operations and CPU time used. */
async function measure(step: () => Promise<number> | number): Promise<{ ops: number; deliveries: number; wallMs: number; cpuMs: number }> {
  for (let i = 0; i < 200; i++) await step(); // warm-up
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let ops = 0;
  let deliveries = 0;
  while (performance.now() - start < SECONDS * 1000) {
    for (let i = 0; i < 100; i++) {
      deliveries += await step();
      ops++;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { ops, deliveries, wallMs: performance.now() - start, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function row(name: string, r: Awaited<ReturnType<typeof measure>>): Row {
  return {
    name,
    ops: r.ops,
    perSecond: (r.ops / r.wallMs) * 1000,
    deliveriesPerSecond: (r.deliveries / r.wallMs) * 1000,
    nsPerDelivery: r.deliveries ? (r.cpuMs * 1e6) / r.deliveries : (r.cpuMs * 1e6) / r.ops,
  };
}

/** Background subscriptions so the trie is not trivially small: exact, `+` and `#` filters. */
function backgroundFilters(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0: out.push(`bench/room/${i}`); break;
      case 1: out.push(`bench/+/${i}/x`); break;
      case 2: out.push(`other/${i}/#`); break;
      default: out.push(`dev/${i % 500}/+/state`);
    }
  }
  return out;
}

interface Entry extends TrieEntry {
  id: number;
}

function trieOnly(): Row {
  const trie = new SubscriptionTrie<Entry>();
  let id = 0;
  for (const f of [...backgroundFilters(BACKGROUND), 'bench/room/target', 'bench/+/target', 'bench/#']) {
    const p = parseFilter(f);
    if (!p.ok) throw new Error(f);
    trie.add({ id: id++, levels: p.levels, share: p.share });
  }
  const nodes: TrieNode<Entry>[] = [];
  const levels = 'bench/room/target'.split('/');
  const n = 2_000_000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let found = 0;
  for (let i = 0; i < n; i++) {
    nodes.length = 0;
    trie.match(levels, nodes);
    found += nodes.length;
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (found !== 3 * n) throw new Error(`expected 3 matching nodes, got ${found / n}`);
  return { name: `trie match, depth 3, ${trie.size} subscriptions`, ops: n, perSecond: (n / wall) * 1000, deliveriesPerSecond: 0, nsPerDelivery: ((cpu.user + cpu.system) * 1000) / n };
}

async function fanout(qos: 0 | 1): Promise<Row> {
  const broker = new Broker({ store: new MemoryBrokerStore(), acl: allowAllAcl });
  let delivered = 0;
  const conns: Connection[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const idx = i;
    const sink: SessionSink = {
      deliver: (d: Delivery) => {
        delivered++;
        // The client's PUBACK, as soon as the frame would be written.
        if (d.packetId !== 0) broker.puback(conns[idx], d.packetId);
      },
      release: () => undefined,
      closed: () => undefined,
      revoked: () => undefined,
    };
    const r = await broker.connect({ clientId: `s${i}`, principal: asUser(i + 1), cleanStart: true, sessionExpiryInterval: 0, sink });
    if (!r.ok) throw new Error(r.message);
    conns.push(r.connection);
    broker.start(r.connection);
    await broker.subscribe(r.connection, [{ filter: i % 10 === 0 ? 'bench/+/target' : 'bench/room/target', qos }]);
  }
  // Background subscriptions spread over other sessions.
  const bg = backgroundFilters(BACKGROUND);
  for (let i = 0; i < bg.length; i += 100) {
    const r = await broker.connect({ clientId: `bg${i}`, principal: asUser(1_000_000 + i), cleanStart: true, sessionExpiryInterval: 0, sink: { deliver: () => undefined, release: () => undefined, closed: () => undefined, revoked: () => undefined } });
    if (!r.ok) throw new Error(r.message);
    await broker.subscribe(r.connection, bg.slice(i, i + 100).map((filter) => ({ filter, qos: 0 as const })));
  }
  const payload = Buffer.from('{"event":"bench","n":1}');
  const before = delivered;
  const res = await measure(async () => {
    const d0 = delivered;
    const r = await broker.publish(null, { topic: 'bench/room/target', payload, qos });
    if (!r.ok || r.matched !== SUBSCRIBERS) throw new Error(`matched ${r.ok ? r.matched : r.reason}`);
    return delivered - d0;
  });
  if (delivered - before < res.deliveries) throw new Error('lost deliveries');
  const inflight = broker.session('s1')?.inflight ?? 0;
  if (inflight !== 0) throw new Error(`in-flight left: ${inflight}`);
  await broker.close();
  return row(`publish → ${SUBSCRIBERS} subscribers, QoS ${qos}${qos ? ' (+ PUBACK each)' : ''}`, res);
}

async function main(): Promise<void> {
  const cases = (process.env.BENCH_CASES ?? 'trie,qos0,qos1').split(',');
  const rows: Row[] = [];
  if (cases.includes('trie')) rows.push(trieOnly());
  if (cases.includes('qos0')) rows.push(await fanout(0));
  if (cases.includes('qos1')) rows.push(await fanout(1));
  const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`Broker core micro-benchmark (node ${process.version}, ${SECONDS} s per case, ${BACKGROUND} background subscriptions)\n`);
  console.log('| case | ops/s | deliveries/s | CPU ns per delivery (per match for the trie) |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${f(r.perSecond)} | ${r.deliveriesPerSecond ? f(r.deliveriesPerSecond) : '—'} | ${f(r.nsPerDelivery, 1)} |`);
}

await main();
