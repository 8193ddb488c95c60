// Shared setup of the SDK tests: a real Herald, a faulty proxy in front of it, users and a group.
import { api, newUser, startTestServer, type TestServer, type TestUser } from '../../helpers/server.js';
import { HeraldClient, type ClientOptions } from '../../../client/src/index.js';
import { FaultyProxy } from './proxy.js';

export interface Rig {
  srv: TestServer;
  proxy: FaultyProxy;
  stop(): Promise<void>;
}

export async function rig(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<Rig> {
  const srv = await startTestServer(overrides);
  const proxy = await FaultyProxy.start(Number(new URL(srv.url).port));
  return {
    srv,
    proxy,
    stop: async () => {
      await proxy.stop();
      await srv.stop();
    },
  };
}

/** Two users and a group of both: `a` posts (straight to the server), `b` listens through the SDK. */
export async function pair(srv: TestServer): Promise<{ a: TestUser; b: TestUser; sid: number }> {
  const [a, b] = [await newUser(srv.url, 'sdka'), await newUser(srv.url, 'sdkb')];
  const r = await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', a.token, { name: 'sdk', member_ids: [b.id] });
  if (r.status !== 201) throw new Error(`group: ${r.status}`);
  return { a, b, sid: r.body.space.id };
}

export async function say(srv: TestServer, u: TestUser, sid: number, content: string): Promise<number> {
  const r = await api<{ message: { id: number } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, u.token, { content });
  if (r.status !== 201) throw new Error(`post: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.message.id;
}

/** A client through the proxy with short backoff (tests should not wait seconds per drop). */
export function client(p: FaultyProxy, token: string, o: Partial<ClientOptions> = {}): HeraldClient {
  return new HeraldClient({ url: p.url, token, backoff: { initialMs: 10, maxMs: 100 }, commandTimeoutMs: 5_000, connectTimeoutMs: 5_000, ...o });
}

/** Message contents the client delivered, in delivery order. */
export function contents(c: HeraldClient): string[] {
  const seen: string[] = [];
  c.on('message.created', (e) => seen.push(e.data.message.content));
  return seen;
}

/** Polls `pred` every 5 ms until it holds; throws with `what` after `ms`. */
export async function until(pred: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
