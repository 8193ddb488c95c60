// External services some tests need (PostgreSQL and its server binaries, NATS, Mosquitto, Chromium): one
// probe each. A test skips with the reason when one is missing, except under CI=true, where it FAILS, so
// a green CI means every test ran (.ci/run starts or installs them all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';
import { postgresBin } from './private-pg.js';

export type Service = 'postgres' | 'nats' | 'mosquitto' | 'chromium' | 'postgres-binaries';

/** Postgres URL for the store suites: HERALD_TEST_PG, or the local CI server. */
export const PG_URL = process.env.HERALD_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
export const NATS_URL = process.env.HERALD_TEST_NATS ?? 'nats://127.0.0.1:4222';
export const MQTT_URL = process.env.HERALD_TEST_MQTT ?? 'mqtt://127.0.0.1:1883';
export const CHROMIUM = process.env.HERALD_TEST_CHROMIUM ?? '/usr/bin/chromium';

export const inCi = (): boolean => /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** Resolves when a TCP connection to host:port opens and `greeting` (if given) arrives; the reason otherwise. */
function tcpProbe(url: string, greeting?: RegExp): Promise<string | undefined> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    const done = (reason: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => done(`no answer from ${url} within 3 s`), 3000);
    socket.once('error', (e) => done(`${url} unreachable: ${e.message}`));
    socket.once('connect', () => {
      if (!greeting) return done(undefined);
      let seen = '';
      socket.on('data', (d) => {
        seen += d.toString();
        if (greeting.test(seen)) done(undefined);
      });
    });
  });
}

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL unreachable at ${PG_URL}: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Why `service` cannot be used here, or undefined when it can. */
export async function serviceProblem(service: Service): Promise<string | undefined> {
  switch (service) {
    case 'postgres':
      return probePostgres();
    case 'nats':
      // A NATS server greets every connection with an INFO line.
      return tcpProbe(NATS_URL, /^INFO /);
    case 'mosquitto':
      return tcpProbe(MQTT_URL);
    case 'chromium':
      return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (install Debian's chromium package)`;
    case 'postgres-binaries':
      return postgresBin() ? undefined : 'PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin';
  }
}

/**
 * The reason to skip a test or suite that needs `services`, or undefined when all are there. Use as
 * `describe(name, { skip: await requireServices('postgres') }, ...)`. Under CI=true a missing service also
 * registers a failing test naming it, so the run fails instead of passing with skips.
 */
export async function requireServices(...services: Service[]): Promise<string | undefined> {
  const problems = (await Promise.all(services.map(serviceProblem))).filter((p): p is string => p !== undefined);
  if (problems.length === 0) return undefined;
  const reason = problems.join('; ');
  if (inCi()) {
    test(`required service available under CI=true: ${services.join(', ')}`, () => {
      assert.fail(`${reason}. Under CI every test must run: .ci/run starts PostgreSQL, NATS and Mosquitto and installs Chromium.`);
    });
  } else {
    console.log(`# SKIP (${services.join(', ')} missing): ${reason}`);
  }
  return reason;
}
