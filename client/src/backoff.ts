// Reconnect delays: exponential backoff with full jitter (a uniform delay in [min, cap], cap growing by
// `factor` per failed attempt up to `maxMs`), so a thousand clients dropped together do not return together.

export interface BackoffOptions {
  /** The cap of the first retry. */
  initialMs: number;
  /** The cap never grows beyond this. */
  maxMs: number;
  factor: number;
  /** A floor for every delay (0: full jitter). */
  minMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, minMs: 0 };

/** The options with defaults filled in and bounds made consistent (min ≤ initial ≤ max, factor ≥ 1). */
export function backoffOptions(o: Partial<BackoffOptions> = {}): BackoffOptions {
  const maxMs = Math.max(0, o.maxMs ?? DEFAULT_BACKOFF.maxMs);
  const initialMs = Math.min(maxMs, Math.max(0, o.initialMs ?? DEFAULT_BACKOFF.initialMs));
  const minMs = Math.min(initialMs, Math.max(0, o.minMs ?? DEFAULT_BACKOFF.minMs));
  return { initialMs, maxMs, minMs, factor: Math.max(1, o.factor ?? DEFAULT_BACKOFF.factor) };
}

/** The delay before retry number `attempt` (0 for the first retry); `random` returns a float in [0, 1). */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const cap = Math.min(o.maxMs, o.initialMs * Math.pow(o.factor, Math.min(64, Math.max(0, attempt))));
  return Math.floor(o.minMs + random() * (cap - o.minMs));
}
