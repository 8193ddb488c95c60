// AirSend RTM conformance harness (no tests of its own; the airsend-*.test.ts files import it): the client
// a developer writes from the AirSend RTM document alone (a plain `ws` WebSocket following user.login →
// rtm.connect → ws_auth), and the expected shapes copied by hand from the document's examples.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { SocketRecorder, api, sleep, type TestServer, type TestUser } from '../helpers/server.js';

export const PASSWORD = 'correct horse battery';

// ---- the document's shapes ------------------------------------------------------------------------------
// Written by hand from docs' examples (specs/airsend-rtm.md), not derived from Herald's serializer.

/** 'datetime' is `YYYY-MM-DD HH:MM:SS`; 'intstring' a string of digits (read_user_count "0"). */
export type Spec =
  | 'int'
  | 'string'
  | 'bool'
  | 'datetime'
  | 'intstring'
  | 'null'
  | 'array'
  | { readonly [k: string]: Spec }
  | readonly ['array', Spec]
  | readonly ['oneOf', ...Spec[]];

export const DOC_USER = { id: 'int', email: 'string', display_name: 'string', last_active_on: 'datetime', online_status: 'bool', last_active_on_ts: 'int', has_avatar: 'bool' } as const;
export const DOC_EMOTICON = { uid: 'int', dn: 'string', ev: 'string' } as const;
const DOC_MESSAGE_COMMON = {
  user_id: 'int',
  channel_id: 'int',
  display_name: 'string',
  attachments: 'array',
  message_type: 'int',
  is_edited: 'bool',
  parent_message: 'array',
  emoticons: ['array', DOC_EMOTICON],
  created_on: 'datetime',
  id: 'int',
  read_user_count: 'intstring',
  read_users: 'array',
} as const;
export const DOC = {
  'chat.postMessage': { message: { ...DOC_MESSAGE_COMMON, created_on_ts: 'int', content: 'string' } },
  'chat.postMessage(bot)': { message: { ...DOC_MESSAGE_COMMON, created_on_ts: 'int', content: { type: 'int', bot_message: 'string' } } },
  'chat.updateMessage': { message: { ...DOC_MESSAGE_COMMON, content_text: 'string' } },
  'chat.deleteMessage': { message_id: 'int', channel_id: 'int' },
  'channel.create': {
    channel: {
      channel_name: 'string',
      channel_email: 'string',
      last_active_on: 'datetime',
      created_on: 'datetime',
      created_by: 'int',
      id: 'int',
      created_on_ts: 'int',
      last_active_on_ts: 'int',
      // The document's examples show null; Herald fills it with the channel's latest message when it has one.
      latest_message: ['oneOf', 'null', DOC_MESSAGE_COMMON],
      members: ['array', DOC_USER],
      channel_roots: ['array', { type: 'string', location: 'string' }],
      total_fs_count: 'int',
      total_file_count: 'int',
      total_folder_count: 'int',
      total_fs_size: 'int',
    },
  },
  'user_added.channel': { channel_id: 'int', user: DOC_USER },
  'user_removed.channel': { removed_user_id: 'int', removed_by_user_id: 'int', channel_id: 'int' },
  'channel.update': {
    channel: {
      id: 'int',
      channel_name: 'string',
      channel_email: 'string',
      channel_status: 'int',
      last_active_on: 'datetime',
      created_on: 'datetime',
      created_by: 'intstring', // the document's channel.update example shows "created_by":"91010001"
      created_on_ts: 'int',
      last_active_on_ts: 'int',
      // The document's examples show null; Herald fills it with the channel's latest message when it has one.
      latest_message: ['oneOf', 'null', DOC_MESSAGE_COMMON],
      members: ['array', DOC_USER],
      channel_roots: ['array', { type: 'string', location: 'string' }],
      total_fs_count: 'int',
      total_file_count: 'int',
      total_folder_count: 'int',
      total_fs_size: 'int',
    },
  },
  'channel.remove': { channel_id: 'int' },
  'chat.userTyping': { user: DOC_USER, channel_id: 'int' },
  'user.online': { user: DOC_USER, channel_id: 'int' },
  'user.offline': { user: DOC_USER, channel_id: 'int' },
  'user.profileUpdate': { user: DOC_USER, channel_id: 'int' },
  'alert.notification': { alert_id: 'int', from: ['array', DOC_USER], message_id: 'int', alert_text: 'string', channel_id: 'int', is_read: 'bool' },
  'action.create': {
    action: {
      channel_id: 'int',
      action_name: 'string',
      action_desc: 'string',
      action_type: 'int',
      action_status: 'int',
      due_on: 'datetime',
      created_on: 'datetime',
      created_by: 'int',
      updated_on: 'null',
      updated_by: 'null',
      id: 'int',
    },
    channel_id: 'int',
  },
  'chat.unreadCountUpdate': { total_unread_count: 'int', channel_id: 'int', channel_unread_count: 'int', oldest_unread_message_id: 'int' },
  'lock.acquire': { lock_id: 'int', channel_id: 'int', user_id: 'int', path: 'string' },
  'lock.release': { lock_id: 'int', channel_id: 'int', user_id: 'int', path: 'string' },
} as const satisfies Record<string, Spec>;

const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Asserts that `value` has at least the keys of `spec`, each with the document's type and format. */
export function conforms(value: unknown, spec: Spec, path = '$'): void {
  if (typeof spec === 'string') {
    const ok =
      spec === 'int'
        ? Number.isInteger(value)
        : spec === 'string'
          ? typeof value === 'string'
          : spec === 'bool'
            ? typeof value === 'boolean'
            : spec === 'null'
              ? value === null
              : spec === 'array'
                ? Array.isArray(value)
                : spec === 'datetime'
                  ? typeof value === 'string' && DATETIME.test(value)
                  : typeof value === 'string' && /^\d+$/.test(value);
    assert.ok(ok, `${path}: expected ${spec}, got ${JSON.stringify(value)}`);
    return;
  }
  if (Array.isArray(spec)) {
    if (spec[0] === 'array') {
      assert.ok(Array.isArray(value), `${path}: expected an array, got ${JSON.stringify(value)}`);
      (value as unknown[]).forEach((v, i) => conforms(v, spec[1] as Spec, `${path}[${i}]`));
      return;
    }
    const errors: string[] = [];
    for (const alt of spec.slice(1) as Spec[]) {
      try {
        return conforms(value, alt, path);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    assert.fail(`${path}: matches no alternative: ${errors.join(' | ')}`);
  }
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${path}: expected an object, got ${JSON.stringify(value)}`);
  for (const [k, s] of Object.entries(spec as Record<string, Spec>)) {
    assert.ok(Object.hasOwn(value as object, k), `${path}: missing key "${k}" (has ${Object.keys(value as object).join(', ')})`);
    conforms((value as Record<string, unknown>)[k], s, `${path}.${k}`);
  }
}

/** `created_on` and `created_on_ts` (and the like) name the same second. */
export function sameInstant(datetime: string, ts: number): void {
  assert.equal(Date.parse(datetime.replace(' ', 'T') + 'Z') / 1000, ts, `${datetime} vs ${ts}`);
}

// ---- the client ------------------------------------------------------------------------------------------

export interface AirFrame {
  meta: { api: string };
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  payload: any;
}

export interface Rtm {
  ws_endpoint: string;
  ws_token: string;
}

/** Step 1 of the document: user.login returns a bearer token. */
export async function login(base: string, email: string, password = PASSWORD): Promise<string> {
  const r = await api<{ meta: { ok: boolean }; token: string }>(base, 'POST', '/api/v1/user.login', undefined, { email, password });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.meta.ok, true);
  return r.body.token;
}

/** Step 2: rtm.connect with the bearer token returns the WebSocket endpoint and a connection token. */
export async function rtmConnect(base: string, bearer: string): Promise<Rtm> {
  const r = await api<{ meta: { ok: boolean }; rtm: Rtm }>(base, 'POST', '/api/v1/rtm.connect', bearer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  conforms(r.body, { meta: { ok: 'bool' }, rtm: { ws_endpoint: 'string', ws_token: 'string' } });
  assert.equal(r.body.meta.ok, true);
  return r.body.rtm;
}

export class AirSendClient extends SocketRecorder<AirFrame> {
  private constructor(ws: WebSocket) {
    super(ws, (f) => f.event);
    ws.on('message', (data) => this.record(JSON.parse(data.toString()) as AirFrame));
  }

  /** Step 3 without ws_auth: just the WebSocket at ws_endpoint. */
  static async open(endpoint: string, options: WebSocket.ClientOptions = {}): Promise<AirSendClient> {
    const ws = new WebSocket(endpoint, options);
    const c = new AirSendClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  /**
   * The whole flow: user.login, rtm.connect, WebSocket, ws_auth. The document defines no answer to
   * ws_auth; events after rtm.connect are delivered anyway. For ephemeral events (typing, presence) the
   * test waits until the server has registered the connection.
   */
  static async connect(srv: TestServer, user: TestUser, options: WebSocket.ClientOptions = {}): Promise<AirSendClient> {
    const bearer = await login(srv.url, user.email);
    const rtm = await rtmConnect(srv.url, bearer);
    const before = srv.ctx.gateway.connectionCount();
    const c = await AirSendClient.open(rtm.ws_endpoint, options);
    c.send({ command: 'ws_auth', auth_token: rtm.ws_token });
    for (let i = 0; i < 400 && srv.ctx.gateway.connectionCount() <= before; i++) await sleep(5);
    assert.ok(srv.ctx.gateway.connectionCount() > before, 'the server never registered the AirSend connection');
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for an event and checks its envelope and payload against the document's shape. */
  async expect(event: string, spec: Spec, pred: (payload: AirFrame['payload']) => boolean = () => true, timeoutMs = 3000): Promise<AirFrame['payload']> {
    const f = await this.next((x) => x.event === event && pred(x.payload), timeoutMs);
    assert.deepEqual(Object.keys(f).sort(), ['event', 'meta', 'payload']);
    assert.deepEqual(f.meta, { api: 'v1' });
    conforms(f.payload, spec, event);
    return f.payload;
  }

  of(event: string): AirFrame['payload'][] {
    return this.frames.filter((f) => f.event === event).map((f) => f.payload);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    await this.closed;
  }

  /** Resolves with the close code and reason once the server ends the connection. */
  async closedWith(timeoutMs = 4000): Promise<{ code: number; reason: string }> {
    await Promise.race([this.closed, sleep(timeoutMs).then(() => assert.fail(`connection still open after ${timeoutMs} ms`))]);
    return { code: this.closeCode!, reason: this.closeReason };
  }
}

/** A channel (space) owned by `owner` with these members; returns its id. */
export async function channel(base: string, owner: TestUser, members: TestUser[], name = 'general'): Promise<number> {
  const r = await api<{ space: { id: number } }>(base, 'POST', '/api/v1/spaces', owner.token, { name, member_ids: members.map((m) => m.id) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.space.id;
}

export async function post(base: string, author: TestUser, channelId: number, content: string, extra: Record<string, unknown> = {}): Promise<number> {
  const r = await api<{ message: { id: number } }>(base, 'POST', `/api/v1/spaces/${channelId}/messages`, author.token, { content, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.message.id;
}

export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, p] = token.split('.');
  const dec = (s: string) => JSON.parse(Buffer.from(s, 'base64url').toString()) as Record<string, unknown>;
  return { header: dec(h), claims: dec(p) };
}
