// Shared helpers of the Tracim Live Messages tests: a real SSE client (the `eventsource` package),
// a small world of users, delivery assertions and field-type checks from the document.
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { API_KEY, Recorder, api, newUser, sleep, type TestServer, type TestUser } from '../helpers/server.js';

export interface Tlm {
  event_id: number;
  event_type: string;
  created: string;
  read_date: string | null;
  fields: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One browser-like TLM stream: records every message and can wait for one. */
export class TlmClient extends Recorder<Tlm> {
  private constructor(readonly es: EventSource) {
    super((t) => t.event_type);
    es.onmessage = (e) => {
      const t = JSON.parse(e.data as string) as Tlm;
      assert.equal(String(t.event_id), e.lastEventId, 'id: line equals event_id');
      this.record(t);
    };
  }

  static open(base: string, userId: number, token: string, opts: { lastEventId?: number; query?: string } = {}): Promise<TlmClient> {
    const es = new EventSource(`${base}/api/users/${userId}/live_messages${opts.query ?? ''}`, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), authorization: 'Bearer ' + token, ...(opts.lastEventId !== undefined ? { 'last-event-id': String(opts.lastEventId) } : {}) },
        }),
    });
    const c = new TlmClient(es);
    return new Promise((resolve, reject) => {
      es.onopen = () => resolve(c);
      es.onerror = (e) => reject(new Error(`stream failed: ${(e as { code?: number }).code ?? ''} ${(e as { message?: string }).message ?? ''}`));
    }).then((x) => {
      es.onerror = null;
      return x as TlmClient;
    });
  }

  ofType(type: string): Tlm[] {
    return this.frames.filter((t) => t.event_type === type);
  }

  close(): void {
    this.es.close();
  }
}

export interface World {
  srv: TestServer;
  admin: TestUser;
  alice: TestUser;
  bob: TestUser;
  carol: TestUser;
  clients: Record<'admin' | 'alice' | 'bob' | 'carol', TlmClient>;
  close(): void;
}

export async function adminUser(base: string): Promise<TestUser> {
  const n = `admin${Math.random().toString(36).slice(2, 8)}`;
  const r = await api<{ user: { id: number; username: string }; token: string }>(base, 'POST', '/api/v1/users', API_KEY, { email: `${n}@example.test`, password: 'correct horse battery', username: n, display_name: n, is_admin: true });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.user.id, token: r.body.token, email: `${n}@example.test`, username: n };
}

/** admin (is_admin), alice, bob, carol, each with an open TLM stream. */
export async function world(srv: TestServer): Promise<World> {
  const admin = await adminUser(srv.url);
  const alice = await newUser(srv.url, 'alice');
  const bob = await newUser(srv.url, 'bob');
  const carol = await newUser(srv.url, 'carol');
  const clients = {
    admin: await TlmClient.open(srv.url, admin.id, admin.token),
    alice: await TlmClient.open(srv.url, alice.id, alice.token),
    bob: await TlmClient.open(srv.url, bob.id, bob.token),
    carol: await TlmClient.open(srv.url, carol.id, carol.token),
  };
  return { srv, admin, alice, bob, carol, clients, close: () => Object.values(clients).forEach((c) => c.close()) };
}

/**
 * Waits until each of `to` receives exactly one TLM matching `pred`, then checks that every other
 * stream received none. Returns the TLM (as alice, or the first receiver, got it).
 */
export async function expectTlm(w: World, pred: (t: Tlm) => boolean, to: (keyof World['clients'])[]): Promise<Tlm> {
  const got = await Promise.all(to.map((name) => w.clients[name].next(pred).catch((e: Error) => assert.fail(`${name}: ${e.message}`))));
  await sleep(150);
  for (const [name, c] of Object.entries(w.clients)) {
    const n = c.frames.filter(pred).length;
    assert.equal(n, to.includes(name as keyof World['clients']) ? 1 : 0, `${name} received ${n} matching TLM(s); expected receivers: ${to.join(', ')}`);
  }
  for (const t of got) assertEnvelope(t);
  return got[0];
}

export const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export function assertEnvelope(t: Tlm): void {
  assert.deepEqual(Object.keys(t).sort(), ['created', 'event_id', 'event_type', 'fields', 'read_date']);
  assert.ok(Number.isSafeInteger(t.event_id) && t.event_id > 0);
  assert.match(t.event_type, /^[a-z_]+\.(copied|created|deleted|modified|moved|undeleted)(\.[a-z-]+)?$/);
  assert.match(t.created, ISO_MS);
  assert.equal(t.read_date, null);
  assert.equal(typeof t.fields, 'object');
}

const types = (o: Record<string, unknown>, spec: Record<string, string>) => {
  for (const [k, ty] of Object.entries(spec)) {
    const v = o[k];
    const actual = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    assert.ok(ty.split('|').includes(actual), `field ${k}: expected ${ty}, got ${actual} (${JSON.stringify(v)})`);
  }
};

export function assertUser(u: Record<string, unknown>, id?: number): void {
  types(u, { user_id: 'number', username: 'string', public_name: 'string', is_active: 'boolean', is_deleted: 'boolean' });
  if (id !== undefined) assert.equal(u.user_id, id);
}

export function assertWorkspace(w: Record<string, unknown>, id?: number): void {
  types(w, { workspace_id: 'number', label: 'string', is_deleted: 'boolean' });
  if (id !== undefined) assert.equal(w.workspace_id, id);
}

export function assertContent(c: Record<string, unknown>, type: string): void {
  if (type === 'comment') {
    types(c, { content_id: 'number', parent_id: 'number', raw_content: 'string', author: 'object', created: 'string' });
    types(c.author as Record<string, unknown>, { avatar_url: 'null|string', user_id: 'number', public_name: 'string' });
    assert.match(c.created as string, ISO_MS);
    return;
  }
  if (type === 'todo') {
    types(c, { assignee_id: 'string|null', content_id: 'number', parent_id: 'number', parent_label: 'string', status: 'string' });
    return;
  }
  types(c, {
    content_id: 'number',
    content_namespace: 'string',
    slug: 'string',
    label: 'string',
    parent_id: 'number|null',
    sub_content_types: 'array',
    status: 'string',
    is_archived: 'boolean',
    is_deleted: 'boolean',
    is_editable: 'boolean',
    show_in_ui: 'boolean',
    file_extension: 'string',
    filename: 'string',
    modified: 'string',
    created: 'string',
    actives_shares: 'number',
    workspace_id: 'number',
    current_revision_id: 'number',
    current_revision_type: 'string',
    content_type: 'string',
    raw_content: 'string',
  });
  assert.equal(c.content_type, type);
  assert.match(c.modified as string, ISO_MS);
  if (type === 'file' || type === 'kanban') types(c, { mimetype: 'string', size: 'number' });
}

export function assertFields(t: Tlm, keys: string[]): void {
  for (const k of keys) assert.ok(k in t.fields, `${t.event_type}: fields.${k} missing (has ${Object.keys(t.fields).join(',')})`);
}

export { api, API_KEY, sleep };
