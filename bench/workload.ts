// The rate ladder: for each offered rate (deliveries/s), post messages open-loop at the matching
// message rate for a fixed time, wait for the deliveries to drain, and measure. The ladder stops at
// the first step that loses a delivery, cannot be offered in full, or exceeds the p99 limit.
import { performance } from 'node:perf_hooks';
import { markedContent, type Deliveries } from './deliveries.js';
import type { Group, Target } from './target.js';
import { sleep } from './util.js';
import type { Fleet } from './fleet.js';
import { machineBusyMicros, waitForQuiet } from './machine.js';

export interface Phase {
  groups: Group[];
  /** Deliveries per message: the group size. */
  fanout: number;
  /** Post as a `post` command on the poster's own WebSocket instead of an HTTP request. */
  socket?: Fleet;
}

export interface LadderOptions {
  seconds: number;
  /** Give up waiting for missing deliveries after this long without progress. */
  drainMs: number;
  maxP99Ms: number;
  /** How long a step may wait for other processes on the machine to calm down before it starts anyway. */
  quietMs: number;
}

export interface StepResult {
  offered: number;
  messagesPerSecond: number;
  posted: number;
  failedPosts: number;
  /** Posts not issued because too many were already waiting for an answer. */
  skippedPosts: number;
  expected: number;
  received: number;
  lost: number;
  deliveriesPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  serverCpuMicrosPerDelivery: number;
  serverCpuPercent: number;
  loadgenCpuPercent: number;
  /** CPU taken by every other process on the machine, in % of one core: noise from neighbours. */
  otherCpuPercent: number;
  frameBytes: number;
  passed: boolean;
  why: string;
}

const MAX_IN_FLIGHT = 1024;
/** A step counts as offered in full when at least this share of its posts were accepted. */
const MIN_OFFERED_SHARE = 0.98;

let nextStep = 1;

async function runStep(target: Target, deliveries: Deliveries, phase: Phase, offered: number, o: LadderOptions): Promise<StepResult> {
  const step = nextStep++;
  const tally = deliveries.tally(step);
  const rate = offered / phase.fanout;
  const total = Math.max(1, Math.round(rate * o.seconds));
  let issued = 0;
  let posted = 0;
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;

  const cpu0 = target.server.cpuMicros();
  const gen0 = process.cpuUsage();
  const busy0 = machineBusyMicros();
  const t0 = performance.now();
  while (issued < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    for (; issued < due; issued++) {
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      // Message k goes to group k mod G; posters take turns within the group.
      const group = phase.groups[issued % phase.groups.length];
      const poster = group.members[Math.floor(issued / phase.groups.length) % group.members.length];
      inFlight++;
      const content = markedContent(step);
      (phase.socket ? phase.socket.client(poster).command(target.postFrame(group, content)) : target.post(group, poster, content))
        .then((ok) => (ok ? posted++ : failed++), () => failed++)
        .finally(() => inFlight--);
    }
    await sleep(1);
  }
  while (inFlight > 0) await sleep(2);

  const expected = posted * phase.fanout;
  let seen = tally.received;
  let progressAt = performance.now();
  while (tally.received < expected && performance.now() - progressAt < o.drainMs) {
    await sleep(10);
    if (tally.received !== seen) {
      seen = tally.received;
      progressAt = performance.now();
    }
  }
  const elapsedMicros = (performance.now() - t0) * 1000;
  const serverCpu = target.server.cpuMicros() - cpu0;
  const gen = process.cpuUsage(gen0);
  const busy = machineBusyMicros() - busy0;

  const lost = expected - tally.received;
  const h = tally.latency;
  const p99 = h.percentile(99);
  const why: string[] = [];
  if (lost > 0) why.push(`${lost} lost`);
  if (failed > 0) why.push(`${failed} posts failed`);
  if (skipped > 0 || posted < total * MIN_OFFERED_SHARE) why.push(`offered ${Math.round((posted / total) * 100)}%`);
  if (!(p99 <= o.maxP99Ms)) why.push(`p99 over ${o.maxP99Ms} ms`);
  return {
    offered,
    messagesPerSecond: rate,
    posted,
    failedPosts: failed,
    skippedPosts: skipped,
    expected,
    received: tally.received,
    lost,
    deliveriesPerSecond: tally.received / o.seconds,
    p50: h.percentile(50),
    p95: h.percentile(95),
    p99,
    max: h.max,
    serverCpuMicrosPerDelivery: tally.received > 0 ? serverCpu / tally.received : NaN,
    serverCpuPercent: (serverCpu / elapsedMicros) * 100,
    loadgenCpuPercent: ((gen.user + gen.system) / elapsedMicros) * 100,
    otherCpuPercent: (Math.max(0, busy - serverCpu - gen.user - gen.system) / elapsedMicros) * 100,
    frameBytes: tally.received > 0 ? tally.bytes / tally.received : NaN,
    passed: why.length === 0,
    why: why.join(', '),
  };
}

/** Runs the offered rates in order until one fails; `progress` hears about every step. */
export async function runLadder(target: Target, deliveries: Deliveries, phase: Phase, rates: number[], o: LadderOptions, progress: (r: StepResult) => void): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const offered of rates) {
    await waitForQuiet(target.server.pid, o.quietMs);
    const r = await runStep(target, deliveries, phase, offered, o);
    results.push(r);
    progress(r);
    if (!r.passed) break;
  }
  return results;
}
