// The reference under test: the minimal `ws` broadcast server (reference-server.ts) in its own process.
// It has no users: client n connects as /ws?id=n and groups are lists of client numbers.
import { fileURLToPath } from 'node:url';
import { HttpClient } from './http.js';
import { ServerProcess } from './server-process.js';
import type { ConnectSpec, Group, Target } from './target.js';

export class ReferenceTarget implements Target {
  readonly name = 'ws reference';

  private constructor(
    readonly server: ServerProcess,
    private readonly http: HttpClient,
  ) {}

  static async start(): Promise<ReferenceTarget> {
    const script = fileURLToPath(new URL('./reference-server.js', import.meta.url));
    const server = await ServerProcess.start('reference', script, {});
    return new ReferenceTarget(server, new HttpClient(server.port));
  }

  async setupIdentities(): Promise<void> {}

  connectSpec(i: number): ConnectSpec {
    return { path: `/ws?id=${i}`, headers: {} };
  }

  async createGroup(members: number[]): Promise<Group> {
    const { group } = await this.http.json<{ group: { id: number } }>('POST', '/groups', { members }, {});
    return { id: group.id, members };
  }

  async post(group: Group, _poster: number, content: string): Promise<boolean> {
    const r = await this.http.request('POST', `/groups/${group.id}/messages`, { content });
    return r.status === 201;
  }

  postFrame(group: Group, content: string): string {
    return JSON.stringify({ type: 'post', request_id: 0, data: { space_id: group.id, content } });
  }

  async stop(): Promise<void> {
    this.http.close();
    await this.server.stop();
  }
}
