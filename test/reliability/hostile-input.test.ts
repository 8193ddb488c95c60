// Regression tests for hostile input found in issue 8: deeply nested JSON (every transport), malformed
// multipart, prototype-poisoning keys. Each answers the client's fault in the dialect's own form (400
// problem JSON, command.error bad_request, AirSend close 4005), never a 5xx or `internal`.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { api, newUser, startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { WsClient, isRefused } from '../helpers/realtime.js';

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

let srv: TestServer;
let alice: TestUser;
let spaceId: number;
let workspaceId: number;
let fileContentId: number;
before(async () => {
  srv = await startTestServer();
  alice = await newUser(srv.url, 'alice');
  spaceId = (await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', alice.token, { name: 'hostile' })).body.space.id;
  workspaceId = (await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'hostile' })).body.workspace_id;
  const form = new FormData();
  form.append('files', new Blob(['hello'], { type: 'text/plain' }), 'a.txt');
  const up = await fetch(`${srv.url}/api/workspaces/${workspaceId}/files`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form });
  assert.equal(up.status, 200);
  fileContentId = ((await up.json()) as { content_id: number }).content_id;
});
after(() => srv.stop());

async function raw(method: string, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; type: string }> {
  const res = await fetch(srv.url + path, { method, headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, type: res.headers.get('content-type') ?? '' };
}

function assertProblem400(r: { status: number; body: Record<string, unknown>; type: string }, what: string): void {
  assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
  assert.match(r.type, /application\/problem\+json/);
  assert.equal(r.body.code, 'bad_request');
  assert.equal(typeof r.body.title, 'string');
}

describe('deeply nested JSON', () => {
  test('HTTP: 5000 nested arrays or objects answer 400 problem JSON on public, authenticated and Tracim routes', async () => {
    const json = { 'content-type': 'application/json' };
    assertProblem400(await raw('POST', '/api/v1/users', deep(5000), json), 'sign-up (no login)');
    assertProblem400(await raw('POST', '/api/v1/users', deepObject(5000), json), 'sign-up, nested objects');
    const r = await raw('POST', `/api/v1/spaces/${spaceId}/messages`, `{"content":"x","meta":{"m":${deep(5000)}}}`, { ...json, authorization: `Bearer ${alice.token}` });
    assertProblem400(r, 'message meta');
    assert.match(String(r.body.title), /deeper than/);
    assertProblem400(await raw('POST', '/api/auth/login', deep(5000), json), 'Tracim login');
    assertProblem400(await raw('POST', `/api/workspaces/${workspaceId}/contents`, deep(100_000), { ...json, authorization: `Bearer ${alice.token}` }), 'Tracim content, 100k levels');
    // Moderate nesting inside a free-form field is still accepted.
    const ok = await api(srv.url, 'POST', `/api/v1/spaces/${spaceId}/messages`, alice.token, { content: 'nested meta', meta: { a: { b: { c: [[[1]]] } } } });
    assert.equal(ok.status, 201);
  });

  test('native WebSocket: a deeply nested frame is answered with command.error bad_request and the connection stays usable', async () => {
    const c = await WsClient.open(`${srv.url.replace('http', 'ws')}/api/v1/ws`, { authorization: `Bearer ${alice.token}` });
    assert.ok(!isRefused(c));
    await c.next((f) => f.type === 'session.welcome');
    c.send(`{"type":"typing","request_id":"deep","data":{"space_id":${spaceId},"x":${deep(5000)}}}`);
    const err = await c.next((f) => f.type === 'command.error');
    assert.equal((err.data as { code: string }).code, 'bad_request');
    c.send(deep(5000));
    await c.next(() => c.frames.filter((x) => x.type === 'command.error').length >= 2);
    assert.deepEqual(
      c.frames.filter((f) => f.type === 'command.error').map((f) => (f.data as { code: string }).code),
      ['bad_request', 'bad_request'],
    );
    c.sendJson({ type: 'ping', request_id: 'after' });
    await c.next((f) => f.type === 'command.ack' && (f.data as { request_id: unknown }).request_id === 'after');
    await c.close();
  });

  test('AirSend WebSocket: a deeply nested frame closes with 4005 (malformed), before and after ws_auth', async () => {
    const rtm = async () => {
      const r = await api<{ rtm: { ws_endpoint: string; ws_token: string } }>(srv.url, 'POST', '/api/v1/rtm.connect', alice.token);
      assert.equal(r.status, 200);
      const c = await WsClient.open(r.body.rtm.ws_endpoint);
      assert.ok(!isRefused(c));
      return { c, token: r.body.rtm.ws_token };
    };
    const first = await rtm();
    first.c.send(`{"command":"ws_auth","auth_token":"x","pad":${deep(5000)}}`);
    assert.equal(await first.c.closedWithin(3000), 4005);
    assert.match(first.c.closeReason, /deeper than/);

    const second = await rtm();
    second.c.sendJson({ command: 'ws_auth', auth_token: second.token });
    second.c.sendJson({ command: 'ws_ping' });
    await second.c.next((f) => f.event === 'pong');
    second.c.send(`{"command":"ws_ping","x":${deepObject(5000)}}`);
    assert.equal(await second.c.closedWithin(3000), 4005);
  });
});

describe('malformed multipart', () => {
  const bearer = () => ({ authorization: `Bearer ${alice.token}` });
  const cases = (): [string, string, Record<string, string>, string][] => [
    ['no boundary', 'multipart/form-data', {}, 'hello'],
    ['truncated body', 'multipart/form-data; boundary=XyZ', {}, '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello wor'],
    ['truncated headers', 'multipart/form-data; boundary=XyZ', {}, '--XyZ\r\nContent-Disposition: form-da'],
    ['boundary longer than 256 bytes', `multipart/form-data; boundary=${'b'.repeat(300)}`, {}, `--${'b'.repeat(300)}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhi\r\n--${'b'.repeat(300)}--\r\n`],
  ];
  const routes = (): [string, string][] => [
    ['POST', `/api/v1/spaces/${spaceId}/files`],
    ['POST', `/api/workspaces/${workspaceId}/files`],
    ['PUT', `/api/workspaces/${workspaceId}/files/${fileContentId}/raw`],
  ];

  test('chat and Tracim upload routes answer 400 (not 500) to a body without a boundary, with an oversized one, or cut short, and accept a file part without a file name', async () => {
    for (const [method, path] of routes()) {
      for (const [name, type, , body] of cases()) {
        const r = await raw(method, path, body, { ...bearer(), 'content-type': type });
        assertProblem400(r, `${method} ${path}: ${name}`);
      }
    }
    // A file part without a file name (busboy treats any application/octet-stream part as a file).
    for (const [method, path] of routes()) {
      const field = path.startsWith('/api/v1') ? 'file' : 'files';
      const body = `--XyZ\r\nContent-Disposition: form-data; name="${field}"\r\nContent-Type: application/octet-stream\r\n\r\nbytes\r\n--XyZ--\r\n`;
      const r = await raw(method, path, body, { ...bearer(), 'content-type': 'multipart/form-data; boundary=XyZ' });
      assert.ok(r.status < 300, `${method} ${path}, nameless file part: ${r.status} ${JSON.stringify(r.body)}`);
    }
    // A well-formed upload still works afterwards.
    const form = new FormData();
    form.append('file', new Blob(['fine'], { type: 'text/plain' }), 'fine.txt');
    const ok = await fetch(`${srv.url}/api/v1/spaces/${spaceId}/files`, { method: 'POST', headers: bearer(), body: form });
    assert.equal(ok.status, 201);
  });
});

describe('prototype poisoning', () => {
  test('a __proto__ or constructor.prototype key in a JSON body is refused with 400, over HTTP and native WebSocket', async () => {
    const json = { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` };
    assertProblem400(await raw('POST', `/api/v1/spaces/${spaceId}/messages`, '{"content":"x","meta":{"__proto__":{"polluted":true}}}', json), '__proto__');
    assertProblem400(await raw('POST', `/api/v1/spaces/${spaceId}/messages`, '{"content":"x","meta":{"constructor":{"prototype":{"polluted":true}}}}', json), 'constructor.prototype');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const c = await WsClient.open(`${srv.url.replace('http', 'ws')}/api/v1/ws`, { authorization: `Bearer ${alice.token}` });
    assert.ok(!isRefused(c));
    c.send(`{"type":"typing","request_id":"p","data":{"__proto__":{"space_id":${spaceId}}}}`);
    const err = await c.next((f) => f.type === 'command.error');
    assert.equal((err.data as { code: string }).code, 'bad_request');
    await c.close();
  });
});

describe('uploads refused for permission', () => {
  test(
    'a refused Tracim upload leaves nothing on disk',
    async () => {
      const outsider = await newUser(srv.url, 'outsider');
      const dir = join(srv.dir, 'tracim-files');
      const before = existsSync(dir) ? readdirSync(dir).length : 0;
      for (let i = 0; i < 3; i++) {
        const form = new FormData();
        form.append('files', new Blob([new Uint8Array(256 * 1024)], { type: 'application/octet-stream' }), 'big.bin');
        const r = await fetch(`${srv.url}/api/workspaces/${workspaceId}/files/${fileContentId}/raw`, { method: 'PUT', headers: { authorization: `Bearer ${outsider.token}` }, body: form });
        assert.ok(r.status >= 400 && r.status < 500, `upload by a non-member: ${r.status}`);
      }
      assert.equal(existsSync(dir) ? readdirSync(dir).length : 0, before, 'no file kept for refused uploads');
    },
  );
});
