// Memory per idle connection: server RSS with `count` open, welcomed, idle WebSocket connections minus
// RSS before them, both read after a full GC in the server. On Herald each connection is authenticated
// as one of the bench users (round-robin), so several connections share a user.
import { Fleet } from './fleet.js';
import type { Target } from './target.js';
import { sleep } from './util.js';

export interface IdleResult {
  connections: number;
  rssBefore: number;
  rssAfter: number;
  bytesPerConnection: number;
  connectSeconds: number;
}

/** Connection numbers far past the bench clients, so the reference keeps them apart. */
const IDLE_BASE = 1_000_000;

async function settledRss(target: Target): Promise<number> {
  await target.server.gc();
  await sleep(500);
  return target.server.rssBytes();
}

export async function measureIdle(target: Target, count: number): Promise<IdleResult> {
  const rssBefore = await settledRss(target);
  const t0 = performance.now();
  const fleet = await Fleet.connect(target, count, IDLE_BASE, () => undefined, 200);
  const connectSeconds = (performance.now() - t0) / 1000;
  // Let work started by the connections (presence writes, timers) finish before measuring.
  await sleep(2000);
  const rssAfter = await settledRss(target);
  await fleet.close();
  await sleep(1000);
  return { connections: count, rssBefore, rssAfter, bytesPerConnection: (rssAfter - rssBefore) / count, connectSeconds };
}
