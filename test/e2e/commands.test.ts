// The REST API derived from the command table: response schemas in /openapi.json, public profiles for
// users who share no space, reads that change nothing append nothing, and one user.updated shape.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, api, NativeClient, API_KEY, type TestServer, type TestUser } from '../helpers/server.js';
import { adminUser } from './tracim-helpers.js';
import { USER_ROUTES } from '../../src/http/routes/users.js';
import { SPACE_ROUTES } from '../../src/http/routes/spaces.js';
import { MESSAGE_ROUTES } from '../../src/http/routes/messages.js';
import { LOCK_ROUTES } from '../../src/http/routes/files.js';
import { EVENT_ROUTES } from '../../src/http/routes/ops.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.stop();
});

async function group(owner: TestUser, members: TestUser[]): Promise<number> {
  const r = await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', owner.token, { name: 'team', member_ids: members.map((m) => m.id) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.space.id;
}

const head = () => srv.ctx.store.read((r) => r.logHead());

describe('REST from the command table', () => {
  test('/openapi.json shows request and response schemas taken from the commands', async () => {
    type Op = { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown>; anyOf?: unknown[] } }> }> };
    const doc = (await (await fetch(`${srv.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Op>> };
    const post = doc.paths['/api/v1/spaces/{id}/messages'].post;
    const message = post.responses['201'].content!['application/json'].schema.properties!.message as { properties: Record<string, unknown> };
    assert.ok(message.properties.author && message.properties.attachments && message.properties.reactions, 'message result schema');
    assert.ok(post.responses['4XX'] ?? post.responses['4xx'], 'problem JSON for client errors');
    // The body is the command's input without the path parameter.
    assert.deepEqual(Object.keys(post.requestBody!.content['application/json'].schema.properties).sort(), ['attachment_ids', 'audience', 'content', 'kind', 'meta', 'parent_id']);
    const user = doc.paths['/api/v1/users/{id}'].get.responses['200'].content!['application/json'].schema.properties!.user as { anyOf: { properties: Record<string, unknown> }[] };
    assert.deepEqual(user.anyOf.map((s) => 'email' in s.properties), [true, false], 'a private and a public profile');
    // Every route declared from the command table documents its result (204: no body).
    for (const r of [...USER_ROUTES, ...SPACE_ROUTES, ...MESSAGE_ROUTES, ...LOCK_ROUTES, ...EVENT_ROUTES]) {
      const op = doc.paths[r.url.replace(/:(\w+)/g, '{$1}')][r.method.toLowerCase()];
      const ok = Object.entries(op.responses).find(([s]) => s.startsWith('2'));
      assert.ok(ok && (ok[0] === '204' || ok[1].content), `${r.method} ${r.url} documents its result`);
    }
  });

  test('a user’s email and admin flag reach only themself, administrators and users sharing a space', async () => {
    const [alice, peer, stranger] = [await newUser(srv.url), await newUser(srv.url), await newUser(srv.url)];
    const admin = await adminUser(srv.url);
    await group(alice, [peer]);
    type U = { id: number; email?: string; is_admin?: boolean; username: string; display_name: string; online: boolean };
    const get = (token: string, id: number) => api<{ user: U }>(srv.url, 'GET', `/api/v1/users/${id}`, token);

    for (const [who, token] of [['herself', alice.token], ['a peer', peer.token], ['an administrator', admin.token], ['the server API key', API_KEY]] as const) {
      const r = await get(token, alice.id);
      assert.equal(r.status, 200);
      assert.equal(r.body.user.email, alice.email, `${who} sees the email`);
      assert.equal(r.body.user.is_admin, false, `${who} sees the admin flag`);
    }
    const seen = await get(stranger.token, alice.id);
    assert.equal(seen.status, 200);
    assert.deepEqual([seen.body.user.id, seen.body.user.username, seen.body.user.display_name], [alice.id, alice.username, alice.username]);
    assert.ok(!('email' in seen.body.user) && !('is_admin' in seen.body.user), `a stranger gets the public profile: ${JSON.stringify(seen.body.user)}`);
    assert.equal(typeof seen.body.user.online, 'boolean');
    // The administrator's own flag is private too.
    const adminSeen = await get(stranger.token, admin.id);
    assert.ok(!('is_admin' in adminSeen.body.user) && !('email' in adminSeen.body.user));

    // Tracim's API applies the same rule.
    const t = await api<Record<string, unknown>>(srv.url, 'GET', `/api/users/${alice.id}`, stranger.token);
    assert.equal(t.status, 200);
    assert.equal(t.body.user_id, alice.id);
    assert.ok(!('email' in t.body) && !('profile' in t.body), `Tracim public user: ${JSON.stringify(t.body)}`);
    const tp = await api<Record<string, unknown>>(srv.url, 'GET', `/api/users/${alice.id}`, peer.token);
    assert.deepEqual([tp.body.email, tp.body.profile], [alice.email, 'users']);
  });

  test('reading what is already read, or reading all with nothing unread, appends no event', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const m = (await api<{ message: { id: number } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, a.token, { content: 'read me' })).body.message;
    const wb = await NativeClient.connect(srv.url, b.token);
    assert.equal((await wb.command('read', { message_id: m.id })).type, 'command.ack');
    await wb.next((f) => f.type === 'unread.updated');

    const h = await head();
    const again = await wb.command('read', { message_id: m.id });
    assert.equal(again.type, 'command.ack');
    assert.equal((again.data.result as { space_unread: number }).space_unread, 0, 'the ack still carries the counts');
    assert.equal((await wb.command('read_all', { space_id: sid })).type, 'command.ack');
    assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${sid}/read`, b.token)).status, 200);
    // Reading your own message changes no count either (a receipt is recorded: message.read only).
    const own = (await api<{ message: { id: number } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, b.token, { content: 'mine' })).body.message;
    const h2 = await head();
    assert.equal(h2, h + 1, 'nothing but the new message was appended');
    await wb.command('read', { message_id: own.id });
    assert.equal(await head(), h2 + 1, 'one message.read, no unread.updated');
    // Fence: a later message reaches b; no unread.updated came after the first.
    await api(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, a.token, { content: 'fence' });
    await wb.next((f) => f.type === 'message.created' && (f.data.message as { content: string }).content === 'fence');
    assert.equal(wb.ofType('unread.updated').length, 1);
    await wb.close();
  });

  test('a native client posts, edits and deletes over its WebSocket; members see each change, outsiders are refused', async () => {
    const [a, b, outsider] = [await newUser(srv.url), await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const [wa, wb, wo] = [await NativeClient.connect(srv.url, a.token), await NativeClient.connect(srv.url, b.token), await NativeClient.connect(srv.url, outsider.token)];

    const posted = await wa.command('post', { space_id: sid, content: 'over the socket' }, 'p1');
    assert.equal(posted.type, 'command.ack', JSON.stringify(posted.data));
    assert.equal(posted.data.request_id, 'p1');
    const message = (posted.data.result as { message: { id: number; space_id: number; content: string; author: { id: number }; is_edited: boolean } }).message;
    assert.deepEqual([message.space_id, message.content, message.author.id, message.is_edited], [sid, 'over the socket', a.id, false]);
    const created = await wb.next((f) => f.type === 'message.created');
    assert.equal((created.data.message as { id: number }).id, message.id, 'the member gets the message the ack names');
    // The same message over REST: one message, not a copy.
    const listed = await api<{ messages: { id: number; content: string }[] }>(srv.url, 'GET', `/api/v1/spaces/${sid}/messages`, b.token);
    assert.deepEqual(listed.body.messages.map((m) => [m.id, m.content]), [[message.id, 'over the socket']]);

    const edited = await wa.command('edit', { message_id: message.id, content: 'edited over the socket' });
    assert.equal(edited.type, 'command.ack');
    const updated = await wb.next((f) => f.type === 'message.updated');
    assert.deepEqual([(updated.data.message as { content: string; is_edited: boolean }).content, (updated.data.message as { is_edited: boolean }).is_edited], ['edited over the socket', true]);
    // Only the author edits.
    const notMine = await wb.command('edit', { message_id: message.id, content: 'hijack' });
    assert.deepEqual([notMine.type, notMine.data.code], ['command.error', 'forbidden']);

    // An outsider can neither post into nor delete from the space, and learns nothing of it.
    const intrude = await wo.command('post', { space_id: sid, content: 'let me in' });
    assert.deepEqual([intrude.type, intrude.data.code], ['command.error', 'not_found']);
    const del = await wo.command('delete', { message_id: message.id });
    assert.deepEqual([del.type, del.data.code], ['command.error', 'not_found']);
    // Bad input is refused with what is wrong; the connection stays usable.
    const bad = await wa.command('post', { space_id: sid });
    assert.deepEqual([bad.type, bad.data.code], ['command.error', 'bad_request']);

    assert.equal((await wa.command('delete', { message_id: message.id })).type, 'command.ack');
    const deleted = await wb.next((f) => f.type === 'message.deleted');
    assert.equal((deleted.data.message as { id: number }).id, message.id);
    assert.equal(wo.frames.filter((f) => String(f.type).startsWith('message.')).length, 0, 'the outsider received nothing of the space');
    await Promise.all([wa.close(), wb.close(), wo.close()]);
  });

  test('user.updated carries the same fields from the native API and the Tracim API', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    await group(a, [b]);
    const wb = await NativeClient.connect(srv.url, b.token);
    assert.equal((await api(srv.url, 'PATCH', '/api/v1/me', a.token, { display_name: 'via native' })).status, 200);
    assert.equal((await api(srv.url, 'PUT', `/api/users/${a.id}`, a.token, { public_name: 'via tracim' })).status, 200);
    assert.equal((await api(srv.url, 'PUT', `/api/users/${a.id}`, API_KEY, { public_name: 'via the API key' })).status, 200);
    const [native, tracim, server] = [
      await wb.next((f) => f.type === 'user.updated' && (f.data.user as { display_name: string }).display_name === 'via native'),
      await wb.next((f) => f.type === 'user.updated' && (f.data.user as { display_name: string }).display_name === 'via tracim'),
      await wb.next((f) => f.type === 'user.updated' && (f.data.user as { display_name: string }).display_name === 'via the API key'),
    ];
    for (const f of [native, tracim, server]) assert.deepEqual(Object.keys(f.data).sort(), ['actor_id', 'author', 'user']);
    assert.deepEqual([native.data.actor_id, (native.data.author as { id: number }).id], [a.id, a.id]);
    assert.deepEqual([tracim.data.actor_id, (tracim.data.author as { id: number }).id], [a.id, a.id]);
    assert.deepEqual([server.data.actor_id, server.data.author], [null, null]);
    await wb.close();
  });

  test('only sign-up and login run without credentials; other commands answer 401', async () => {
    assert.equal((await api(srv.url, 'GET', '/api/v1/spaces')).status, 401);
    assert.equal((await api(srv.url, 'POST', '/api/v1/spaces', undefined, { name: 'x' })).status, 401);
    assert.equal((await api(srv.url, 'GET', '/api/v1/me', undefined, undefined, { authorization: 'Basic abc' })).status, 401);
    const u = await newUser(srv.url);
    assert.equal((await api(srv.url, 'POST', '/api/v1/user.login', undefined, { email: u.username, password: 'correct horse battery' })).status, 200);
  });
});
