// A private PostgreSQL instance for tests that break the database (stop, restart, kill connections): its
// own data dir, port and socket dir under a temp dir, started and stopped by the test. The machine's
// shared server on 5432 is never touched.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The newest /usr/lib/postgresql/<version>/bin, or HERALD_TEST_PG_BIN. */
export function postgresBin(): string | undefined {
  if (process.env.HERALD_TEST_PG_BIN) return process.env.HERALD_TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class PrivatePostgres {
  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    /** initdb and the server refuse to run as root: then they run as this OS user. */
    private readonly runAs: string | null,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get socketDir(): string {
    return join(this.dir, 'sock');
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** initdb into a temp dir and start; throws with the tool's output when that fails. */
  static async create(): Promise<PrivatePostgres> {
    const bin = postgresBin();
    if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (set HERALD_TEST_PG_BIN)');
    const dir = mkdtempSync(join(tmpdir(), 'herald-pg-'));
    mkdirSync(join(dir, 'sock'));
    let runAs: string | null = null;
    if (process.getuid?.() === 0) {
      runAs = 'postgres';
      const uid = Number(execFileSync('id', ['-u', runAs]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', runAs]).toString().trim());
      chownSync(dir, uid, gid);
      chownSync(join(dir, 'sock'), uid, gid);
    }
    const p = new PrivatePostgres(bin, dir, await freePort(), runAs);
    await p.run('initdb', ['-D', p.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    await p.start();
    return p;
  }

  /** Runs a server tool without blocking the event loop (the test's load goes on meanwhile). */
  private run(tool: string, args: string[]): Promise<string> {
    const cmd = this.runAs ? 'runuser' : join(this.bin, tool);
    const argv = this.runAs ? ['-u', this.runAs, '--', join(this.bin, tool), ...args] : args;
    return new Promise((resolve, reject) => {
      execFile(cmd, argv, { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${tool} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      });
    });
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.socketDir} -c listen_addresses=127.0.0.1 -c max_connections=40 -c shared_buffers=16MB`;
    await this.run('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
  }

  /** `fast`: clients are disconnected and the server shuts down cleanly (what a restart or failover does). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, database = 'postgres'): Promise<R[]> {
    const c = new pg.Client({ connectionString: this.url(database), connectionTimeoutMillis: 5000 });
    c.on('error', () => {});
    await c.connect();
    try {
      return (await c.query<R>(text)).rows;
    } finally {
      await c.end().catch(() => {});
    }
  }

  /** pg_terminate_backend on every other connection to `database`; returns how many were ended. */
  async terminateBackends(database: string): Promise<number> {
    const rows = await this.query<{ ok: boolean }>(`select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = '${database}' and pid <> pg_backend_pid()`);
    return rows.filter((r) => r.ok).length;
  }

  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
