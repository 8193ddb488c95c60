// Which kind of node holds a PostgreSQL database: one single node (no NATS), or any number of cluster
// nodes, never both. A single node caches what permission checks read (access-cache.ts), which is exact
// only while no other process writes, so a second process on the same database would leave a revoked
// role in force there. Each node holds a session advisory lock for its lifetime on a connection of its
// own, keyed by the schema (several Herald databases may be schemas of one PostgreSQL database):
// exclusive for a single node, shared for cluster nodes. A node that cannot take it does not start.
import pg from 'pg';

const NODE_LOCK_KEY = 7_243_002;

export type NodeKind = 'single' | 'cluster';

export class NodeLock {
  private lost = false;
  /** Called once if the lock's connection ends while the node runs (the lock went with it). */
  onLost: () => void = () => undefined;

  private constructor(private readonly client: pg.Client) {
    const lose = () => {
      if (this.lost) return;
      this.lost = true;
      this.onLost();
    };
    client.on('error', lose);
    client.on('end', lose);
  }

  /**
   * Takes the lock, retrying for `waitMs` (a restarted node's previous session may take a moment to end);
   * then fails with a message that says what to change.
   */
  static async take(url: string, kind: NodeKind, waitMs: number): Promise<NodeLock> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    client.on('error', () => undefined); // until the NodeLock listens
    await client.connect();
    const fn = kind === 'single' ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
    const deadline = Date.now() + waitMs;
    try {
      for (;;) {
        const { rows } = await client.query<{ ok: boolean }>(`select ${fn}(${NODE_LOCK_KEY}, hashtext(current_schema())) as ok`);
        if (rows[0]?.ok) return new NodeLock(client);
        if (Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    await client.end().catch(() => undefined);
    throw new Error(
      kind === 'single'
        ? 'another Herald process is using this database: a process without HERALD_NATS_URL must be its only one (run every process as a cluster node, with HERALD_NATS_URL, to share it)'
        : 'a Herald process without HERALD_NATS_URL is using this database: stop it, or run it as a cluster node too (HERALD_NATS_URL)',
    );
  }

  async close(): Promise<void> {
    this.lost = true; // an end we asked for is not a loss
    await this.client.end().catch(() => undefined);
  }
}
