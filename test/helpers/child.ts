// Herald as a separate process (`node dist/src/main.js`, configured by HERALD_* variables), for tests that
// must kill it (`kill -9`), watch it survive, or measure its memory without the test's own heap.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_KEY } from './constants.js';

export const CHILD_JWT_SECRET = 'child-secret-0123456789abcdef';
const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

// Loaded into the child with --require: on SIGUSR2, a full GC and one line with the memory figures.
const MEMORY_PROBE = `process.on('SIGUSR2', () => {
  if (global.gc) { global.gc(); global.gc(); }
  const m = process.memoryUsage();
  process.stderr.write('HERALD_MEMORY ' + JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external }) + '\\n');
});
`;

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

export interface ChildOptions {
  /** Extra HERALD_* variables (HERALD_DATABASE_URL, HERALD_SQLITE_SYNCHRONOUS, ...). */
  env?: Record<string, string>;
  /** Reuse a data dir (restart on the same data); a new temp dir otherwise. */
  dataDir?: string;
}

export class HeraldProcess {
  readonly logs: LogLine[] = [];
  url = '';
  port = 0;
  private proc: ChildProcess | null = null;
  private stderr = '';
  private exitWaiters: ((v: { code: number | null; signal: string | null }) => void)[] = [];
  private memoryWaiters: ((m: Memory) => void)[] = [];
  /** Set when the process ended without the test asking it to. */
  unexpectedExit: { code: number | null; signal: string | null } | null = null;
  private stopping = false;
  readonly dataDir: string;
  private readonly ownDir: boolean;

  private constructor(private readonly opts: ChildOptions) {
    this.ownDir = opts.dataDir === undefined;
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'herald-child-'));
    writeFileSync(join(this.dataDir, 'memory-probe.cjs'), MEMORY_PROBE);
  }

  static async start(opts: ChildOptions = {}): Promise<HeraldProcess> {
    const p = new HeraldProcess(opts);
    await p.launch();
    return p;
  }

  get pid(): number {
    return this.proc?.pid ?? 0;
  }

  get running(): boolean {
    return this.proc !== null;
  }

  /** Log lines at error level or above (pino: 50 error, 60 fatal). */
  errors(): LogLine[] {
    return this.logs.filter((l) => l.level >= 50);
  }

  private async launch(): Promise<void> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('HERALD_') && k !== 'NODE_OPTIONS' && k !== 'NODE_TEST_CONTEXT') env[k] = v;
    Object.assign(env, {
      HERALD_PORT: '0',
      HERALD_HOST: '127.0.0.1',
      HERALD_DATA_DIR: this.dataDir,
      HERALD_API_KEY: API_KEY,
      HERALD_JWT_SECRET: CHILD_JWT_SECRET,
      HERALD_LOG_LEVEL: 'info',
      ...this.opts.env,
    });
    this.stopping = false;
    this.unexpectedExit = null;
    const proc = spawn(process.execPath, ['--expose-gc', '--require', join(this.dataDir, 'memory-probe.cjs'), MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    let out = '';
    const listening = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Herald did not start within 20 s:\n${this.tail()}`)), 20_000);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        let nl: number;
        while ((nl = out.indexOf('\n')) >= 0) {
          const line = out.slice(0, nl);
          out = out.slice(nl + 1);
          try {
            const l = JSON.parse(line) as LogLine;
            this.logs.push(l);
            if (l.msg === 'herald listening' && typeof l.port === 'number') {
              clearTimeout(timer);
              resolve(l.port);
            }
          } catch {
            this.logs.push({ level: 30, msg: line });
          }
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Herald exited during start (code ${code}, signal ${signal}):\n${this.tail()}`));
      });
    });
    proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      let i: number;
      while ((i = this.stderr.indexOf('HERALD_MEMORY ')) >= 0 && this.stderr.indexOf('\n', i) > 0) {
        const end = this.stderr.indexOf('\n', i);
        const m = JSON.parse(this.stderr.slice(i + 'HERALD_MEMORY '.length, end)) as Memory;
        this.stderr = this.stderr.slice(0, i) + this.stderr.slice(end + 1);
        for (const w of this.memoryWaiters.splice(0)) w(m);
      }
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    proc.once('exit', (code, signal) => {
      this.proc = null;
      if (!this.stopping) this.unexpectedExit = { code, signal };
      for (const w of this.exitWaiters.splice(0)) w({ code, signal });
    });
    this.port = await listening;
    this.url = `http://127.0.0.1:${this.port}`;
  }

  /** The last lines the process wrote, for failure messages. */
  tail(): string {
    const logs = this.logs.slice(-15).map((l) => JSON.stringify(l));
    return [...logs, this.stderr.slice(-3000)].join('\n');
  }

  private exited(): Promise<{ code: number | null; signal: string | null }> {
    if (this.proc === null) return Promise.resolve({ code: null, signal: null });
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** SIGKILL: no shutdown code runs, as in a crash or an OOM kill. */
  async kill9(): Promise<void> {
    if (!this.proc) return;
    this.stopping = true;
    const done = this.exited();
    this.proc.kill('SIGKILL');
    await done;
  }

  /** Starts it again on the same data dir and environment (a new port). */
  async restart(): Promise<void> {
    if (this.proc) await this.kill9();
    await this.launch();
  }

  /** Heap after a full GC, and RSS, of the child. */
  memory(): Promise<Memory> {
    if (!this.proc) return Promise.reject(new Error('Herald is not running'));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no memory report within 5 s')), 5000);
      this.memoryWaiters.push((m) => (clearTimeout(t), resolve(m)));
      this.proc!.kill('SIGUSR2');
    });
  }

  /** SIGTERM (graceful), then SIGKILL after 5 s; removes a data dir it created. */
  async stop(): Promise<void> {
    if (this.proc) {
      this.stopping = true;
      const done = this.exited();
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc?.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    }
    if (this.ownDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
