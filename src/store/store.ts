// The Store: one schema and one query layer (kysely) over two drivers, SQLite (default) and PostgreSQL.
// Writes are serialised: one writer queue per process, plus a transaction-scoped advisory lock on Postgres,
// so the event log's positions (head + 1 under the lock) follow commit order across every node. Writes
// that queue up together commit together (group commit): one transaction in which a failing write fails
// alone (a savepoint each on SQLite; on PostgreSQL, where each statement is a round trip, a redo when
// needed), one fsync for all of them. On SQLite that fsync runs off the main thread (wal-flush.ts) while
// the next batch's writes queue. The writer caches what permission checks read (access-cache.ts).
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Logger } from 'pino';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DB } from './schema.js';
import { migrationProvider, type Flavor } from './migrations.js';
import { Repo, type Db } from './repo.js';
import { resilientPool } from './pg-pool.js';
import { AccessCache } from './access-cache.js';
import { NodeLock } from './node-lock.js';
import { WalFlusher, type FlushFn } from './wal-flush.js';
import { unavailable } from '../core/errors.js';

export interface Store {
  readonly flavor: Flavor;
  /**
   * Runs `fn` in a write transaction (possibly shared with other writes queued at the same time: each runs
   * in queue order, and a throwing `fn` rolls back only its own changes). The
   * promise settles once the transaction committed durably. `afterCommit` runs then, in commit order (the
   * next transaction may already run meanwhile), so callers can publish in commit order. A throwing
   * `afterCommit` never fails the committed write: it is reported to `onAfterCommitError` and the result
   * is returned. `fn` must do nothing but its work on `tx`: on PostgreSQL a batch in which a write failed
   * after a change is rolled back and its writes run again, each alone (`runPostgresBatch`).
   */
  write<T>(fn: (tx: Repo) => Promise<T>, afterCommit?: (result: T) => void): Promise<T>;
  /** Throws what `write` would refuse with right now (`unavailable`: a failed WAL flush, a lost node lock). */
  assertWritable(): void;
  /** Where a throwing `afterCommit` is reported (the composition root logs and counts it). */
  onAfterCommitError: (err: unknown) => void;
  /** Runs reads outside a transaction, once every write committed before the call is durable. */
  read<T>(fn: (r: Repo) => Promise<T>): Promise<T>;
  /**
   * Reads the latest committed state without waiting for it to be durable (up to one WAL flush sooner):
   * only for checks whose result no client sees as data, such as authentication's read of the user.
   */
  readLatest<T>(fn: (r: Repo) => Promise<T>): Promise<T>;
  /** Identifies this log; a new database means positions from an old one mean nothing. */
  epoch(): Promise<string>;
  close(): Promise<void>;
}

const WRITER_LOCK_KEY = 7_243_001;
const FLUSH_FAILED = () => unavailable('the database could not sync its log to disk; restart Herald');
const LOCK_LOST = () => unavailable('this node lost its database lock with its connection (node-lock.ts); retry in a few seconds');
/** At most this many queued writes share one transaction. */
const MAX_BATCH = 256;

interface QueuedWrite {
  fn: (tx: Repo) => Promise<unknown>;
  afterCommit?: (result: unknown) => void;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/** A PostgreSQL batch must be undone and its writes run one by one (see `runPostgresBatch`). */
class Redo extends Error {}

const PLAIN_SELECT = /^\s*select\b/i;

/**
 * What the writer learns from every statement the store runs (both drivers report them): how many may
 * have changed data or failed (a failed statement aborts a PostgreSQL transaction), so a write that threw
 * is known to have left its transaction clean or not; and the access cache sees every change. Only the
 * writer changes data, so one count for the whole store is exact; a read failing elsewhere only makes
 * the writer cautious.
 */
class StatementWatch {
  changes = 0;
  /** The log head as the last commit left it, kept only while the node is alone (it has a cache); null: read it. */
  head: number | null = null;

  constructor(public cache: AccessCache | null) {}

  /** Null while the node may not be alone on its database (its lock lost): the writer then reads permissions. */
  setCache(cache: AccessCache | null): void {
    this.forget();
    this.cache = cache;
  }

  /** After a rollback: what the cache and the head learnt in it may be gone. */
  forget(): void {
    this.cache?.clear();
    this.head = null;
  }

  /** The batch's Repo: the writer's cache and, while the node is alone, the head its last commit left. */
  repo(db: Db, deferAppends = false): Repo {
    return new Repo(db, { deferAppends, accessCache: this.cache, head: this.head });
  }

  committed(tx: Repo): void {
    this.head = this.cache !== null ? tx.log.headMark().head : null;
  }

  seen(text: string): void {
    if (PLAIN_SELECT.test(text)) return;
    this.changes++;
    this.cache?.observe(text);
  }

  failed(): void {
    this.changes++;
  }
}

class KyselyStore implements Store {
  private queue: QueuedWrite[] = [];
  private writing = false;
  private epochValue: string | null = null;
  /** SQLite with durable commits: flushes the WAL off the main thread (null: COMMIT is durable itself). */
  private wal: WalFlusher | null = null;
  /** PostgreSQL: the lock that says which kind of node this is (node-lock.ts), released at close. */
  nodeLock: NodeLock | null = null;
  /** Set when a WAL flush failed: nothing after it can be promised durable, so writes are refused. */
  private walFailed: unknown = null;
  onAfterCommitError: (err: unknown) => void = () => undefined;

  constructor(
    readonly flavor: Flavor,
    private readonly db: Kysely<DB>,
    private readonly watch: StatementWatch,
    private readonly log?: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {}

  /** From now on commits are made durable by `wal` (the connection must run with synchronous=NORMAL). */
  useWalFlusher(wal: WalFlusher): void {
    this.wal = wal;
  }

  async migrate(): Promise<void> {
    // kysely looks for its bookkeeping tables in every schema unless told which; pin it to ours so
    // several Herald databases can live as schemas of one Postgres database.
    const migrationTableSchema =
      this.flavor === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(this.db)).rows[0]?.s : undefined;
    const { error } = await new Migrator({ db: this.db, provider: migrationProvider(this.flavor), migrationTableSchema }).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
  }

  assertWritable(): void {
    if (this.walFailed !== null) throw FLUSH_FAILED();
    if (this.nodeLock?.held === false) throw LOCK_LOST();
  }

  write<T>(fn: (tx: Repo) => Promise<T>, afterCommit?: (result: T) => void): Promise<T> {
    if (this.walFailed !== null) return Promise.reject(FLUSH_FAILED());
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, afterCommit: afterCommit as ((r: unknown) => void) | undefined, resolve: resolve as (v: unknown) => void, reject });
      if (this.writing) return;
      this.writing = true;
      // One turn of the event loop lets writes arriving together (requests parsed in the same I/O phase)
      // join the first transaction; later ones queue up while it commits and form the next.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // While the last batch's WAL flush runs, writes keep queueing and commit after it as one bigger
      // batch: fewer commits (each writes its dirty pages) for the same latency, since a write committed
      // now would wait for that flush and then for its own anyway. A full batch does not wait.
      if (this.wal !== null && this.queue.length < MAX_BATCH) await this.wal.settled();
      // After a failed flush a later one may "succeed" over pages the kernel dropped: commit nothing more.
      if (this.walFailed !== null) for (const w of this.queue.splice(0)) w.reject(FLUSH_FAILED());
      // Without its node lock another kind of node may have started beside this one (node-lock.ts).
      else if (this.nodeLock?.held === false) for (const w of this.queue.splice(0)) w.reject(LOCK_LOST());
      else await this.commitBatch(this.queue.splice(0, MAX_BATCH));
    }
    this.writing = false;
  }

  private async commitBatch(batch: QueuedWrite[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = this.flavor === 'postgres' ? await this.runPostgresBatch(batch) : await this.runSqliteBatch(batch);
    } catch (err) {
      this.watch.forget();
      if (err instanceof Redo) {
        // A write failed after changing the transaction: each write again in a transaction of its own.
        for (const w of batch) await this.commitBatch([w]);
        return;
      }
      // Nothing committed (the lone write threw, or the commit itself failed): every write fails with it.
      for (const w of batch) w.reject(err);
      return;
    }
    if (this.wal === null) return this.settle(batch, outcomes);
    // Answered once the WAL holding this batch is flushed; flushes complete in commit order.
    this.wal.flush().then(
      () => this.settle(batch, outcomes),
      (err: unknown) => {
        // As PostgreSQL after a failed fsync: what the kernel dropped cannot be retried, so stop writing.
        // SQLite recovers from its WAL at the next start.
        this.walFailed ??= err;
        this.log?.error({ err }, 'sqlite: flushing the WAL failed; writes are refused until Herald restarts');
        for (const w of batch) w.reject(FLUSH_FAILED());
      },
    );
  }

  /**
   * SQLite: each write in its own savepoint (they cost ~1 µs there), so a failing one is undone alone. A
   * lone write needs none: if it throws, the whole transaction rolls back.
   */
  private async runSqliteBatch(batch: QueuedWrite[]): Promise<Outcome[]> {
    let tx: Repo | undefined;
    const outcomes = await this.db.transaction().execute(async (trx): Promise<Outcome[]> => {
      tx = this.watch.repo(trx);
      if (batch.length === 1) return [{ ok: true, value: await batch[0].fn(tx) }];
      const outcomes: Outcome[] = [];
      for (const w of batch) {
        const mark = tx.log.headMark();
        await sql`savepoint w`.execute(trx);
        const changes = this.watch.changes;
        try {
          outcomes.push({ ok: true, value: await w.fn(tx) });
        } catch (err) {
          // What the cache learnt from the write's changes is rolled back with them.
          if (this.watch.changes !== changes) this.watch.cache?.clear();
          await sql`rollback to savepoint w`.execute(trx);
          tx.log.restoreHead(mark);
          outcomes.push({ ok: false, err });
        }
        await sql`release savepoint w`.execute(trx);
      }
      return outcomes;
    });
    this.watch.committed(tx!);
    return outcomes;
  }

  /**
   * PostgreSQL: every statement is a round trip under the writer lock, so a batch spends as few as it can.
   * BEGIN and the lock go as one query; the log's appends are sent together before COMMIT (`deferAppends`);
   * and there are no savepoints. A write that throws before changing anything (a refused permission, a bad
   * reference: the usual failures, found by reads) fails alone and the batch goes on. One that throws after
   * a change, or on a failed statement (the transaction is then aborted), throws `Redo`: the batch rolls
   * back and each write runs again alone. That is rare, and costs one transaction per write of that batch.
   */
  private async runPostgresBatch(batch: QueuedWrite[]): Promise<Outcome[]> {
    return this.db.connection().execute(async (conn) => {
      const stillHeld = this.nodeLock === null ? '' : `; ${this.nodeLock.stillHeld()}`;
      try {
        await sql.raw(`begin; select pg_advisory_xact_lock(${WRITER_LOCK_KEY})${stillHeld}`).execute(conn);
        const tx = this.watch.repo(conn, true);
        const outcomes: Outcome[] = [];
        for (const w of batch) {
          const mark = tx.log.headMark();
          const changes = this.watch.changes;
          try {
            outcomes.push({ ok: true, value: await w.fn(tx) });
          } catch (err) {
            if (this.watch.changes !== changes) throw batch.length === 1 ? err : new Redo();
            tx.log.restoreHead(mark);
            outcomes.push({ ok: false, err });
          }
        }
        await tx.log.flushAppends();
        await sql`commit`.execute(conn);
        this.watch.committed(tx);
        return outcomes;
      } catch (err) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw err;
      }
    });
  }

  private settle(batch: QueuedWrite[], outcomes: Outcome[]): void {
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (!o.ok) return w.reject(o.err);
      try {
        w.afterCommit?.(o.value);
      } catch (err) {
        // Committed is committed: the caller must not retry a write that succeeded.
        this.onAfterCommitError(err);
      }
      w.resolve(o.value);
    });
  }

  async read<T>(fn: (r: Repo) => Promise<T>): Promise<T> {
    // Never show a reader what a power cut could still take back (a feed position it would resume from).
    if (this.wal !== null) await this.wal.settled();
    return fn(new Repo(this.db));
  }

  readLatest<T>(fn: (r: Repo) => Promise<T>): Promise<T> {
    return fn(new Repo(this.db));
  }

  async epoch(): Promise<string> {
    this.epochValue ??= (await new Repo(this.db).meta('epoch')) ?? 'unknown';
    return this.epochValue;
  }

  async close(): Promise<void> {
    await this.wal?.close();
    await this.db.destroy();
    await this.nodeLock?.close();
  }
}

/**
 * kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing was a fifth of
 * the server's CPU in the benchmark. Herald's queries come from a fixed set of builders, so the cache is
 * small; it is cleared if it ever grows past its bound (e.g. `in (...)` lists of many sizes).
 */
function withStatementCache(database: Database.Database, onStatement: (text: string) => void, max = 2000): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      onStatement(text); // kysely prepares each statement it runs, so this sees every one
      let stmt = cache.get(text);
      if (stmt === undefined) {
        if (cache.size >= max) cache.clear();
        stmt = database.prepare(text);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

export interface StoreOptions {
  /**
   * SQLite only: `full` (default) syncs the WAL at every commit, so an acknowledged write survives power
   * loss and OS crashes; `normal` syncs at checkpoints only (faster; survives a process kill, not a power cut).
   */
  sqliteSynchronous?: 'normal' | 'full';
  /** Where connection losses, WAL flush failures and the durability setting are reported. */
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How the WAL file is flushed with `full` (tests replace it to observe the ordering); default fdatasync. */
  flushWal?: FlushFn;
  /**
   * PostgreSQL: this process is the database's only writer (no cluster), so the writer may cache what
   * permission checks read (access-cache.ts). A SQLite store always is.
   */
  singleNode?: boolean;
  /** PostgreSQL: how long a starting node waits for the database's node lock (node-lock.ts); default 10 s. */
  nodeLockWaitMs?: number;
}

/** Opens (and migrates) the store named by a `sqlite:<path>` or `postgres://` URL. */
export async function openStore(url: string, opts: StoreOptions = {}): Promise<Store> {
  let store: KyselyStore;
  let walOf: string | null = null;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length) || ':memory:';
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const database = new Database(path);
    database.pragma('journal_mode = WAL');
    // `full` is kept by flushing the WAL off the main thread (wal-flush.ts), so SQLite itself runs NORMAL;
    // an in-memory database has no file to flush.
    const durable = opts.sqliteSynchronous !== 'normal';
    if (durable && path !== ':memory:') walOf = path;
    database.pragma(`synchronous = ${durable && walOf === null ? 'FULL' : 'NORMAL'}`);
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    // Read back, so the log states what SQLite actually does (1 = NORMAL, 2 = FULL).
    const pragma = ({ 1: 'normal', 2: 'full' } as Record<number, string>)[database.pragma('synchronous', { simple: true }) as number] ?? 'other';
    const synchronous = walOf !== null && pragma === 'normal' ? 'full' : pragma;
    const how = walOf !== null ? ' (WAL synced off the main thread before each answer)' : '';
    opts.log?.info({ synchronous, sqlite_pragma: pragma, journal_mode: database.pragma('journal_mode', { simple: true }) }, `sqlite store opened (synchronous=${synchronous})${how}`);
    const watch = new StatementWatch(new AccessCache());
    const dialect = new SqliteDialect({ database: withStatementCache(database, (text) => watch.seen(text)) });
    store = new KyselyStore('sqlite', new Kysely<DB>({ dialect }), watch, opts.log);
  } else {
    // int8 (counts, bigint columns) as JS numbers: every value Herald stores fits in 2^53.
    pg.types.setTypeParser(20, (v: string) => Number(v));
    const watch = new StatementWatch(opts.singleNode ? new AccessCache() : null);
    const pool = resilientPool(url, {
      onStatement: (text) => watch.seen(text),
      onStatementFailed: () => watch.failed(),
      onError: (err) => opts.log?.warn({ err: err.message }, 'database connection lost; it is replaced on the next command'),
    });
    store = new KyselyStore('postgres', new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), watch, opts.log);
    try {
      store.nodeLock = await NodeLock.take(url, opts.singleNode ? 'single' : 'cluster', opts.nodeLockWaitMs ?? 10_000);
    } catch (e) {
      await store.close();
      throw e;
    }
    store.nodeLock.onLost = () => {
      watch.setCache(null);
      opts.log?.warn('lost the connection holding the node lock (a database restart?): permission reads are not cached until it is held again');
    };
    store.nodeLock.onRegained = () => {
      // Held again: whatever changed meanwhile is in the database, and an empty cache starts from there.
      if (opts.singleNode) watch.setCache(new AccessCache());
      opts.log?.info('the node lock is held again');
    };
  }
  try {
    await store.migrate();
    if (walOf !== null) store.useWalFlusher(await WalFlusher.open(walOf, opts.flushWal));
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
