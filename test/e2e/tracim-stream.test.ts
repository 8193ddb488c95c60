// The TLM stream itself: auth (401/403, bearer and session cookie), SSE framing, envelope,
// Last-Event-ID resume, and the read-state API of TLMs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser } from '../helpers/server.js';
import { TlmClient, adminUser, api, assertEnvelope, sleep, type Tlm } from './tracim-helpers.js';

test('tracim stream: 401 without credentials, 403 for another user, admins and the user themself allowed', async () => {
  const srv = await startTestServer();
  try {
    const alice = await newUser(srv.url, 'alice');
    const bob = await newUser(srv.url, 'bob');
    const admin = await adminUser(srv.url);
    const url = `${srv.url}/api/users/${alice.id}/live_messages`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer nope' } })).status, 401);
    const other = await fetch(url, { headers: { authorization: `Bearer ${bob.token}` } });
    assert.equal(other.status, 403);
    assert.match(other.headers.get('content-type') ?? '', /problem\+json/);
    const ctl = new AbortController();
    const own = await fetch(url, { headers: { authorization: `Bearer ${alice.token}` }, signal: ctl.signal });
    assert.equal(own.status, 200);
    assert.match(own.headers.get('content-type') ?? '', /^text\/event-stream/);
    ctl.abort();
    const es = await TlmClient.open(srv.url, alice.id, admin.token);
    es.close();
    assert.equal((await fetch(`${srv.url}/api/users/${alice.id}/live_messages?last_event_id=abc`, { headers: { authorization: `Bearer ${alice.token}` } })).status, 400);
  } finally {
    await srv.stop();
  }
});

test('tracim stream: retry hint, keep-alive comments, id: line equal to event_id, session cookie auth', async () => {
  const srv = await startTestServer({ heartbeatSeconds: 1 });
  try {
    const alice = await newUser(srv.url, 'alice');
    const login = await fetch(`${srv.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: alice.email, password: 'correct horse battery' }) });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    assert.match(cookie, /^session_key=/);
    const ctl = new AbortController();
    const res = await fetch(`${srv.url}/api/users/${alice.id}/live_messages`, { headers: { cookie }, signal: ctl.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    const read = async (until: (s: string) => boolean) => {
      const deadline = Date.now() + 4000;
      while (!until(text) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    };
    await read((s) => s.includes('retry:'));
    assert.match(text, /^retry: \d+\n\n/);
    await api(srv.url, 'POST', '/api/workspaces', undefined, { label: 'cookie space' }, { cookie });
    await read((s) => s.includes('data: '));
    await read((s) => s.includes(': keep-alive'));
    const m = /id: (\d+)\ndata: (.*)\n\n/.exec(text);
    assert.ok(m, text);
    const tlm = JSON.parse(m[2]) as Tlm;
    assert.equal(tlm.event_id, Number(m[1]));
    assert.equal(tlm.event_type, 'workspace.created');
    assertEnvelope(tlm);
    assert.match(text, /\n: keep-alive\n\n/);
    ctl.abort();
    // whoami through the cookie; logout clears it
    assert.equal((await api<{ user_id: number }>(srv.url, 'GET', '/api/auth/whoami', undefined, undefined, { cookie })).body.user_id, alice.id);
  } finally {
    await srv.stop();
  }
});

test('tracim stream: a dropped client reconnects with Last-Event-ID and gets exactly the missed TLMs, in order, then live ones', async () => {
  const srv = await startTestServer();
  try {
    const alice = await newUser(srv.url, 'alice');
    const bob = await newUser(srv.url, 'bob');
    const ws = await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'resume' });
    const wid = ws.body.workspace_id;
    await api(srv.url, 'POST', `/api/workspaces/${wid}/members`, alice.token, { user_id: bob.id, role: 'contributor' });

    const first = await TlmClient.open(srv.url, bob.id, bob.token);
    await api(srv.url, 'POST', `/api/workspaces/${wid}/contents`, alice.token, { content_type: 'thread', label: 'before drop' });
    const seen = await first.next((t) => t.event_type === 'content.created.thread');
    first.close();

    const missed: number[] = [];
    for (const label of ['m1', 'm2', 'm3']) {
      const r = await api<{ content_id: number }>(srv.url, 'POST', `/api/workspaces/${wid}/contents`, alice.token, { content_type: 'html-document', label });
      assert.equal(r.status, 200);
    }
    // An event bob must not get, in between (a confidential space he is not in).
    await api(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'private' });
    await api(srv.url, 'PUT', `/api/workspaces/${wid}`, alice.token, { label: 'resume renamed' });

    const again = await TlmClient.open(srv.url, bob.id, bob.token, { lastEventId: seen.event_id });
    await again.next((t) => t.event_type === 'workspace.modified');
    missed.push(...again.frames.map((t) => t.event_id));
    assert.deepEqual(
      again.frames.map((t) => t.event_type),
      ['content.created.html-document', 'content.created.html-document', 'content.created.html-document', 'workspace.modified'],
    );
    assert.deepEqual(again.frames.slice(0, 3).map((t) => t.fields.content.label), ['m1', 'm2', 'm3']);
    assert.ok(missed.every((id, i) => i === 0 || id > missed[i - 1]), 'event_id grows');
    assert.ok(missed[0] > seen.event_id);

    await api(srv.url, 'POST', `/api/workspaces/${wid}/contents`, alice.token, { content_type: 'folder', label: 'live' });
    const live = await again.next((t) => t.event_type === 'content.created.folder');
    assert.ok(live.event_id > missed[missed.length - 1]);
    await sleep(100);
    assert.equal(again.frames.length, 5, 'nothing twice');
    again.close();

    // The same resume through ?last_event_id= (EventSource polyfills without headers).
    const q = await TlmClient.open(srv.url, bob.id, bob.token, { query: `?last_event_id=${seen.event_id}` });
    await q.next((t) => t.event_type === 'content.created.folder');
    assert.equal(q.frames.length, 5);
    q.close();
  } finally {
    await srv.stop();
  }
});

test('tracim messages API: paged list, filter by read status, mark one and all read (read_date)', async () => {
  const srv = await startTestServer();
  try {
    const alice = await newUser(srv.url, 'alice');
    const bob = await newUser(srv.url, 'bob');
    const wid = (await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'reads' })).body.workspace_id;
    for (let i = 0; i < 5; i++) await api(srv.url, 'POST', `/api/workspaces/${wid}/contents`, alice.token, { content_type: 'thread', label: `t${i}` });
    type Page = { items: Tlm[]; has_next: boolean; next_page_token: string };
    const list = (q = '') => api<Page>(srv.url, 'GET', `/api/users/${alice.id}/messages${q}`, alice.token);
    const all = await list();
    assert.equal(all.status, 200);
    assert.equal(all.body.items.length, 7); // user.created (her own account), workspace.created, 5 threads
    assert.deepEqual(all.body.items.map((t) => t.event_type), [...Array(5).fill('content.created.thread'), 'workspace.created', 'user.created']);
    assert.ok(all.body.items.every((t) => t.read_date === null));

    const p1 = await list('?count=4');
    assert.equal(p1.body.items.length, 4);
    assert.equal(p1.body.has_next, true);
    const p2 = await list(`?count=4&page_token=${p1.body.next_page_token}`);
    assert.equal(p2.body.items.length, 3);
    assert.equal(p2.body.has_next, false);

    const one = all.body.items[2].event_id;
    assert.equal((await api(srv.url, 'PUT', `/api/users/${alice.id}/messages/${one}/read`, alice.token)).status, 204);
    const read = await list('?read_status=read');
    assert.deepEqual(read.body.items.map((t) => t.event_id), [one]);
    assert.match(read.body.items[0].read_date!, /Z$/);
    assert.equal((await list('?read_status=unread')).body.items.length, 6);
    const summary = await api<{ unread_messages_count: number; read_messages_count: number }>(srv.url, 'GET', `/api/users/${alice.id}/messages/summary`, alice.token);
    assert.deepEqual([summary.body.read_messages_count, summary.body.unread_messages_count], [1, 6]);

    assert.equal((await api(srv.url, 'PUT', `/api/users/${alice.id}/messages/read`, alice.token)).status, 204);
    assert.equal((await list('?read_status=unread')).body.items.length, 0);
    const again = await list('?read_status=read');
    assert.equal(again.body.items.find((t) => t.event_id === one)!.read_date, read.body.items[0].read_date, 'first read date kept');

    // Another user's messages: 403; an unknown event: 404.
    assert.equal((await api(srv.url, 'GET', `/api/users/${alice.id}/messages`, bob.token)).status, 403);
    assert.equal((await api(srv.url, 'PUT', `/api/users/${bob.id}/messages/${one}/read`, bob.token)).status, 404);
  } finally {
    await srv.stop();
  }
});
