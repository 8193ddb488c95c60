// Herald under test: its own process with a fresh data dir, users registered with the server API key,
// spaces created and messages posted through the public HTTP API as those users.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpClient } from './http.js';
import { ServerProcess } from './server-process.js';
import type { ConnectSpec, Group, Target } from './target.js';
import { inParallel } from './util.js';

export const API_KEY = 'bench-api-key-0123456789abcdef';
/** Herald caps member_ids per create; the rest join one by one. */
const MAX_CREATE_MEMBERS = 1000;
/** Registration hashes each password with scrypt on libuv's 4-thread pool: more in flight does not help. */
const REGISTER_CONCURRENCY = 8;

interface BenchUser {
  id: number;
  auth: Record<string, string>;
}

export class HeraldTarget implements Target {
  readonly name = 'Herald';
  private users: BenchUser[] = [];

  private constructor(
    readonly server: ServerProcess,
    private readonly http: HttpClient,
    private readonly dir: string,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<HeraldTarget> {
    const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
    const script = fileURLToPath(new URL('./herald-server.js', import.meta.url));
    try {
      const server = await ServerProcess.start('herald', script, {
        HERALD_DATA_DIR: dir,
        HERALD_API_KEY: API_KEY,
        HERALD_PORT: '0',
        HERALD_HOST: '127.0.0.1',
        HERALD_LOG_LEVEL: 'warn',
        ...env,
      });
      return new HeraldTarget(server, new HttpClient(server.port), dir);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Uses the users another node of the same cluster registered (one database, one JWT secret). */
  shareIdentities(from: HeraldTarget): void {
    this.users = from.users;
  }

  async setupIdentities(n: number): Promise<void> {
    const admin = { authorization: `Bearer ${API_KEY}` };
    this.users = await inParallel(n, REGISTER_CONCURRENCY, async (i) => {
      const r = await this.http.json<{ user: { id: number }; token: string }>('POST', '/api/v1/users', { email: `bench${i}@example.test`, username: `bench${i}`, password: 'bench password' }, admin);
      return { id: r.user.id, auth: { authorization: `Bearer ${r.token}` } };
    });
  }

  connectSpec(i: number): ConnectSpec {
    return { path: '/api/v1/ws', headers: this.users[i % this.users.length].auth };
  }

  async createGroup(members: number[]): Promise<Group> {
    const [owner, ...others] = members.map((m) => this.users[m]);
    const body = members.length === 2 ? { kind: 'direct', member_ids: [others[0].id] } : { name: `bench group of ${members.length}`, member_ids: others.slice(0, MAX_CREATE_MEMBERS - 1).map((u) => u.id) };
    const { space } = await this.http.json<{ space: { id: number } }>('POST', '/api/v1/spaces', body, owner.auth);
    for (const u of others.slice(MAX_CREATE_MEMBERS - 1)) await this.http.json('POST', `/api/v1/spaces/${space.id}/members`, { user_id: u.id }, owner.auth);
    return { id: space.id, members };
  }

  async post(group: Group, poster: number, content: string): Promise<boolean> {
    const r = await this.http.request('POST', `/api/v1/spaces/${group.id}/messages`, { content }, this.users[poster].auth);
    return r.status === 201;
  }

  postFrame(group: Group, content: string): string {
    return JSON.stringify({ type: 'post', request_id: 0, data: { space_id: group.id, content } });
  }

  async stop(): Promise<void> {
    this.http.close();
    await this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
