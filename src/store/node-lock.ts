// Which kind of node holds a PostgreSQL database: one single node (no NATS), or any number of cluster
// nodes, never both. A single node caches what permission checks read (access-cache.ts), which is exact
// only while no other process writes, so a second process on the same database would leave a revoked
// role in force there. Each node holds a session advisory lock for its lifetime on a connection of its
// own, keyed by the schema (several Herald databases may be schemas of one PostgreSQL database):
// exclusive for a single node, shared for cluster nodes. A node that cannot take it does not start.
import pg from 'pg';

const NODE_LOCK_KEY = 7_243_002;

export type NodeKind = 'single' | 'cluster';

/** How often a node that lost its lock (its connection ended: a database restart) tries to take it again. */
const RETAKE_EVERY_MS = 500;

export class NodeLock {
  private closed = false;
  /** False from the loss of the lock's connection until the lock is taken again: the node must not write. */
  held = true;
  private retaking: NodeJS.Timeout | null = null;
  /** Called when the lock's connection ends while the node runs (the lock went with it). */
  onLost: () => void = () => undefined;
  /** Called when a node that lost the lock holds it again. */
  onRegained: () => void = () => undefined;

  private constructor(
    private client: pg.Client,
    /** The backend holding the lock: a write transaction checks it still does (`stillHeld`). */
    private pid: number,
    private readonly url: string,
    private readonly kind: NodeKind,
  ) {
    this.watch(client);
  }

  /**
   * A statement for a write transaction, after it took the writer lock: it fails (as a lost connection
   * does, so the writes get `unavailable`) unless this node still holds its lock. Another kind of node can
   * take the lock only once this one lost it, and can write only under the writer lock, so a batch that
   * passed this check commits before that node reads anything.
   */
  stillHeld(): string {
    return `do $$ begin if not exists (select 1 from pg_locks where locktype = 'advisory' and granted and pid = ${this.pid}) then raise exception 'this node lost its database lock' using errcode = '57P01'; end if; end $$`;
  }

  /**
   * Takes the lock, retrying for `waitMs` (a restarted node's previous session may take a moment to end);
   * then fails with a message that says what to change.
   */
  static async take(url: string, kind: NodeKind, waitMs: number): Promise<NodeLock> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const held = await tryLock(url, kind);
      if (held !== null) return new NodeLock(held.client, held.pid, url, kind);
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      kind === 'single'
        ? 'another Herald process is using this database: a process without HERALD_NATS_URL must be its only one (run every process as a cluster node, with HERALD_NATS_URL, to share it)'
        : 'a Herald process without HERALD_NATS_URL is using this database: stop it, or run it as a cluster node too (HERALD_NATS_URL)',
    );
  }

  private watch(client: pg.Client): void {
    let gone = false;
    const lose = () => {
      if (gone || this.closed) return;
      gone = true;
      this.held = false;
      this.onLost();
      this.retaking = setInterval(() => void this.retake(), RETAKE_EVERY_MS);
    };
    client.on('error', lose);
    client.on('end', lose);
  }

  private async retake(): Promise<void> {
    const held = await tryLock(this.url, this.kind).catch(() => null);
    if (held === null) return;
    if (this.closed || this.retaking === null) return void held.client.end().catch(() => undefined);
    clearInterval(this.retaking);
    this.retaking = null;
    this.client = held.client;
    this.pid = held.pid;
    this.watch(held.client);
    this.held = true;
    this.onRegained();
  }

  async close(): Promise<void> {
    this.closed = true; // an end we asked for is not a loss
    if (this.retaking !== null) clearInterval(this.retaking);
    await this.client.end().catch(() => undefined);
  }
}

/** A connection holding the lock (and its backend's pid), or null when another kind of node holds it. */
async function tryLock(url: string, kind: NodeKind): Promise<{ client: pg.Client; pid: number } | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  client.on('error', () => undefined); // a lost lock is reported through watch()
  try {
    await client.connect();
    const fn = kind === 'single' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
    const { rows } = await client.query<{ ok: boolean; pid: number }>(`select ${fn}(${NODE_LOCK_KEY}, hashtext(current_schema())) as ok, pg_backend_pid() as pid`);
    if (rows[0]?.ok) return { client, pid: rows[0].pid };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  await client.end().catch(() => undefined);
  return null;
}
