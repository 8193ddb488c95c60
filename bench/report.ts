// Markdown tables for the results: per-step rows for both servers, then the issue's targets with
// Herald/reference ratios. Printed on stdout, so `npm run bench > results.md` keeps only the report.
import type { IdleResult } from './idle.js';
import type { StepResult } from './workload.js';

export interface TargetResult {
  name: string;
  idle: IdleResult | null;
  group: StepResult[];
  pairs: StepResult[];
  /** The 1-to-1 phase again, posting over each poster's WebSocket. */
  pairsSocket: StepResult[];
}

export type PhaseKey = 'group' | 'pairs' | 'pairsSocket';

const P99_RATE = 50_000;
const P99_LIMIT_MS = 50;
const CPU_RATIO_MAX = 1.5;
const RATE_RATIO_MIN = 0.5;
const IDLE_LIMIT_BYTES = 16 * 1024;

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : 'n/a');
const num = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: string[], rows: string[][]): string {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

export function stepTable(results: TargetResult[], phase: PhaseKey): string {
  const rates = [...new Set(results.flatMap((r) => r[phase].map((s) => s.offered)))].sort((a, b) => a - b);
  const rows: string[][] = [];
  for (const rate of rates) {
    for (const r of results) {
      const s = r[phase].find((x) => x.offered === rate);
      if (s === undefined) continue;
      const other = results.find((x) => x !== r)?.[phase].find((x) => x.offered === rate);
      const cpuRatio = r.name === 'Herald' && other ? `${num(s.serverCpuMicrosPerDelivery / other.serverCpuMicrosPerDelivery, 2)}x` : '';
      rows.push([
        int(rate),
        r.name,
        int(s.messagesPerSecond),
        int(s.deliveriesPerSecond),
        int(s.lost),
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
        num(s.serverCpuMicrosPerDelivery, 2),
        cpuRatio,
        `${num(s.serverCpuPercent, 0)}%`,
        `${num(s.loadgenCpuPercent, 0)}%`,
        `${num(s.otherCpuPercent, 0)}%`,
        int(s.frameBytes),
        s.passed ? 'ok' : s.why,
      ]);
    }
  }
  return table(['offered deliveries/s', 'server', 'msg/s', 'deliveries/s', 'lost', 'p50 ms', 'p95 ms', 'p99 ms', 'server CPU µs/delivery', 'vs reference', 'server CPU', 'loadgen CPU', 'other CPU', 'frame B', 'result'], rows);
}

/** The last step of a ladder that passed (ladders stop at the first failure). */
function best(steps: StepResult[]): StepResult | undefined {
  return steps.filter((s) => s.passed).at(-1);
}

function verdict(ok: boolean | null): string {
  return ok === null ? 'n/a' : ok ? 'met' : 'NOT met';
}

function phaseRows(h: TargetResult, ref: TargetResult | undefined, phase: PhaseKey, label: string): string[][] {
  const rows: string[][] = [];
  const hb = best(h[phase]);
  const rb = ref && best(ref[phase]);
  const top = (r: TargetResult, b: StepResult | undefined) => (b === undefined ? 'none' : int(b.deliveriesPerSecond) + (r[phase].every((s) => s.passed) ? ' (ladder top)' : ''));
  const rateRatio = hb && rb ? hb.deliveriesPerSecond / rb.deliveriesPerSecond : NaN;
  rows.push([`${label}: max sustained deliveries/s (0 lost)`, top(h, hb), ref ? top(ref, rb) : '', num(rateRatio, 2), `≥ ${RATE_RATIO_MIN}x`, verdict(Number.isFinite(rateRatio) ? rateRatio >= RATE_RATIO_MIN : ref ? false : null)]);

  // CPU per delivery compares the two servers under the same offered load: at the issue's 50,000/s
  // and at the highest rate both sustained (Herald's cost per delivery falls once it batches frames).
  const passedBoth = ref ? h[phase].filter((s) => s.passed && ref[phase].some((x) => x.offered === s.offered && x.passed)) : h[phase].filter((s) => s.passed);
  const compared = [...new Set([passedBoth.find((s) => s.offered === P99_RATE), passedBoth.at(-1)])];
  if (compared.every((s) => s === undefined)) rows.push([`${label}: server CPU µs/delivery`, 'n/a', '', '', `≤ ${CPU_RATIO_MAX}x`, 'n/a']);
  for (const hs of compared) {
    if (hs === undefined) continue;
    const rs = ref?.[phase].find((x) => x.offered === hs.offered);
    const ratio = rs ? hs.serverCpuMicrosPerDelivery / rs.serverCpuMicrosPerDelivery : NaN;
    rows.push([`${label}: server CPU µs/delivery at ${int(hs.offered)} deliveries/s`, num(hs.serverCpuMicrosPerDelivery, 2), rs ? num(rs.serverCpuMicrosPerDelivery, 2) : '', num(ratio, 2), `≤ ${CPU_RATIO_MAX}x`, verdict(Number.isFinite(ratio) ? ratio <= CPU_RATIO_MAX : null)]);
  }

  const at = (r: TargetResult) => r[phase].find((s) => s.offered === P99_RATE);
  const hp = at(h);
  const rp = ref && at(ref);
  const p99 = (s: StepResult | undefined, r: TargetResult) => (s ? `${ms(s.p99)} ms${s.passed ? '' : ` (${s.why})`}` : `not reached (stopped at ${int(r[phase].at(-1)?.offered ?? NaN)})`);
  rows.push([`${label}: p99 at ${int(P99_RATE)} deliveries/s`, p99(hp, h), ref ? p99(rp, ref) : '', '', `< ${P99_LIMIT_MS} ms`, verdict(hp ? hp.p99 < P99_LIMIT_MS && hp.passed : null)]);
  return rows;
}

export function summaryTable(results: TargetResult[]): string {
  const h = results.find((r) => r.name === 'Herald');
  if (h === undefined) return '(Herald was not run: no summary)';
  const ref = results.find((r) => r !== h);
  const rows = [...phaseRows(h, ref, 'group', 'one group'), ...phaseRows(h, ref, 'pairs', '1-to-1 (HTTP posts)'), ...phaseRows(h, ref, 'pairsSocket', '1-to-1 (WebSocket posts)')];
  if (h.idle) {
    const ratio = ref?.idle ? h.idle.bytesPerConnection / ref.idle.bytesPerConnection : NaN;
    rows.push([`memory per idle connection at ${int(h.idle.connections)}`, kb(h.idle.bytesPerConnection), ref?.idle ? kb(ref.idle.bytesPerConnection) : '', num(ratio, 2), `≤ ${kb(IDLE_LIMIT_BYTES)}`, verdict(h.idle.bytesPerConnection <= IDLE_LIMIT_BYTES)]);
  }
  return table(['metric', 'Herald', ref?.name ?? '', 'ratio', 'target', 'verdict'], rows);
}

export function idleTable(results: TargetResult[]): string {
  const rows = results.flatMap((r) => (r.idle ? [[r.name, int(r.idle.connections), `${num(r.idle.connectSeconds, 1)} s`, `${num(r.idle.rssBefore / 2 ** 20)} MB`, `${num(r.idle.rssAfter / 2 ** 20)} MB`, kb(r.idle.bytesPerConnection)]] : []));
  return rows.length ? table(['server', 'idle connections', 'connect time', 'RSS before', 'RSS after', 'per connection'], rows) : '(idle test skipped)';
}
