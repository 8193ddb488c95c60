// Readings from /proc: the open-file limit, and CPU time, per process and for the whole machine, so a
// step can tell how much of the machine other processes took (the bench shares two cores with them).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}
const MICROS_PER_TICK = 1e6 / clockTicksPerSecond();

/** Soft limit on open files of this process (the servers inherit it). */
export function openFileLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m === null || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/** User + system CPU time of every thread of process `pid`, in microseconds (clock-tick resolution). */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name start at field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK;
}

/** Busy CPU time of all cores together (all but idle and iowait), in microseconds. */
export function machineBusyMicros(): number {
  const t = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) * MICROS_PER_TICK;
}

/**
 * Waits, up to `maxMs`, for a half second in which processes other than the bench (and the server
 * `pid`) used under a quarter of one core: a step started under a neighbour's burst measures the burst.
 */
export async function waitForQuiet(pid: number, maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  do {
    const busy0 = machineBusyMicros();
    const own0 = processCpuMicros(pid) + processCpuMicros(process.pid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const others = machineBusyMicros() - busy0 - (processCpuMicros(pid) + processCpuMicros(process.pid) - own0);
    if (others < 0.25 * 500_000) return;
  } while (performance.now() < deadline);
}
