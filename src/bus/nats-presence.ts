// Presence across nodes on NATS JetStream KV. Two buckets per cluster prefix:
//  - `<prefix>_presence`: one key per online user, `u.<id>` → {node: connections}, changed only by
//    compare-and-set (the key's revision), so "first connection anywhere" and "last one" are decided once;
//  - `<prefix>_leases`: one key per live node, `n.<node>`, renewed every lease/3, in a bucket whose TTL is
//    the lease: a node that stops renewing (kill -9, partition) loses its key after one lease.
// Every node lists the leases at each heartbeat; when a node it saw disappears, it sweeps the presence
// bucket and removes the dead node's counts by CAS. The node whose CAS took a user's total to zero reports
// that user offline: exactly once in the cluster. A node without expiry handlers passes the report on to
// one node that has them (a NATS queue group).
import { StorageType, nanos, type KV, type KvEntry, type NatsConnection, type Subscription } from 'nats';
import type { PresenceManager } from './bus.js';
import { LocalCounts } from './local-counts.js';

type Counts = Record<string, number>;

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Compare-and-set retries before giving up (only under heavy contention on one user). */
const CAS_ATTEMPTS = 50;
/** A full sweep every this many heartbeats, whatever the listings showed. */
const SWEEP_EVERY = 30;

export interface NatsPresenceOptions {
  prefix: string;
  node: string;
  leaseMs: number;
  onError(err: unknown, where: string): void;
}

/** KV bucket names allow [A-Za-z0-9_-]; subject prefixes may contain dots. */
export const bucketBase = (prefix: string): string => prefix.replace(/[^A-Za-z0-9_-]/g, '_');

const sum = (c: Counts): number => Object.values(c).reduce((a, b) => a + b, 0);

/** The server refused a write because the key changed since it was read (JetStream error 10071). */
function isCasConflict(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string } | null;
  return e?.api_error?.err_code === 10071 || /wrong last sequence/i.test(String(e?.message ?? ''));
}

function parseCounts(e: KvEntry | null): Counts {
  if (e === null || e.operation !== 'PUT' || e.value.length === 0) return {};
  try {
    const v = JSON.parse(dec.decode(e.value)) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
    const out: Counts = {};
    for (const [k, n] of Object.entries(v as Record<string, unknown>)) if (typeof n === 'number' && Number.isInteger(n) && n > 0) out[k] = n;
    return out;
  } catch {
    return {};
  }
}

export class NatsPresence implements PresenceManager {
  /** This node's connections per user: the truth it re-announces if its lease ever lapsed. */
  private readonly local = new LocalCounts();
  private readonly handlers = new Set<(ids: readonly number[]) => void>();
  /** Nodes with a lease at the last listing. */
  private seen = new Set<string>();
  private swept = false;
  /** Heartbeats since the last sweep: a full sweep also runs now and then, for a node that came and went unseen. */
  private sinceSweep = 0;
  private announced = false;
  private beating: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private queueSub: Subscription | null = null;
  private closed = false;
  private failing = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly counts: KV,
    private readonly leases: KV,
    private readonly o: NatsPresenceOptions,
  ) {}

  static async open(nc: NatsConnection, o: NatsPresenceOptions): Promise<NatsPresence> {
    const js = nc.jetstream();
    const base = bucketBase(o.prefix);
    const counts = await js.views.kv(`${base}_presence`, { history: 1, storage: StorageType.File });
    const leases = await js.views.kv(`${base}_leases`, { history: 1, ttl: o.leaseMs, storage: StorageType.File });
    if ((await leases.status()).ttl !== o.leaseMs) {
      // The bucket was made with another HERALD_PRESENCE_LEASE_SECONDS: the last node started sets it.
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info(`KV_${base}_leases`);
      const age = nanos(o.leaseMs);
      await jsm.streams.update(info.config.name, { ...info.config, max_age: age, duplicate_window: Math.min(info.config.duplicate_window, age) });
    }
    const p = new NatsPresence(nc, counts, leases, o);
    await p.heartbeat();
    p.timer = setInterval(() => void p.heartbeat(), Math.max(20, Math.floor(o.leaseMs / 3)));
    p.timer.unref();
    return p;
  }

  private get goneSubject(): string {
    return `${this.o.prefix}.presence.gone`;
  }

  // ---- PresenceManager ------------------------------------------------------------------------------

  async connect(userId: number): Promise<boolean> {
    this.local.up(userId);
    const { before, after } = await this.setMine(userId);
    return before === 0 && after > 0;
  }

  async disconnect(userId: number): Promise<boolean> {
    if (!this.local.down(userId)) return false;
    const { before, after } = await this.setMine(userId);
    return before > 0 && after === 0;
  }

  async online(userIds: readonly number[]): Promise<Set<number>> {
    const entries = await Promise.all(userIds.map((id) => this.counts.get(`u.${id}`)));
    return new Set(userIds.filter((_, i) => sum(parseCounts(entries[i])) > 0));
  }

  onExpired(handler: (userIds: readonly number[]) => void): () => void {
    this.handlers.add(handler);
    // Only nodes that act on reports join the queue group: a report goes to exactly one of them.
    this.queueSub ??= this.nc.subscribe(this.goneSubject, {
      queue: `${this.o.prefix}.presence`,
      callback: (err, msg) => {
        if (err) return this.o.onError(err, 'presence report');
        try {
          const ids = JSON.parse(dec.decode(msg.data)) as unknown;
          if (Array.isArray(ids)) this.notify(ids.filter((x): x is number => Number.isInteger(x)));
        } catch (e) {
          this.o.onError(e, 'presence report');
        }
      },
    });
    return () => {
      this.handlers.delete(handler);
      if (this.handlers.size === 0) {
        this.queueSub?.unsubscribe();
        this.queueSub = null;
      }
    };
  }

  // ---- counts ---------------------------------------------------------------------------------------

  /** Sets this node's count of the user to its local figure (absolute, so a repeat changes nothing). */
  private setMine(userId: number): Promise<{ before: number; after: number }> {
    return this.change(userId, (c) => {
      const mine = this.local.get(userId) ?? 0;
      if (mine > 0) c[this.o.node] = mine;
      else delete c[this.o.node];
      return true;
    });
  }

  /** Read, change, compare-and-set; `fn` returns false to leave the key as it is. */
  private async change(userId: number, fn: (c: Counts) => boolean): Promise<{ before: number; after: number }> {
    const key = `u.${userId}`;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const e = await this.counts.get(key);
      const c = parseCounts(e);
      const before = sum(c);
      if (!fn(c)) return { before, after: before };
      const after = sum(c);
      try {
        const previousSeq = e?.revision ?? 0;
        // An offline user's key is deleted (a tombstone, skipped by listings), so a sweep reads online users only.
        if (after === 0 && e !== null && e.operation === 'PUT') await this.counts.delete(key, { previousSeq });
        else if (after > 0) await this.counts.put(key, enc.encode(JSON.stringify(c)), { previousSeq });
        return { before, after };
      } catch (err) {
        if (!isCasConflict(err)) throw err;
      }
    }
    throw new Error(`presence of user ${userId}: compare-and-set kept conflicting`);
  }

  // ---- leases ---------------------------------------------------------------------------------------

  /** Renews this node's lease, then looks for nodes whose lease ran out. One at a time. */
  heartbeat(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.beating ??= this.beat().finally(() => (this.beating = null));
    return this.beating;
  }

  private async beat(): Promise<void> {
    try {
      const key = `n.${this.o.node}`;
      const had = await this.leases.get(key);
      await this.leases.put(key, enc.encode(String(Date.now())));
      if (this.announced && (had === null || had.operation !== 'PUT' || this.failing)) {
        // Our lease lapsed while we were alive (a long pause, a NATS restart that lost it), or writes
        // failed during an outage: others may have dropped our counts, or ours are stale; put them back.
        for (const userId of this.local.keys()) await this.setMine(userId);
      }
      this.announced = true;
      const live = new Set<string>();
      for await (const k of await this.leases.keys('n.>')) live.add(k.slice(2));
      const gone = [...this.seen].filter((n) => !live.has(n));
      this.seen = live;
      if (gone.length > 0 || !this.swept || ++this.sinceSweep >= SWEEP_EVERY) {
        await this.sweep();
        this.swept = true;
        this.sinceSweep = 0;
      }
      if (gone.length > 0) for (const h of this.goneHandlers) this.guard(() => h(gone), 'nodes gone');
      this.failing = false;
    } catch (err) {
      // Reported once per outage (NATS down: every heartbeat fails until it is back).
      if (!this.closed && !this.failing) this.o.onError(err, 'presence heartbeat');
      this.failing = true;
    }
  }

  /** Removes the counts of every node without a lease; reports the users that thereby went offline. */
  private async sweep(): Promise<void> {
    const alive = new Map<string, boolean>([[this.o.node, true]]);
    const isAlive = async (node: string): Promise<boolean> => {
      let a = alive.get(node);
      if (a === undefined) {
        // Checked again here: a node that started after our listing has a lease by the time it has counts.
        const e = await this.leases.get(`n.${node}`);
        a = e !== null && e.operation === 'PUT';
        alive.set(node, a);
      }
      return a;
    };
    const offline: number[] = [];
    const keys: string[] = [];
    for await (const k of await this.counts.keys('u.>')) keys.push(k);
    for (const key of keys) {
      const userId = Number(key.slice(2));
      if (!Number.isInteger(userId)) continue;
      const dead = new Set<string>();
      for (const node of Object.keys(parseCounts(await this.counts.get(key)))) if (!(await isAlive(node))) dead.add(node);
      if (dead.size === 0) continue;
      const { before, after } = await this.change(userId, (c) => {
        let changed = false;
        for (const node of Object.keys(c)) {
          if (dead.has(node)) {
            delete c[node];
            changed = true;
          }
        }
        return changed;
      });
      if (before > 0 && after === 0) offline.push(userId);
    }
    if (offline.length > 0) this.report(offline);
  }

  /** Tells one live node that acts on reports: this one if it does, else one in the queue group. */
  private report(userIds: readonly number[]): void {
    if (this.handlers.size > 0) this.notify(userIds);
    else this.nc.publish(this.goneSubject, enc.encode(JSON.stringify(userIds)));
  }

  private readonly goneHandlers = new Set<(nodes: readonly string[]) => void>();

  onNodesGone(handler: (nodes: readonly string[]) => void): () => void {
    this.goneHandlers.add(handler);
    return () => this.goneHandlers.delete(handler);
  }

  private guard(fn: () => void, where: string): void {
    try {
      fn();
    } catch (err) {
      this.o.onError(err, where);
    }
  }

  private notify(userIds: readonly number[]): void {
    for (const h of this.handlers) {
      try {
        h(userIds);
      } catch (err) {
        this.o.onError(err, 'presence expiry');
      }
    }
  }

  /** The connection to NATS came back: counts written meanwhile may have failed; re-announce them. */
  reconnected(): Promise<void> {
    this.failing = true;
    return this.heartbeat();
  }

  /** Stops renewing (a crash, for tests: nothing is released). */
  stop(): void {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Leaves cleanly: this node's counts go at once, and the users left offline are reported to another node. */
  async release(): Promise<void> {
    this.stop();
    await this.beating?.catch(() => undefined);
    this.queueSub?.unsubscribe();
    this.queueSub = null;
    this.handlers.clear();
    const offline: number[] = [];
    for (const userId of [...this.local.keys()]) {
      this.local.delete(userId);
      try {
        const { before, after } = await this.setMine(userId);
        if (before > 0 && after === 0) offline.push(userId);
      } catch (err) {
        this.o.onError(err, 'presence release');
      }
    }
    await this.leases.delete(`n.${this.o.node}`).catch((err: unknown) => this.o.onError(err, 'presence release'));
    if (offline.length > 0) this.nc.publish(this.goneSubject, enc.encode(JSON.stringify(offline)));
  }
}

/** Deletes a cluster prefix's presence buckets (tests, or an operator retiring a cluster). */
export async function destroyPresenceBuckets(nc: NatsConnection, prefix: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const base = bucketBase(prefix);
  for (const name of [`KV_${base}_presence`, `KV_${base}_leases`]) await jsm.streams.delete(name).catch(() => false);
}
