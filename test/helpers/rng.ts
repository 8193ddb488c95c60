// A seeded pseudo-random generator for reproducible chaos and fuzzing: the same seed gives the same run.
// mulberry32 (public domain), five lines; fast-check's generators are built for shrinking properties,
// not for driving a long scripted run.

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** A new generator whose sequence depends only on this seed and `label` (one stream per client, per surface). */
  fork(label: string): Rng {
    let h = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Rng(h >>> 0);
  }
}

/** The run's seed: HERALD_TEST_SEED when given (to replay a failure), else `fallback`. Printed by the tests. */
export function seedOf(fallback: number): number {
  const s = process.env.HERALD_TEST_SEED;
  return s !== undefined && s !== '' ? Number(s) >>> 0 : fallback;
}
