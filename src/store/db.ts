// What every repository shares: the handle (a plain connection or a transaction) and the column
// conversions both drivers need (0/1 columns → booleans; int8 and counts → numbers, Postgres may send text).
import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';

/** A plain handle or a transaction: repositories run on either. */
export type Db = Kysely<DB> | Transaction<DB>;

export const bool = (v: number) => v !== 0;
export const n = (v: unknown) => Number(v);
