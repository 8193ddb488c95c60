// The PostgreSQL connection pool behind kysely, made to survive lost connections (database restart,
// failover, idle timeouts, pg_terminate_backend): dead clients are dropped and replaced on demand, and a
// command that meets a lost connection fails with `unavailable` (HTTP 503) instead of a generic error.
import pg from 'pg';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { HeraldError, unavailable } from '../core/errors.js';

/** Node socket errors and SQLSTATEs that mean "the database connection is gone or refused", not "the query is wrong". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown (pg_terminate_backend, fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
]);
// pg's own errors for a client whose socket closed carry no code; these are its messages.
const CONNECTION_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended|Client was closed/i;

export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return CONNECTION_MESSAGES.test(e.message);
}

const mapped = (e: unknown): unknown => (e instanceof HeraldError || !isConnectionError(e) ? e : unavailable());

export interface PoolOptions {
  /** Connection errors that no query was waiting for (logged; the pool replaces the client). */
  onError(err: Error): void;
  max?: number;
  /** Every statement sent, and every one that failed (the store's writer watches them: store.ts). */
  onStatement?(text: string): void;
  onStatementFailed?(): void;
}

/**
 * Statement texts run as named prepared statements (store/fast.ts registers the hot path's): PostgreSQL
 * then parses and plans each once per connection instead of at every execution. node-pg keeps track of
 * which connection has prepared which name.
 */
const preparedNames = new Map<string, string>();

export function prepareOnPostgres(text: string): void {
  if (!preparedNames.has(text)) preparedNames.set(text, `herald_${preparedNames.size + 1}`);
}

export function resilientPool(url: string, opts: PoolOptions): PostgresPool {
  // A connection (or a free pool slot) that cannot be had within 5 s is `unavailable`, not an endless wait;
  // TCP keep-alive after 10 s idle finds a peer that vanished without closing (a partition, a dead host).
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 5000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  // pg emits 'error' on the pool (idle clients) and on a checked-out client between queries; with no
  // listener, Node turns either into an uncaught exception that ends the process.
  pool.on('error', opts.onError);
  pool.on('connect', (client) => client.on('error', opts.onError));

  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    let w = wrappers.get(client);
    if (w === undefined) {
      function query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
      function query<R>(sqlOrCursor: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
        if (typeof sqlOrCursor !== 'string') return (client.query as unknown as (c: PostgresCursor<R>) => PostgresCursor<R>)(sqlOrCursor);
        opts.onStatement?.(sqlOrCursor);
        const name = preparedNames.get(sqlOrCursor);
        const values = parameters as unknown[];
        const run = name === undefined ? client.query(sqlOrCursor, values) : client.query({ name, text: sqlOrCursor, values });
        return (run as unknown as Promise<PostgresQueryResult<R>>).catch((e: unknown) => {
          opts.onStatementFailed?.();
          throw mapped(e);
        });
      }
      w = { query, release: () => client.release() };
      wrappers.set(client, w);
    }
    return w;
  };

  return {
    connect: () =>
      pool.connect().then(wrap, (e: unknown) => {
        throw mapped(e);
      }),
    end: () => pool.end(),
  };
}
