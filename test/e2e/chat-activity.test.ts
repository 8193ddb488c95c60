// Chat features driven through the HTTP API, observed by real native WebSocket and SSE clients: reads and
// unread counts, typing and presence, file locks and action items, the server API key. Users, spaces and
// messages are in chat.test.ts; the shared server and helpers in chat-helpers.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newUser, api, NativeClient, SseClient, sleep, API_KEY } from '../helpers/server.js';
import { srv, msgOf, group, post, upload, useChatServer } from './chat-helpers.js';

useChatServer();

describe('reads and unread counts', () => {
  test('reading one message updates receipts for the space and counts for the reader; read-all clears the rest', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const m1 = await post(a, sid, { content: 'one' });
    await post(a, sid, { content: 'two' });
    const m3 = await post(a, sid, { content: 'three' });
    await post(b, sid, { content: 'mine is never unread' });

    const before = await api<{ total_unread: number; spaces: { space_id: number; unread: number; oldest_unread_id: number }[] }>(srv.url, 'GET', '/api/v1/unread', b.token);
    assert.equal(before.body.total_unread, 3);
    assert.deepEqual(before.body.spaces, [{ space_id: sid, unread: 3, oldest_unread_id: m1.id }]);

    const wa = await NativeClient.connect(srv.url, a.token);
    const wb = await NativeClient.connect(srv.url, b.token);
    const ack = await wb.command('read', { message_id: m1.id });
    assert.equal(ack.type, 'command.ack');
    const read = await wa.next((f) => f.type === 'message.read');
    assert.deepEqual(msgOf(read).read_by.map((r) => r.user.id), [b.id]);
    const unread = (await wb.next((f) => f.type === 'unread.updated')).data.unread as { space_unread: number; total_unread: number; oldest_unread_id: number };
    assert.equal(unread.space_unread, 2);
    assert.equal(unread.total_unread, 2);
    assert.ok(unread.oldest_unread_id > m1.id && unread.oldest_unread_id < m3.id);
    await sleep(100);
    assert.equal(wa.ofType('unread.updated').length, 0, 'unread counts are private to the reader');

    const all = await api<{ unread: { space_unread: number; oldest_unread_id: number } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/read`, b.token);
    assert.deepEqual([all.body.unread.space_unread, all.body.unread.oldest_unread_id], [0, 0]);
    const upd = await wb.next((f) => f.type === 'unread.updated' && (f.data as { all_read: boolean }).all_read);
    assert.equal((upd.data.unread as { total_unread: number }).total_unread, 0);
    await wa.close();
    await wb.close();
  });
});

describe('typing and presence', () => {
  test('typing reaches other members, never the typist, and bursts are throttled', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const wa = await NativeClient.connect(srv.url, a.token);
    const wb = await NativeClient.connect(srv.url, b.token);
    const results: boolean[] = [];
    for (let i = 0; i < 6; i++) results.push(((await wa.command('typing', { space_id: sid })).data.result as { delivered: boolean }).delivered);
    assert.deepEqual(results, [true, true, true, false, false, false]);
    await wb.next((f) => f.type === 'typing.started');
    await sleep(150);
    assert.equal(wb.ofType('typing.started').length, 3);
    assert.equal(wa.ofType('typing.started').length, 0);
    assert.ok(wb.ofType('typing.started').every((f) => f.id === null), 'typing is ephemeral: no feed position');
    await wa.close();
    await wb.close();
  });

  test('online on the first connection, offline only when the last one closes', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    await group(a, [b]);
    const wb = await NativeClient.connect(srv.url, b.token);
    const first = await NativeClient.connect(srv.url, a.token);
    await wb.next((f) => f.type === 'presence.online' && (f.data.user as { id: number }).id === a.id);
    const second = new SseClient(srv.url, a.token);
    await second.next((f) => f.type === 'session.welcome');
    assert.equal((await api<{ user: { online: boolean } }>(srv.url, 'GET', `/api/v1/users/${a.id}`, b.token)).body.user.online, true);
    await first.close();
    await sleep(200);
    assert.equal(wb.ofType('presence.offline').length, 0, 'still connected over SSE');
    second.close();
    await wb.next((f) => f.type === 'presence.offline' && (f.data.user as { id: number }).id === a.id);
    assert.equal(wb.ofType('presence.online').length, 1);
    await wb.close();
  });
});

describe('file locks and action items', () => {
  test('locking a file is exclusive and both lock and release reach members', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const f = await upload(a, sid, 'doc.md', '# doc');
    const wb = await NativeClient.connect(srv.url, b.token);
    assert.equal((await api(srv.url, 'POST', `/api/v1/files/${f.body.file.id}/lock`, a.token)).status, 200);
    const lock = (await wb.next((x) => x.type === 'lock.acquired')).data.lock as { user_id: number; path: string; file_id: number };
    assert.deepEqual([lock.user_id, lock.file_id], [a.id, f.body.file.id]);
    assert.match(lock.path, /doc\.md$/);
    assert.equal((await api(srv.url, 'POST', `/api/v1/files/${f.body.file.id}/lock`, b.token)).status, 409);
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/files/${f.body.file.id}/lock`, b.token)).status, 403);
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/files/${f.body.file.id}/lock`, a.token)).status, 204);
    await wb.next((x) => x.type === 'lock.released');
    assert.equal((await api(srv.url, 'POST', `/api/v1/files/${f.body.file.id}/lock`, b.token)).status, 200);
    await wb.close();
  });

  test('action items: create with a due date, update, delete', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const wb = await NativeClient.connect(srv.url, b.token);
    const due = Date.UTC(2030, 0, 2, 3, 4, 5);
    const r = await api<{ action: { id: number } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/actions`, a.token, { name: 'ship it', description: 'by friday', due_at: due, assignee_id: b.id });
    assert.equal(r.status, 201);
    const created = (await wb.next((f) => f.type === 'action.created')).data.action as { name: string; due_at: number; assignee_id: number; status: number };
    assert.deepEqual([created.name, created.due_at, created.assignee_id, created.status], ['ship it', due, b.id, 0]);
    await api(srv.url, 'PATCH', `/api/v1/actions/${r.body.action.id}`, b.token, { status: 1 });
    assert.equal(((await wb.next((f) => f.type === 'action.updated')).data.action as { status: number }).status, 1);
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/actions/${r.body.action.id}`, a.token)).status, 204);
    await wb.next((f) => f.type === 'action.deleted');
    assert.deepEqual((await api<{ actions: unknown[] }>(srv.url, 'GET', `/api/v1/spaces/${sid}/actions`, a.token)).body.actions, []);
    await wb.close();
  });
});

describe('server API key', () => {
  test('an app backend acts as a user and publishes custom events to a space', async () => {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await group(a, [b]);
    const wb = await NativeClient.connect(srv.url, b.token);
    const asA = await api<{ message: { author: { id: number } } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, API_KEY, { content: 'from the backend' }, { 'x-herald-user': String(a.id) });
    assert.equal(asA.status, 201);
    assert.equal(asA.body.message.author.id, a.id);
    const pub = await api(srv.url, 'POST', '/api/v1/events', API_KEY, { name: 'build.finished', space_id: sid, payload: { ok: true } });
    assert.equal(pub.status, 202);
    const custom = await wb.next((f) => f.type === 'custom.build.finished');
    assert.deepEqual(custom.data.payload, { ok: true });
    assert.equal((await api(srv.url, 'POST', '/api/v1/events', a.token, { name: 'x', payload: {} })).status, 403);
    await wb.close();
  });
});
