// Compiled once, run many times: the few statements every post runs skip kysely's builder and compiler
// (~12-16% of the server's busy time in the 1-to-1 profile). A statement is named by its shape; the SQL
// kysely compiled for it the first time is reused with the new parameters. One cache per dialect
// adapter, so SQLite (`?`) and PostgreSQL (`$1`) texts never mix. On PostgreSQL the texts also run as
// named prepared statements (pg-pool.ts); better-sqlite3 reuses its prepared statements by text already.
import { CompiledQuery, PostgresAdapter, type Compilable, type QueryResult } from 'kysely';
import type { Db } from './db.js';
import { prepareOnPostgres } from './pg-pool.js';
import { keepsAccessCache } from './access-cache.js';

const texts = new WeakMap<object, Map<string, string>>();

/**
 * Runs the statement named `shape` with `params`, in the order the compiled query binds them. `build`
 * (the kysely query for these same parameters) runs only the first time; its parameters are checked
 * against `params` then, so a shape whose order was written wrong fails on first use, not silently.
 * A shape must compile to the same SQL whatever its parameter values (no `in` lists of varying length,
 * no optional columns: undefined is refused).
 */
export async function runCompiled<R>(
  db: Db,
  shape: string,
  params: readonly unknown[],
  build: () => Compilable<R>,
  /** The statement changes nothing the writer's AccessCache holds, or only what its caller mirrors there (the touches). */
  keepsCache = false,
): Promise<QueryResult<R>> {
  // kysely leaves out a column whose value is undefined, which would change the statement's shape.
  if (params.includes(undefined)) throw new Error(`statement ${shape}: a parameter is undefined`);
  const adapter = db.getExecutor().adapter;
  let cache = texts.get(adapter);
  if (cache === undefined) texts.set(adapter, (cache = new Map()));
  let text = cache.get(shape);
  if (text === undefined) {
    const q = build().compile();
    if (q.parameters.length !== params.length || q.parameters.some((p, i) => p !== params[i])) {
      throw new Error(`statement ${shape}: its parameters are not bound in the order given`);
    }
    text = q.sql;
    cache.set(shape, text);
    if (adapter instanceof PostgresAdapter) prepareOnPostgres(text);
    if (keepsCache) keepsAccessCache(text);
  }
  return db.executeQuery<R>(CompiledQuery.raw(text, [...params]));
}
