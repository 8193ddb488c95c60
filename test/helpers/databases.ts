// A fresh database on the shared PostgreSQL server (PG_URL) for one test run, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PG_URL } from './services.js';

export interface FreshDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function freshDatabase(prefix = 'herald_rel'): Promise<FreshDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined) };
}
