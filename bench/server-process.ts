// Parent side of a bench server child: spawn, read its port, send commands, and read its CPU time and
// resident memory from /proc, which counts every thread of that process and nothing else.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { processCpuMicros } from './machine.js';

export class ServerProcess {
  private readonly waiting: ((line: string) => void)[] = [];
  private exited = false;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly port: number,
  ) {
    child.once('exit', () => (this.exited = true));
  }

  /**
   * Starts `node --expose-gc <script>` with `env` added and waits for its {"port":N} line.
   * BENCH_SERVER_FLAGS adds node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the servers.
   */
  static start(name: string, script: string, env: Record<string, string>): Promise<ServerProcess> {
    const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, ['--expose-gc', ...flags, script], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    return new Promise((resolve, reject) => {
      let server: ServerProcess | null = null;
      child.once('error', reject);
      child.once('exit', (code) => server === null && reject(new Error(`${name} exited with code ${code} before listening`)));
      lines.on('line', (line) => {
        if (server !== null) return server.waiting.shift()?.(line);
        const { port } = JSON.parse(line) as { port: number };
        server = new ServerProcess(name, child, child.pid!, port);
        resolve(server);
      });
    });
  }

  /** User + system CPU time of the whole process so far, in microseconds. */
  cpuMicros(): number {
    return processCpuMicros(this.pid);
  }

  rssBytes(): number {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (m === null) throw new Error(`no VmRSS for ${this.name}`);
    return Number(m[1]) * 1024;
  }

  private command(line: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin!.write(line + '\n');
    });
  }

  /** Full garbage collection in the server, so memory readings compare live data. */
  async gc(): Promise<void> {
    await this.command('gc');
  }

  /** A heap snapshot of the server, written to `file`. */
  async heapSnapshot(file: string): Promise<void> {
    await this.command(`heap ${file}`);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.write('stop\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Last resort when the bench itself fails. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
