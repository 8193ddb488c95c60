// What one 1-to-1 post costs the store: the SQL statements it executes (counted at better-sqlite3, so
// BEGIN/COMMIT and savepoints are included) and the server CPU per post, for N sequential posts through
// the command table (the native WebSocket `post` runs the same command). Herald runs in this process on
// a temp SQLite dir, or on a PostgreSQL database given with --db=postgres://… (CPU only: statements are
// counted on SQLite). `--concurrent=K` posts K at a time (as load does: they share a batch and its commit),
// `--pairs=P` spreads the posts over P 1-to-1 spaces (index pages touched as under load).
// Usage: node dist/bench/post-statements.js [N=2000] [--normal] [--db=URL] [--concurrent=K] [--pairs=P]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { startHerald } from '../src/herald.js';
import { SERVER, asUser } from '../src/core/actor.js';

const counts = new Map<string, number>();
/** Wall µs inside each statement (SQLite runs on this thread: COMMIT includes its fsync). */
const times = new Map<string, number>();
let counting = false;

/** Wraps the executing methods of every better-sqlite3 statement (kysely's driver calls `all` or `run`). */
function countStatements(): void {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
  probe.close();
  for (const method of ['all', 'get', 'run', 'iterate']) {
    const original = proto[method] as (this: { source: string }, ...args: unknown[]) => unknown;
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      if (!counting) return original.apply(this, args);
      counts.set(this.source, (counts.get(this.source) ?? 0) + 1);
      const t0 = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        times.set(this.source, (times.get(this.source) ?? 0) + Number(process.hrtime.bigint() - t0) / 1000);
      }
    };
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 2000);
  const synchronous = args.includes('--normal') ? 'normal' : 'full';
  const databaseUrl = args.find((a) => a.startsWith('--db='))?.slice('--db='.length);
  const numberArg = (name: string) => Math.max(1, Number(args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? 1));
  const concurrent = numberArg('concurrent');
  const pairs = numberArg('pairs');
  countStatements();
  const dir = mkdtempSync(join(tmpdir(), 'herald-post-bench-'));
  const config = loadConfig({}, { dataDir: dir, port: 0, host: '127.0.0.1', apiKey: 'k'.repeat(32), jwtSecret: 's'.repeat(32), logLevel: 'warn', sqliteSynchronous: synchronous, ...(databaseUrl ? { databaseUrl } : {}) });
  const herald = await startHerald(config, pino({ level: 'silent' }));
  try {
    const { commands } = herald.ctx;
    const suffix = Date.now().toString(36); // a reused PostgreSQL database may hold earlier runs' users
    const register = async (name: string) =>
      ((await commands.run('users.register', SERVER, { email: `${name}${suffix}@example.test`, password: 'correct horse battery', username: `${name}${suffix}` })) as { user: { id: number } }).user.id;
    const spaces: { id: number; members: [number, number] }[] = [];
    for (let p = 0; p < pairs; p++) {
      const a = await register(`alice${p}x`);
      const b = await register(`bob${p}x`);
      const { space } = (await commands.run('spaces.create', asUser(a), { kind: 'direct', member_ids: [b] })) as { space: { id: number } };
      spaces.push({ id: space.id, members: [a, b] });
    }
    const post = (i: number) => {
      const s = spaces[i % pairs];
      return commands.run('messages.post', asUser(s.members[Math.floor(i / pairs) % 2]), { space_id: s.id, content: `message ${i}` });
    };
    const postAll = async (from: number, to: number) => {
      for (let i = from; i < to; i += concurrent) await Promise.all(Array.from({ length: Math.min(concurrent, to - i) }, (_, k) => post(i + k)));
    };
    await postAll(0, Math.max(50, pairs)); // warm up (statement cache, JIT)

    counting = true;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await postAll(0, n);
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    counting = false;

    const total = [...counts.values()].reduce((s, c) => s + c, 0);
    console.log(`${n} posts, ${concurrent} at a time over ${pairs} 1-to-1 spaces, ${databaseUrl ? 'PostgreSQL' : `SQLite synchronous=${synchronous}`}`);
    if (!databaseUrl) console.log(`statements per post: ${(total / n).toFixed(2)}`);
    console.log(`CPU per post: ${((cpu.user + cpu.system) / n).toFixed(1)} µs (user ${(cpu.user / n).toFixed(1)}, system ${(cpu.system / n).toFixed(1)}); wall ${(wallUs / n).toFixed(1)} µs`);
    if (databaseUrl) return;
    console.log('\nper post  µs each  statement');
    for (const [text, c] of [...counts].sort((a, b) => b[1] - a[1])) {
      console.log(`${(c / n).toFixed(2).padStart(8)}  ${((times.get(text) ?? 0) / c).toFixed(1).padStart(7)}  ${text.replace(/\s+/g, ' ').slice(0, 140)}`);
    }
  } finally {
    await herald.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
