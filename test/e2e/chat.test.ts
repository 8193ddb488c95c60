// Every chat feature driven through the HTTP API, observed by real native WebSocket and SSE clients: users,
// spaces and members, messages. Reads, typing, presence, locks, actions and the API key are in
// chat-activity.test.ts; the shared server and helpers in chat-helpers.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, api, NativeClient, SseClient, sleep } from '../helpers/server.js';
import { srv, type Msg, msgOf, group, post, upload, useChatServer } from './chat-helpers.js';

useChatServer();

describe('users', () => {
  test('register, log in with email or username, and reject a wrong password', async () => {
    const u = await newUser(srv.url, 'login');
    const ok = await api<{ token: string; meta: { ok: boolean } }>(srv.url, 'POST', '/api/v1/user.login', undefined, { email: u.email, password: 'correct horse battery' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.meta.ok, true);
    const me = await api<{ user: { id: number } }>(srv.url, 'GET', '/api/v1/me', ok.body.token);
    assert.equal(me.body.user.id, u.id);
    const byName = await api(srv.url, 'POST', '/api/v1/user.login', undefined, { email: u.username, password: 'correct horse battery' });
    assert.equal(byName.status, 200);
    const bad = await api<{ code: string }>(srv.url, 'POST', '/api/v1/user.login', undefined, { email: u.email, password: 'wrong password!' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'unauthenticated');
    const dup = await api(srv.url, 'POST', '/api/v1/users', undefined, { email: u.email, password: 'another password' });
    assert.equal(dup.status, 409);
  });

  test('requests without a valid token are refused', async () => {
    assert.equal((await api(srv.url, 'GET', '/api/v1/me')).status, 401);
    assert.equal((await api(srv.url, 'GET', '/api/v1/me', 'not-a-token')).status, 401);
  });

  test('a profile change reaches users who share a space, and not strangers', async () => {
    const [a, b, stranger] = [await newUser(srv.url), await newUser(srv.url), await newUser(srv.url)];
    await group(a, [b]);
    const wb = await NativeClient.connect(srv.url, b.token);
    const ws = await NativeClient.connect(srv.url, stranger.token);
    const r = await api(srv.url, 'PATCH', '/api/v1/me', a.token, { display_name: 'Alice Renamed', has_avatar: true });
    assert.equal(r.status, 200);
    const f = await wb.next((x) => x.type === 'user.updated');
    assert.deepEqual([(f.data.user as { display_name: string }).display_name, (f.data.user as { has_avatar: boolean }).has_avatar], ['Alice Renamed', true]);
    await sleep(150);
    assert.equal(ws.ofType('user.updated').length, 0);
    await wb.close();
    await ws.close();
  });
});

describe('spaces and members', () => {
  test('1-to-1 spaces are unique per pair and refuse extra members', async () => {
    const [a, b, c] = [await newUser(srv.url), await newUser(srv.url), await newUser(srv.url)];
    const first = await api<{ space: { id: number; kind: string; members: unknown[] } }>(srv.url, 'POST', '/api/v1/spaces', a.token, { kind: 'direct', member_ids: [b.id] });
    assert.equal(first.status, 201);
    assert.equal(first.body.space.kind, 'direct');
    assert.equal(first.body.space.members.length, 2);
    const again = await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', b.token, { kind: 'direct', member_ids: [a.id] });
    assert.equal(again.status, 200);
    assert.equal(again.body.space.id, first.body.space.id);
    const add = await api(srv.url, 'POST', `/api/v1/spaces/${first.body.space.id}/members`, a.token, { user_id: c.id });
    assert.equal(add.status, 409);
  });

  test('adding, promoting and removing members notifies every member; the removed user hears nothing after', async () => {
    const [owner, bob, carol] = [await newUser(srv.url), await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(owner, [bob]);
    const wo = await NativeClient.connect(srv.url, owner.token);
    const wc = await NativeClient.connect(srv.url, carol.token);

    assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${sid}/members`, owner.token, { user_id: carol.id })).status, 201);
    const added = await wc.next((f) => f.type === 'member.added');
    assert.equal((added.data.member as { user: { id: number } }).user.id, carol.id);
    await wo.next((f) => f.type === 'member.added');

    assert.equal((await api(srv.url, 'PATCH', `/api/v1/spaces/${sid}/members/${carol.id}`, owner.token, { role: 'manager' })).status, 200);
    const promoted = await wc.next((f) => f.type === 'member.updated');
    assert.equal((promoted.data.member as { role: string }).role, 'manager');

    // A member may not remove others; a manager may not remove the owner.
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${sid}/members/${carol.id}`, bob.token)).status, 403);
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${sid}/members/${owner.id}`, carol.token)).status, 403);

    // Kick: the kicked user learns of it, then receives nothing more from the space.
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${sid}/members/${carol.id}`, owner.token)).status, 204);
    const kicked = await wc.next((f) => f.type === 'member.removed');
    assert.equal(kicked.data.actor_id, owner.id);
    await post(owner, sid, { content: 'after the kick' });
    await wo.next((f) => f.type === 'message.created');
    await sleep(150);
    assert.ok(!wc.ofType('message.created').some((f) => msgOf(f).content === 'after the kick'));
    assert.equal((await api(srv.url, 'GET', `/api/v1/spaces/${sid}/messages`, carol.token)).status, 404);

    // Leave: actor is the user themself.
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${sid}/members/${bob.id}`, bob.token)).status, 204);
    const left = await wo.next((f) => f.type === 'member.removed' && (f.data.member as { user: { id: number } }).user.id === bob.id);
    assert.equal(left.data.actor_id, bob.id);
    await wo.close();
    await wc.close();
  });

  test('renaming and deleting a space reach its members', async () => {
    const [owner, bob] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(owner, [bob]);
    const wb = await NativeClient.connect(srv.url, bob.token);
    assert.equal((await api(srv.url, 'PATCH', `/api/v1/spaces/${sid}`, bob.token, { name: 'nope' })).status, 403);
    assert.equal((await api(srv.url, 'PATCH', `/api/v1/spaces/${sid}`, owner.token, { name: 'renamed' })).status, 200);
    assert.equal(((await wb.next((f) => f.type === 'space.updated')).data.space as { name: string }).name, 'renamed');
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${sid}`, owner.token)).status, 204);
    await wb.next((f) => f.type === 'space.deleted');
    assert.equal((await api(srv.url, 'GET', `/api/v1/spaces/${sid}`, owner.token)).status, 404);
    await wb.close();
  });
});

describe('messages', () => {
  test('post, edit and delete reach members over WebSocket and SSE alike', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const ws = await NativeClient.connect(srv.url, b.token);
    const sse = new SseClient(srv.url, b.token);
    await sse.next((f) => f.type === 'session.welcome');

    const m = await post(a, sid, { content: 'first draft' });
    assert.equal(msgOf(await ws.next((f) => f.type === 'message.created')).content, 'first draft');
    const viaSse = await sse.next((f) => f.type === 'message.created');
    assert.equal(msgOf(viaSse).id, m.id);

    assert.equal((await api(srv.url, 'PATCH', `/api/v1/messages/${m.id}`, b.token, { content: 'hijack' })).status, 403);
    assert.equal((await api(srv.url, 'PATCH', `/api/v1/messages/${m.id}`, a.token, { content: 'final text' })).status, 200);
    const edited = msgOf(await ws.next((f) => f.type === 'message.updated'));
    assert.deepEqual([edited.content, edited.is_edited], ['final text', true]);
    await sse.next((f) => f.type === 'message.updated');

    assert.equal((await api(srv.url, 'DELETE', `/api/v1/messages/${m.id}`, b.token)).status, 403);
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/messages/${m.id}`, a.token)).status, 204);
    assert.equal(msgOf(await ws.next((f) => f.type === 'message.deleted')).id, m.id);
    await sse.next((f) => f.type === 'message.deleted');
    assert.equal((await api(srv.url, 'GET', `/api/v1/messages/${m.id}`, a.token)).status, 404);

    // SSE ids are the same feed positions the WebSocket envelope carries.
    const wsIds = ws.frames.filter((f) => f.id !== null).map((f) => String(f.id));
    const sseIds = sse.ids.filter((id) => id !== '');
    assert.deepEqual(sseIds, wsIds);
    sse.close();
    await ws.close();
  });

  test('message kinds are kept and listed newest first', async () => {
    const a = await newUser(srv.url);
    const sid = await group(a, []);
    for (const kind of ['message', 'no_thanks', 'no_thanks_hidden', 'image', 'greeter_auto', 'greeter_manual', 'action', 'audio']) await post(a, sid, { content: kind, kind });
    const list = await api<{ messages: { kind: string }[] }>(srv.url, 'GET', `/api/v1/spaces/${sid}/messages?limit=3`, a.token);
    assert.deepEqual(list.body.messages.map((m) => m.kind), ['audio', 'action', 'greeter_manual']);
    assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, a.token, { content: 'x', kind: 'nonsense' })).status, 400);
  });

  test('several uploaded files attach to one message; deleting one attachment notifies members', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const f1 = await upload(a, sid, 'notes.txt', 'hello world');
    const f2 = await upload(a, sid, 'pic.png', new Uint8Array(2048).fill(7), 'image/png');
    assert.equal(f1.status, 201);
    assert.deepEqual([f1.body.file.name, f1.body.file.size, f1.body.file.mimetype], ['notes.txt', 11, 'text/plain']);
    const ws = await NativeClient.connect(srv.url, b.token);
    const m = await post(a, sid, { content: 'two files', attachment_ids: [f1.body.file.id, f2.body.file.id] });
    const created = msgOf(await ws.next((f) => f.type === 'message.created'));
    assert.deepEqual(created.attachments.map((x) => x.name), ['notes.txt', 'pic.png']);
    assert.equal(m.attachments.length, 2);

    const dl = await fetch(`${srv.url}/api/v1/files/${f1.body.file.id}`, { headers: { authorization: `Bearer ${b.token}` } });
    assert.equal(await dl.text(), 'hello world');

    assert.equal((await api(srv.url, 'DELETE', `/api/v1/messages/${m.id}/attachments/${f2.body.file.id}`, a.token)).status, 204);
    const del = await ws.next((f) => f.type === 'attachment.deleted');
    assert.deepEqual(del.data.message_ids, [m.id]);
    assert.deepEqual((del.data.files as { id: number }[]).map((f) => f.id), [f2.body.file.id]);
    const after = await api<{ message: Msg }>(srv.url, 'GET', `/api/v1/messages/${m.id}`, b.token);
    assert.deepEqual(after.body.message.attachments.map((x) => x.id), [f1.body.file.id]);
    await ws.close();
  });

  test('the message a post answers and announces is the message read back later, field for field', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const f = await upload(a, sid, 'plan.txt', 'the plan');
    const ws = await NativeClient.connect(srv.url, b.token);
    const parent = await post(a, sid, { content: 'first' });
    const answered = await post(a, sid, { content: `see @${b.username} and the file`, attachment_ids: [f.body.file.id], parent_id: parent.id, meta: { tag: 'x' } });
    const announced = msgOf(await ws.next((fr) => fr.type === 'message.created' && msgOf(fr).id === answered.id));
    const read = (await api<{ message: Msg }>(srv.url, 'GET', `/api/v1/messages/${answered.id}`, a.token)).body.message;
    assert.deepEqual(answered, read, 'the post answer equals the stored message');
    assert.deepEqual(announced, read, 'the event equals the stored message');
    assert.deepEqual([read.mentions, read.attachments.map((x) => x.id), read.parent_id], [[b.id], [f.body.file.id], parent.id]);
    await ws.close();
  });

  test('uploads over the size limit are refused and leave nothing behind', async () => {
    const small = await startTestServer({ maxUploadBytes: 1024 });
    try {
      const a = await newUser(small.url);
      const r = await api<{ space: { id: number } }>(small.url, 'POST', '/api/v1/spaces', a.token, { name: 'x' });
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(4096)]), 'big.bin');
      const res = await fetch(`${small.url}/api/v1/spaces/${r.body.space.id}/files`, { method: 'POST', headers: { authorization: `Bearer ${a.token}` }, body: form });
      assert.equal(res.status, 413);
      const { readdirSync } = await import('node:fs');
      assert.deepEqual(readdirSync(`${small.dir}/files`), []);
    } finally {
      await small.stop();
    }
  });

  test('reactions reach members and alert the author', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const m = await post(a, sid, { content: 'react to me' });
    const wa = await NativeClient.connect(srv.url, a.token);
    assert.equal((await api(srv.url, 'POST', `/api/v1/messages/${m.id}/reactions`, b.token, { emoji: 'U 1F600' })).status, 200);
    const added = await wa.next((f) => f.type === 'reaction.added');
    assert.deepEqual(msgOf(added).reactions.map((r) => [r.emoji, r.user.id]), [['U 1F600', b.id]]);
    const alert = (await wa.next((f) => f.type === 'alert.created')).data.alert as { kind: string; from: { id: number } };
    assert.deepEqual([alert.kind, alert.from.id], ['reaction', b.id]);
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/messages/${m.id}/reactions/${encodeURIComponent('U 1F600')}`, b.token)).status, 200);
    assert.deepEqual(msgOf(await wa.next((f) => f.type === 'reaction.removed')).reactions, []);
    await wa.close();
  });

  test('mentions by id, username and @all raise alerts for exactly those members', async () => {
    const [a, b, c, outsider] = [await newUser(srv.url), await newUser(srv.url), await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b, c]);
    const [wb, wc, wo] = await Promise.all([b, c, outsider].map((u) => NativeClient.connect(srv.url, u.token)));
    await post(a, sid, { content: `ping @${b.id} and @${outsider.username}, mail me at x@example.com` });
    const ab = (await wb.next((f) => f.type === 'alert.created')).data.alert as { kind: string };
    assert.equal(ab.kind, 'mention');
    await sleep(150);
    assert.equal(wc.ofType('alert.created').length, 0);
    assert.equal(wo.ofType('alert.created').length, 0, 'a non-member mentioned by name is not alerted');
    await post(a, sid, { content: 'hello @all' });
    await wc.next((f) => f.type === 'alert.created');
    const alerts = await api<{ alerts: { kind: string }[] }>(srv.url, 'GET', '/api/v1/alerts', b.token);
    assert.equal(alerts.body.alerts.length, 2);
    await Promise.all([wb, wc, wo].map((w) => w.close()));
  });
});
