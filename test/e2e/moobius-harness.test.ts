// Moobius test harness (no tests of its own; the moobius-*.test.ts files import it): the client a developer
// writes from the Moobius document and docs/dialects/moobius.md alone (a plain `ws` WebSocket sending
// {type, request_id, user_id, body} frames), and helpers that make channels and users over Herald's REST API.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { SocketRecorder, api, sleep, type TestUser } from '../helpers/server.js';

export interface MFrame {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface Space {
  id: number;
  uuid: string;
}

export class MoobiusClient extends SocketRecorder<MFrame> {
  /** Every text frame as received, for byte-for-byte checks. */
  readonly raw: string[] = [];

  private constructor(ws: WebSocket) {
    super(ws, (f) => f.type);
    ws.on('message', (data) => {
      this.raw.push(data.toString());
      this.record(JSON.parse(data.toString()) as MFrame);
    });
  }

  /** Opens the socket; rejects with the HTTP status when the upgrade is refused. */
  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<MoobiusClient> {
    const ws = new WebSocket(url, options);
    const c = new MoobiusClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return c;
  }

  /** A user connection with the token in the Authorization header (or `?access_token=`); waits until it is serving. */
  static async user(base: string, token: string, how: 'header' | 'query' = 'header'): Promise<MoobiusClient> {
    const ws = base.replace('http', 'ws') + '/moobius/ws';
    const c = how === 'header' ? await MoobiusClient.open(ws, { headers: { authorization: `Bearer ${token}` } }) : await MoobiusClient.open(`${ws}?access_token=${encodeURIComponent(token)}`);
    await c.heartbeat();
    return c;
  }

  /** A channel service connection with its key. */
  static async service(base: string, key: string): Promise<MoobiusClient> {
    const c = await MoobiusClient.open(base.replace('http', 'ws') + '/moobius/service', { headers: { authorization: `Bearer ${key}` } });
    await c.heartbeat();
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The copy answering `requestId`. */
  copyFor(requestId: string | null, timeoutMs = 3000): Promise<MFrame> {
    return this.next((f) => f.type === 'copy' && f.body.request_id === requestId, timeoutMs);
  }

  /** Sends `{type, request_id, user_id?, body}` and waits for its copy. */
  async request(type: string, body: unknown, userId?: string): Promise<MFrame> {
    const request_id = randomUUID();
    this.send({ type, request_id, ...(userId === undefined ? {} : { user_id: userId }), body });
    return this.copyFor(request_id);
  }

  async heartbeat(): Promise<MFrame> {
    const request_id = randomUUID();
    this.send({ type: 'heartbeat', request_id, body: {} });
    return this.copyFor(request_id);
  }

  of(type: string): MFrame[] {
    return this.frames.filter((f) => f.type === type);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    await this.closed;
  }

  async closedWith(timeoutMs = 4000): Promise<{ code: number; reason: string }> {
    await Promise.race([this.closed, sleep(timeoutMs).then(() => assert.fail(`connection still open after ${timeoutMs} ms`))]);
    return { code: this.closeCode!, reason: this.closeReason };
  }
}

/** A user's uuid (the id Moobius frames carry). */
export async function uuidOf(base: string, user: TestUser): Promise<string> {
  const r = await api<{ user: { uuid: string } }>(base, 'GET', '/api/v1/me', user.token);
  assert.equal(r.status, 200);
  return r.body.user.uuid;
}

/** A channel owned by `owner` with these members. */
export async function channel(base: string, owner: TestUser, members: TestUser[], name = 'general'): Promise<Space> {
  const r = await api<{ space: Space }>(base, 'POST', '/api/v1/spaces', owner.token, { name, member_ids: members.map((m) => m.id) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.space.id, uuid: r.body.space.uuid };
}

/** A text message_up body as the document shows it. */
export function textUp(channelId: string, recipients: string | string[], text: string, context: Record<string, unknown> = {}): Record<string, unknown> {
  return { subtype: 'text', content: { text }, channel_id: channelId, recipients, timestamp: Date.now(), context };
}

/** The upload API: multipart field "file" into a channel. */
export async function upload(base: string, token: string, channelId: string, name: string, type: string, bytes: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const fd = new FormData();
  fd.append('file', new Blob([bytes], { type }), name);
  const r = await fetch(`${base}/moobius/upload?channel_id=${encodeURIComponent(channelId)}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fd });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
