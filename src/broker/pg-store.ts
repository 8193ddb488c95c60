// The broker's state in PostgreSQL, shared by the nodes of a cluster: a persistent MQTT session written by
// one node is loaded by the node the client reconnects to (Lifecycle.find reads the store when a client id
// is not in memory), and retained messages are read from here, so a node that starts later has them too.
// Records are stored as JSON (Buffers as {"$b": base64}); the tables are created on open, under an
// advisory lock so nodes starting together do not race. STOMP queues stay in each node's memory in a
// cluster (`queues: false`): their ids are per node and would collide here (UNFINISHED).
import pg from 'pg';
import type { BrokerMessage } from './message.js';
import type { BrokerStore, InflightRecord, QueueEntryRecord, QueueLoad, QueuedRecord, SessionLoad, SessionRecord, StoreOp, SubscriptionRecord, WillRecord } from './store.js';
import { topicMatches } from './topic.js';

const SCHEMA = [
  'create table if not exists broker_sessions (client_id text primary key, record jsonb not null)',
  'create table if not exists broker_subs (client_id text not null, key text not null, record jsonb not null, primary key (client_id, key))',
  'create table if not exists broker_inflight (client_id text not null, packet_id integer not null, seq bigint not null, record jsonb not null, primary key (client_id, packet_id))',
  'create table if not exists broker_queued (client_id text not null, seq bigint not null, record jsonb not null, primary key (client_id, seq))',
  'create table if not exists broker_incoming (client_id text not null, packet_id integer not null, primary key (client_id, packet_id))',
  'create table if not exists broker_wills (client_id text primary key, record jsonb not null)',
  'create table if not exists broker_retained (topic text primary key, created_at bigint not null, record jsonb not null)',
  'create table if not exists broker_queues (queue text not null, id bigint not null, record jsonb not null, primary key (queue, id))',
  // Which node holds each session in memory (a cluster): a dead node's rows are adopted by one live node.
  'create table if not exists broker_holders (client_id text primary key, node text not null)',
];
const PER_CLIENT = ['broker_subs', 'broker_inflight', 'broker_queued', 'broker_incoming', 'broker_wills', 'broker_sessions'];

/** JSON with Buffers kept exactly (JSON.stringify would turn them into byte arrays). */
function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const orig = this[key];
    return Buffer.isBuffer(orig) ? { $b: orig.toString('base64') } : v;
  });
}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0] === '$b' && typeof o.$b === 'string') return Buffer.from(o.$b, 'base64');
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = revive(o[k]);
  return out;
}

/** jsonb comes back parsed; Buffers are revived. */
const decode = <T>(record: unknown): T => revive(record) as T;

export interface PgBrokerStoreOptions {
  /** Store STOMP queues (one node per database only). */
  queues: boolean;
  onError(err: Error): void;
}

export class PgBrokerStore implements BrokerStore {
  private readonly pool: pg.Pool;
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    url: string,
    private readonly o: PgBrokerStoreOptions,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000, keepAlive: true });
    this.pool.on('error', o.onError);
  }

  static async open(url: string, o: PgBrokerStoreOptions): Promise<PgBrokerStore> {
    const s = new PgBrokerStore(url, o);
    await s.tx(async (c) => {
      await c.query("select pg_advisory_xact_lock(hashtext('herald broker schema'))");
      for (const sql of SCHEMA) await c.query(sql);
    });
    return s;
  }

  private async tx(fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('begin');
      await fn(c);
      await c.query('commit');
    } catch (err) {
      await c.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  apply(ops: readonly StoreOp[]): Promise<void> {
    // In call order, each batch in one transaction.
    const run = this.chain.then(() => (ops.length === 0 ? undefined : this.tx((c) => this.applyAll(c, ops))));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async applyAll(c: pg.PoolClient, ops: readonly StoreOp[]): Promise<void> {
    for (const op of ops) {
      switch (op.op) {
        case 'session.put':
          await c.query('insert into broker_sessions (client_id, record) values ($1, $2) on conflict (client_id) do update set record = excluded.record', [op.session.clientId, encode(op.session)]);
          break;
        case 'session.delete':
          for (const t of PER_CLIENT) await c.query(`delete from ${t} where client_id = $1`, [op.clientId]);
          break;
        case 'sub.put':
          await c.query('insert into broker_subs (client_id, key, record) values ($1, $2, $3) on conflict (client_id, key) do update set record = excluded.record', [op.clientId, op.sub.key, encode(op.sub)]);
          break;
        case 'sub.delete':
          await c.query('delete from broker_subs where client_id = $1 and key = $2', [op.clientId, op.key]);
          break;
        case 'retained.put':
          // A relayed copy of an older message never replaces a newer one.
          await c.query(
            'insert into broker_retained (topic, created_at, record) values ($1, $2, $3) on conflict (topic) do update set created_at = excluded.created_at, record = excluded.record where broker_retained.created_at <= excluded.created_at',
            [op.message.topic, op.message.createdAt, encode(op.message)],
          );
          break;
        case 'retained.delete':
          if (op.createdAt === undefined) await c.query('delete from broker_retained where topic = $1', [op.topic]);
          else await c.query('delete from broker_retained where topic = $1 and created_at = $2', [op.topic, op.createdAt]);
          break;
        case 'inflight.put':
          await c.query('insert into broker_inflight (client_id, packet_id, seq, record) values ($1, $2, $3, $4) on conflict (client_id, packet_id) do update set seq = excluded.seq, record = excluded.record', [
            op.clientId,
            op.record.packetId,
            op.record.seq,
            encode(op.record),
          ]);
          break;
        case 'inflight.delete':
          await c.query('delete from broker_inflight where client_id = $1 and packet_id = $2', [op.clientId, op.packetId]);
          break;
        case 'queued.put':
          await c.query('insert into broker_queued (client_id, seq, record) values ($1, $2, $3) on conflict (client_id, seq) do update set record = excluded.record', [op.clientId, op.record.seq, encode(op.record)]);
          break;
        case 'queued.delete':
          await c.query('delete from broker_queued where client_id = $1 and seq = $2', [op.clientId, op.seq]);
          break;
        case 'incoming.put':
          await c.query('insert into broker_incoming (client_id, packet_id) values ($1, $2) on conflict do nothing', [op.clientId, op.packetId]);
          break;
        case 'incoming.delete':
          await c.query('delete from broker_incoming where client_id = $1 and packet_id = $2', [op.clientId, op.packetId]);
          break;
        case 'will.put':
          await c.query('insert into broker_wills (client_id, record) values ($1, $2) on conflict (client_id) do update set record = excluded.record', [op.clientId, encode(op.will)]);
          break;
        case 'will.delete':
          await c.query('delete from broker_wills where client_id = $1', [op.clientId]);
          break;
        case 'queue.put':
          if (this.o.queues) await c.query('insert into broker_queues (queue, id, record) values ($1, $2, $3) on conflict (queue, id) do update set record = excluded.record', [op.queue, op.entry.id, encode(op.entry)]);
          break;
        case 'queue.delete':
          if (this.o.queues) await c.query('delete from broker_queues where queue = $1 and id = $2', [op.queue, op.id]);
          break;
      }
    }
  }

  private async load(clientId: string, session: SessionRecord): Promise<SessionLoad> {
    const q = (sql: string) => this.pool.query<{ record: unknown; packet_id?: number }>(sql, [clientId]);
    const [subs, inflight, queued, incoming, will] = await Promise.all([
      q('select record from broker_subs where client_id = $1'),
      q('select record from broker_inflight where client_id = $1 order by seq'),
      q('select record from broker_queued where client_id = $1 order by seq'),
      q('select packet_id, null as record from broker_incoming where client_id = $1 order by packet_id'),
      q('select record from broker_wills where client_id = $1'),
    ]);
    return {
      session,
      subscriptions: subs.rows.map((r) => decode<SubscriptionRecord>(r.record)),
      inflight: inflight.rows.map((r) => decode<InflightRecord>(r.record)),
      queued: queued.rows.map((r) => decode<QueuedRecord>(r.record)),
      incomingQos2: incoming.rows.map((r) => Number(r.packet_id)),
      will: will.rows.length > 0 ? decode<WillRecord>(will.rows[0].record) : null,
    };
  }

  async listSessions(): Promise<SessionLoad[]> {
    await this.chain;
    const rows = (await this.pool.query<{ client_id: string; record: unknown }>('select client_id, record from broker_sessions')).rows;
    return Promise.all(rows.map((r) => this.load(r.client_id, decode<SessionRecord>(r.record))));
  }

  async loadSession(clientId: string): Promise<SessionLoad | undefined> {
    await this.chain;
    const r = await this.pool.query<{ record: unknown }>('select record from broker_sessions where client_id = $1', [clientId]);
    return r.rows.length === 0 ? undefined : this.load(clientId, decode<SessionRecord>(r.rows[0].record));
  }

  async matchRetained(filter: string): Promise<BrokerMessage[]> {
    await this.chain;
    // The literal levels before the first wildcard narrow the read; topicMatches decides.
    const levels = filter.split('/');
    const wild = levels.findIndex((l) => l === '+' || l === '#');
    let rows: { record: unknown }[];
    if (wild === -1) rows = (await this.pool.query<{ record: unknown }>('select record from broker_retained where topic = $1', [filter])).rows;
    else if (wild === 0) rows = (await this.pool.query<{ record: unknown }>('select record from broker_retained')).rows;
    else {
      const prefix = levels.slice(0, wild).join('/') + '/';
      rows = (await this.pool.query<{ record: unknown }>('select record from broker_retained where left(topic, $2) = $1 or topic = $3', [prefix, prefix.length, prefix.slice(0, -1)])).rows;
    }
    return rows.map((r) => decode<BrokerMessage>(r.record)).filter((m) => topicMatches(filter, m.topic));
  }

  async listQueues(): Promise<QueueLoad[]> {
    await this.chain;
    const rows = (await this.pool.query<{ queue: string; record: unknown }>('select queue, record from broker_queues order by queue, id')).rows;
    const out = new Map<string, QueueEntryRecord[]>();
    for (const r of rows) {
      let list = out.get(r.queue);
      if (!list) out.set(r.queue, (list = []));
      list.push(decode<QueueEntryRecord>(r.record));
    }
    return [...out].map(([name, entries]) => ({ name, entries }));
  }

  async maxSequence(): Promise<number> {
    await this.chain;
    const r = await this.pool.query<{ m: string | null }>(
      'select greatest((select max(seq) from broker_inflight), (select max(seq) from broker_queued), (select max(id) from broker_queues)) as m',
    );
    return Number(r.rows[0]?.m ?? 0);
  }

  /** This node holds the session now (it connected here). */
  async hold(clientId: string, node: string): Promise<void> {
    await this.pool.query('insert into broker_holders (client_id, node) values ($1, $2) on conflict (client_id) do update set node = excluded.node', [clientId, node]);
  }

  /** The session ended here. */
  async release(clientId: string, node: string): Promise<void> {
    await this.pool.query('delete from broker_holders where client_id = $1 and node = $2', [clientId, node]);
  }

  /** Moves the sessions held by dead nodes to `node`; one statement, so each is adopted by exactly one node. */
  async adopt(dead: readonly string[], node: string): Promise<string[]> {
    if (dead.length === 0) return [];
    await this.chain;
    const r = await this.pool.query<{ client_id: string }>('update broker_holders set node = $1 where node = any($2::text[]) returning client_id', [node, [...dead]]);
    return r.rows.map((x) => x.client_id);
  }

  /** Empties every broker table (tests). */
  async clear(): Promise<void> {
    await this.chain;
    await this.pool.query(`truncate ${[...PER_CLIENT, 'broker_retained', 'broker_queues', 'broker_holders'].join(', ')}`);
  }

  async close(): Promise<void> {
    await this.chain;
    await this.pool.end();
  }
}
