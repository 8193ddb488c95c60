// The Tracim REST API's hardening: hostile cookies, uploads refused before their bytes are stored,
// files of replaced revisions and deleted contents removed, and an inbox whose requests cost their page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, newUser, api, API_KEY, type TestServer } from '../helpers/server.js';
import { Repo } from '../../src/store/repo.js';
import { purgeDeletedFiles, type TracimRouteDeps } from '../../src/dialects/tracim/routes/index.js';
import { LocalFileStorage } from '../../src/files/store.js';

const stored = (srv: TestServer) => {
  try {
    return readdirSync(join(srv.dir, 'tracim-files')).sort();
  } catch {
    return [];
  }
};

function form(name: string, bytes: Uint8Array | string, type = 'application/octet-stream'): FormData {
  const f = new FormData();
  f.append('files', new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)], { type }), name);
  return f;
}

async function send(srv: TestServer, method: string, path: string, token: string, body: FormData) {
  const res = await fetch(srv.url + path, { method, headers: { authorization: `Bearer ${token}` }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('tracim cookies: a badly encoded or unrelated cookie never breaks a request', async () => {
  const srv = await startTestServer();
  try {
    const alice = await newUser(srv.url, 'alice');
    const whoami = (headers: Record<string, string>) => api<{ user_id: number; code?: string }>(srv.url, 'GET', '/api/auth/whoami', undefined, undefined, headers);
    const ok = await whoami({ authorization: `Bearer ${alice.token}`, cookie: 'foo=%zz; bar=%E0%A4%A' });
    assert.deepEqual([ok.status, ok.body.user_id], [200, alice.id]);
    assert.equal((await whoami({ cookie: 'foo=%zz' })).status, 401, 'no credentials: 401, not 500');
    const badSession = await whoami({ cookie: 'session_key=%zz' });
    assert.deepEqual([badSession.status, badSession.body.code], [401, 'unauthenticated']);

    // Sign-up with another application's cookie on the domain is anonymous sign-up, not a failed login.
    const signup = await api<{ user_id: number }>(srv.url, 'POST', '/api/users', undefined, { email: 'zed@example.test', password: 'correct horse battery' }, { cookie: 'ga=GA1.2.3; theme=%zz' });
    assert.equal(signup.status, 200, JSON.stringify(signup.body));

    // The session cookie still works beside a broken one.
    const login = await fetch(`${srv.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: alice.email, password: 'correct horse battery' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    assert.match(cookie, /^session_key=/);
    assert.match(login.headers.get('set-cookie')!, /HttpOnly/i);
    const viaCookie = await whoami({ cookie: `foo=%zz; ${cookie}` });
    assert.deepEqual([viaCookie.status, viaCookie.body.user_id], [200, alice.id]);
  } finally {
    await srv.stop();
  }
});

test('tracim uploads: refused before any byte is stored; replaced and deleted files are removed', async () => {
  const srv = await startTestServer({ maxUploadBytes: 2 * 1024 * 1024 });
  try {
    const [alice, bob, carol] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob'), await newUser(srv.url, 'carol')];
    const wid = (await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'files' })).body.workspace_id;
    await api(srv.url, 'POST', `/api/workspaces/${wid}/members`, alice.token, { user_id: bob.id, role: 'contributor' });
    const first = await send(srv, 'POST', `/api/workspaces/${wid}/files`, alice.token, form('report.txt', 'version one', 'text/plain'));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const cid = first.body.content_id as number;
    const original = stored(srv);
    assert.equal(original.length, 1);

    // A user who is not in the workspace: three 1 MiB uploads, each refused, nothing left on disk.
    const mib = new Uint8Array(1024 * 1024).fill(1);
    for (let i = 0; i < 3; i++) {
      const r = await send(srv, 'PUT', `/api/workspaces/${wid}/files/${cid}/raw`, carol.token, form('evil.bin', mib));
      assert.equal(r.status, 404);
    }
    assert.equal((await send(srv, 'POST', `/api/workspaces/${wid}/files`, carol.token, form('evil.bin', mib))).status, 404);
    assert.deepEqual(stored(srv), original, 'refused uploads left nothing behind');
    // Too large: refused while streaming, the partial file removed.
    assert.equal((await send(srv, 'PUT', `/api/workspaces/${wid}/files/${cid}/raw`, bob.token, form('big.bin', new Uint8Array(3 * 1024 * 1024)))).status, 413);
    assert.deepEqual(stored(srv), original, 'a partial upload is removed');

    // A new revision replaces the stored file: the old one goes.
    const rev = await send(srv, 'PUT', `/api/workspaces/${wid}/files/${cid}/raw`, bob.token, form('report.txt', 'version two!', 'text/plain'));
    assert.equal(rev.status, 200, JSON.stringify(rev.body));
    assert.equal(rev.body.size, 12);
    const second = stored(srv);
    assert.equal(second.length, 1);
    assert.notDeepEqual(second, original);

    // A copy shares the stored file; deleting both contents (and waiting out retention) removes it.
    const copy = await api<{ content_id: number }>(srv.url, 'POST', `/api/workspaces/${wid}/contents/${cid}/copy`, alice.token, { new_label: 'copy' });
    assert.equal(copy.status, 200);
    // The routes' own dependencies, as the Tracim plugin builds them from its host.
    const deps: TracimRouteDeps = {
      commands: srv.ctx.commands,
      authenticate: (c) => srv.ctx.auth.authenticate(c),
      files: new LocalFileStorage(join(srv.dir, 'tracim-files'), srv.ctx.config.maxUploadBytes),
      feed: async () => [],
      sessionSeconds: srv.ctx.config.tokenTtlSeconds,
      fileRetentionMs: srv.ctx.config.retentionHours * 3600_000,
    };
    const later = () => Date.now() + deps.fileRetentionMs + 60_000;
    assert.equal((await api(srv.url, 'PUT', `/api/workspaces/${wid}/contents/${cid}/trashed`, alice.token)).status, 204);
    assert.equal(await purgeDeletedFiles(deps, Date.now()), 0, 'within retention a deleted content keeps its file');
    assert.equal(await purgeDeletedFiles(deps, later()), 0, 'the copy still needs the file');
    assert.deepEqual(stored(srv), second);
    assert.equal((await api(srv.url, 'PUT', `/api/workspaces/${wid}/contents/${copy.body.content_id}/trashed`, API_KEY)).status, 204);
    assert.equal(await purgeDeletedFiles(deps, later()), 1);
    assert.deepEqual(stored(srv), [], 'no content needs the file any more');
  } finally {
    await srv.stop();
  }
});

test('tracim inbox: a page, marking one and marking all read cost their page, not the whole feed', async () => {
  const srv = await startTestServer();
  const read = { rows: 0 };
  const feed = Repo.prototype.feed;
  Repo.prototype.feed = async function (this: Repo, userId: number, after: number, limit: number) {
    const rows = await feed.call(this, userId, after, limit);
    read.rows += rows.length;
    return rows;
  };
  try {
    const alice = await newUser(srv.url, 'alice');
    const N = 2000;
    await srv.ctx.store.write(async (tx) => {
      const me = (await tx.users.get(alice.id))!;
      for (let i = 0; i < N; i++) await tx.append({ type: 'user.updated', data: { user: me, actor_id: alice.id, author: me } }, Date.now());
    });
    type Page = { items: { event_id: number; read_date: string | null }[]; has_next: boolean; next_page_token: string };
    const cost = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
      read.rows = 0;
      const out = await f();
      return [out, read.rows];
    };
    const list = (q: string) => api<Page>(srv.url, 'GET', `/api/users/${alice.id}/messages${q}`, alice.token);

    const [p1, c1] = await cost(() => list('?count=5'));
    assert.equal(p1.status, 200);
    assert.equal(p1.body.items.length, 5);
    assert.ok(p1.body.has_next);
    const ids = p1.body.items.map((t) => t.event_id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    assert.ok(c1 <= 200, `the first page read ${c1} feed rows of ${N}`);
    const [p2, c2] = await cost(() => list(`?count=5&page_token=${p1.body.next_page_token}`));
    assert.equal(p2.body.items[0].event_id, ids[4] - 1);
    assert.ok(c2 <= 200, `the second page read ${c2} feed rows`);

    const one = ids[2];
    const [m1, c3] = await cost(() => api(srv.url, 'PUT', `/api/users/${alice.id}/messages/${one}/read`, alice.token));
    assert.equal(m1.status, 204);
    assert.ok(c3 <= 1, `marking one read read ${c3} feed rows`);
    const [all, c4] = await cost(() => api(srv.url, 'PUT', `/api/users/${alice.id}/messages/read`, alice.token));
    assert.equal(all.status, 204);
    assert.equal(c4, 0, 'marking all read reads no feed');
    const [unread, c5] = await cost(() => list('?read_status=unread'));
    assert.deepEqual([unread.body.items.length, c5], [0, 0], 'nothing is unread after marking all read, and finding that reads no feed');
    const readPage = await list('?count=3&read_status=read');
    assert.ok(readPage.body.items.every((t) => t.read_date !== null));
    const summary = await api<{ messages_count: number; unread_messages_count: number }>(srv.url, 'GET', `/api/users/${alice.id}/messages/summary`, alice.token);
    assert.deepEqual([summary.body.messages_count, summary.body.unread_messages_count], [N + 1, 0]);
  } finally {
    Repo.prototype.feed = feed;
    await srv.stop();
  }
});
