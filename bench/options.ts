// Bench settings from BENCH_* environment variables or --name=value flags (flags win):
//   --clients / BENCH_CLIENTS        WebSocket clients in the workload (default 1000)
//   --idle / BENCH_IDLE              idle connections for the memory test, 0 to skip (default 10000)
//   --seconds / BENCH_SECONDS        length of each rate step (default 5)
//   --group-rates / BENCH_GROUP_RATES  offered deliveries/s for the one-group phase, comma-separated
//   --pair-rates / BENCH_PAIR_RATES    offered deliveries/s for the 1-to-1 phase
//   --max-p99 / BENCH_MAX_P99        ms; a step with a higher p99 ends the ladder (default 1000)
//   --drain / BENCH_DRAIN            ms to wait without progress for missing deliveries (default 1500)
//   --quiet / BENCH_QUIET            ms a step may wait for other processes to go quiet (default 5000)
//   --targets / BENCH_TARGETS        herald,reference (default both)
//   --quick / BENCH_QUICK=1          small run, under two minutes
export type TargetName = 'herald' | 'reference';

export interface BenchOptions {
  clients: number;
  idle: number;
  seconds: number;
  groupRates: number[];
  pairRates: number[];
  maxP99Ms: number;
  drainMs: number;
  quietMs: number;
  targets: TargetName[];
  quick: boolean;
}

const FULL = {
  clients: 1000,
  idle: 10_000,
  seconds: 5,
  groupRates: [2_000, 5_000, 10_000, 25_000, 50_000, 75_000, 100_000, 150_000, 200_000],
  pairRates: [250, 500, 1_000, 2_500, 5_000, 10_000, 20_000, 50_000],
  quietMs: 5000,
};
const QUICK = {
  clients: 200,
  idle: 2_000,
  seconds: 2,
  groupRates: [5_000, 25_000, 50_000, 100_000],
  pairRates: [500, 1_000, 2_500, 5_000],
  quietMs: 1000,
};

/** A setting the bench cannot run with; run.ts prints just the message. */
export class OptionsError extends Error {}

const NAMES = ['clients', 'idle', 'seconds', 'group-rates', 'pair-rates', 'max-p99', 'drain', 'quiet', 'targets', 'quick'];

/** BENCH_FOO_BAR from the environment, overridden by --foo-bar=... on the command line. */
function settings(argv: string[], env: Record<string, string | undefined>): (name: string) => string | undefined {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (m === null || !NAMES.includes(m[1])) throw new OptionsError(`unknown argument "${a}"; known: ${NAMES.map((n) => `--${n}=...`).join(' ')}`);
    flags.set(m[1], m[2] ?? '1');
  }
  return (name) => flags.get(name) ?? env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
}

function int(raw: string | undefined, def: number, name: string): number {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new OptionsError(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function list(raw: string | undefined, def: number[], name: string): number[] {
  if (raw === undefined || raw === '') return def;
  return raw.split(',').map((s) => int(s.trim(), 0, name));
}

export function parseOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions {
  const get = settings(argv, env);
  const quick = /^(1|true|yes)$/i.test(get('quick') ?? '');
  const d = quick ? QUICK : FULL;
  const clients = int(get('clients'), d.clients, 'clients');
  if (clients < 2 || clients % 2 !== 0) throw new OptionsError('clients must be an even number of at least 2 (the 1-to-1 phase pairs them)');
  const targets = (get('targets') ?? 'herald,reference').split(',').map((t) => t.trim());
  for (const t of targets) if (t !== 'herald' && t !== 'reference') throw new OptionsError(`unknown target "${t}"`);
  return {
    clients,
    idle: int(get('idle'), d.idle, 'idle'),
    seconds: int(get('seconds'), d.seconds, 'seconds') || 1,
    groupRates: list(get('group-rates'), d.groupRates, 'group-rates'),
    pairRates: list(get('pair-rates'), d.pairRates, 'pair-rates'),
    maxP99Ms: int(get('max-p99'), 1000, 'max-p99'),
    drainMs: int(get('drain'), 1500, 'drain'),
    quietMs: int(get('quiet'), d.quietMs, 'quiet'),
    targets: targets as TargetName[],
    quick,
  };
}
