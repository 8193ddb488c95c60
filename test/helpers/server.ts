// Test harness: a real Herald on an ephemeral port with its own data dir, plus small real clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { EventSource } from 'eventsource';
import { loadConfig, type HeraldConfig } from '../../src/config.js';
import { startHerald, type Herald } from '../../src/herald.js';
import { API_KEY, JWT_SECRET } from './constants.js';
import { Recorder, SocketRecorder } from './recorder.js';

export { API_KEY, Recorder, SocketRecorder };

export { PG_URL } from './services.js';

export interface TestServer extends Herald {
  dir: string;
  stop(): Promise<void>;
}

/** `env` sets variables the server reads itself (a dialect's section, e.g. HERALD_AIRSEND_BOT_NAME). */
export async function startTestServer(overrides: Partial<HeraldConfig> = {}, env: Record<string, string> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-test-'));
  const config = loadConfig(env, { dataDir: dir, port: 0, host: '127.0.0.1', apiKey: API_KEY, jwtSecret: JWT_SECRET, logLevel: 'warn', ...overrides });
  const herald = await startHerald(config, pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' }));
  return {
    ...herald,
    dir,
    stop: async () => {
      await herald.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** JSON over HTTP with an optional bearer token. */
export async function api<T = Record<string, unknown>>(base: string, method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

export interface TestUser {
  id: number;
  token: string;
  email: string;
  username: string;
}

let seq = 0;
export async function newUser(base: string, name = 'user'): Promise<TestUser> {
  const n = `${name}${++seq}${Math.random().toString(36).slice(2, 6)}`;
  const email = `${n}@example.test`;
  const r = await api<{ user: { id: number; username: string }; token: string }>(base, 'POST', '/api/v1/users', undefined, { email, password: 'correct horse battery', display_name: n, username: n });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.user.id, token: r.body.token, email, username: r.body.user.username };
}

export interface Frame {
  id: number | null;
  type: string;
  at: string;
  data: Record<string, unknown> & { [k: string]: unknown };
}

/** A native-protocol WebSocket client that records every frame and can wait for one. */
export class NativeClient extends SocketRecorder<Frame> {
  private constructor(ws: WebSocket) {
    super(ws, (f) => f.type);
    ws.on('message', (data) => this.record(JSON.parse(data.toString()) as Frame));
  }

  static async connect(base: string, token: string, query = ''): Promise<NativeClient> {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/ws${query}`, { headers: { authorization: `Bearer ${token}` } });
    const c = new NativeClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await c.next((f) => f.type === 'session.welcome');
    return c;
  }

  ofType(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Sends a command and waits for its ack or error. */
  async command(type: string, data: Record<string, unknown>, requestId = `r${Math.random().toString(36).slice(2)}`): Promise<Frame> {
    this.ws.send(JSON.stringify({ type, request_id: requestId, data }));
    return this.next((f) => (f.type === 'command.ack' || f.type === 'command.error') && f.data.request_id === requestId);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    await this.closed;
  }
}

/** Resolves after `ms`; used to give the server time to (not) deliver something. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A native-protocol SSE client (the `eventsource` package) that records every event it receives. */
export class SseClient extends Recorder<Frame> {
  readonly ids: string[] = [];
  readonly es: EventSource;

  constructor(base: string, token: string, opts: { lastEventId?: string; path?: string } = {}) {
    super((f) => f.type);
    this.es = new EventSource(base + (opts.path ?? '/api/v1/events'), {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers ?? {}), authorization: `Bearer ${token}`, ...(opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {}) },
        }),
    });
    this.es.onmessage = (e: MessageEvent<string>) => {
      this.ids.push(e.lastEventId);
      this.record(JSON.parse(e.data) as Frame);
    };
  }

  close(): void {
    this.es.close();
  }
}
