// AirSend RTM conformance: every server event of the document, sent to the members the document names,
// with the document's keys, value types and formats. Changes are made over Herald's HTTP API (AirSend's
// HTTP API is outside the RTM document); the receiving side is a plain ws client that did ws_auth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, api, sleep, NativeClient, API_KEY, type TestServer, type TestUser } from '../helpers/server.js';
import { AirSendClient, DOC, channel, conforms, post, sameInstant } from './airsend-harness.test.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.stop();
});

const users = (...names: string[]) => Promise.all(names.map((n) => newUser(srv.url, n)));

async function upload(base: string, user: TestUser, cid: number, name: string, text: string): Promise<number> {
  const fd = new FormData();
  fd.append('file', new Blob([text], { type: 'text/plain' }), name);
  const r = await fetch(`${base}/api/v1/spaces/${cid}/files`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: fd });
  const body = (await r.json()) as { file: { id: number } };
  assert.equal(r.status, 201, JSON.stringify(body));
  return body.file.id;
}

test('chat.postMessage: every member of the channel gets new messages', async () => {
  const [alice, bob, carol] = await users('alice', 'bob', 'carol');
  const cid = await channel(srv.url, bob, [alice]);
  const a = await AirSendClient.connect(srv, alice);
  const c = await AirSendClient.connect(srv, carol);
  const mid = await post(srv.url, bob, cid, 'fs');
  const p = await a.expect('chat.postMessage', DOC['chat.postMessage'], (x) => x.message.id === mid);
  const m = p.message;
  assert.deepEqual(
    { user_id: m.user_id, channel_id: m.channel_id, display_name: m.display_name, content: m.content, message_type: m.message_type, is_edited: m.is_edited },
    { user_id: bob.id, channel_id: cid, display_name: bob.username, content: 'fs', message_type: 1, is_edited: false },
  );
  assert.deepEqual([m.attachments, m.parent_message, m.emoticons, m.read_users, m.read_user_count], [[], [], [], [], '0']);
  sameInstant(m.created_on, m.created_on_ts);
  assert.ok(Math.abs(m.created_on_ts - Date.now() / 1000) < 10);

  // A reply quoting another message.
  const qid = await post(srv.url, bob, cid, 'quoting', { parent_id: mid });
  const q = await a.expect('chat.postMessage', DOC['chat.postMessage'], (x) => x.message.id === qid);
  assert.equal(q.message.message_type, 3);
  assert.deepEqual(q.message.parent_message, [{ mid }]);

  await sleep(100);
  assert.equal(c.of('chat.postMessage').length, 0, 'a non-member gets nothing');
  await a.close();
  await c.close();
});

test('chat.postMessage: attachments are listed in the message object', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const fid = await upload(srv.url, bob, cid, 'notes.txt', 'hello');
  const a = await AirSendClient.connect(srv, alice);
  const mid = await post(srv.url, bob, cid, 'see attached', { attachment_ids: [fid] });
  const p = await a.expect('chat.postMessage', DOC['chat.postMessage'], (x) => x.message.id === mid);
  conforms(p.message.attachments, ['array', { ctp: 'string', content: { file_id: 'int', path: 'string', name: 'string', size: 'int' } }]);
  assert.equal(p.message.attachments[0].ctp, 'ATTACHMENT_TYPE_FILE');
  assert.equal(p.message.attachments[0].content.path, `/cf/${2_000_000_000 + cid}/attachments/notes.txt`); // under the files root: the chat thread
  await a.close();
});

test('chat.updateMessage: edits and reactions re-send the message to the channel', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const mid = await post(srv.url, bob, cid, 'first');
  const a = await AirSendClient.connect(srv, alice);

  assert.equal((await api(srv.url, 'PATCH', `/api/v1/messages/${mid}`, bob.token, { content: 'second' })).status, 200);
  const edited = await a.expect('chat.updateMessage', DOC['chat.updateMessage'], (x) => x.message.id === mid && x.message.is_edited);
  assert.equal(edited.message.content_text, 'second');
  assert.equal(edited.message.channel_id, cid);

  assert.equal((await api(srv.url, 'POST', `/api/v1/messages/${mid}/reactions`, alice.token, { emoji: '😀' })).status, 200);
  const reacted = await a.expect('chat.updateMessage', DOC['chat.updateMessage'], (x) => x.message.id === mid && x.message.emoticons.length === 1);
  assert.deepEqual(reacted.message.emoticons, [{ uid: alice.id, dn: alice.username, ev: 'U 1F600' }]);
  await a.close();
});

test('chat.deleteMessage: message_id and channel_id', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const mid = await post(srv.url, bob, cid, 'oops');
  const a = await AirSendClient.connect(srv, alice);
  assert.equal((await api(srv.url, 'DELETE', `/api/v1/messages/${mid}`, bob.token)).status, 204);
  const p = await a.expect('chat.deleteMessage', DOC['chat.deleteMessage']);
  assert.deepEqual(p, { message_id: mid, channel_id: cid });
  await a.close();
});

test('channel.create: sent to the users associated with the new channel only (also for open channels)', async () => {
  const [alice, bob, carol] = await users('alice', 'bob', 'carol');
  const a = await AirSendClient.connect(srv, alice);
  const c = await AirSendClient.connect(srv, carol);
  const r = await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', bob.token, { name: 'Channel 22', access: 'open', member_ids: [alice.id] });
  assert.equal(r.status, 201);
  const cid = r.body.space.id;
  const p = await a.expect('channel.create', DOC['channel.create'], (x) => x.channel.id === cid);
  const ch = p.channel;
  assert.equal(ch.channel_name, 'Channel 22');
  assert.equal(ch.created_by, bob.id);
  assert.equal(ch.latest_message, null);
  assert.deepEqual(ch.channel_roots, [
    { type: 'files', location: `/cf/${2_000_000_000 + cid}` }, // the chat thread, where the channel's files are
    { type: 'wiki', location: `/wf/${cid}` },
  ]);
  sameInstant(ch.created_on, ch.created_on_ts);
  sameInstant(ch.last_active_on, ch.last_active_on_ts);
  const byId = new Map<number, { online_status: boolean; email: string }>(ch.members.map((m: { id: number; online_status: boolean; email: string }) => [m.id, m]));
  assert.deepEqual([...byId.keys()].sort(), [alice.id, bob.id].sort());
  assert.equal(byId.get(alice.id)!.online_status, true, 'alice is connected');
  assert.equal(byId.get(bob.id)!.online_status, false, 'bob has no realtime connection');
  assert.equal(byId.get(bob.id)!.email, bob.email);
  await sleep(100);
  assert.equal(c.of('channel.create').length, 0, 'carol is not associated with the channel');
  await a.close();
  await c.close();
});

test('user_added.channel, then channel.update and a bot message (type 2), to every member', async () => {
  const [alice, bob, carol] = await users('alice', 'bob', 'carol');
  const cid = await channel(srv.url, bob, [alice]);
  const a = await AirSendClient.connect(srv, alice);
  const c = await AirSendClient.connect(srv, carol);
  assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${cid}/members`, bob.token, { user_id: carol.id })).status, 201);
  for (const client of [a, c]) {
    const p = await client.expect('user_added.channel', DOC['user_added.channel'], (x) => x.channel_id === cid);
    assert.equal(p.user.id, carol.id);
    assert.equal(p.user.online_status, true, 'carol is connected');
    const u = await client.expect('channel.update', DOC['channel.update'], (x) => x.channel.id === cid);
    assert.ok(u.channel.members.some((m: { id: number }) => m.id === carol.id));
    const bot = await client.expect('chat.postMessage', DOC['chat.postMessage(bot)'], (x) => x.message.channel_id === cid && x.message.message_type === 5);
    assert.equal(bot.message.display_name, 'AirBot');
    assert.deepEqual(bot.message.content, { type: 2, bot_message: `@${bob.id} has added @${carol.id} to this channel` });
  }
  // The order the document implies: the add, then the refreshed channel, then the bot message.
  const order = a.frames.map((f) => f.event).filter((e) => ['user_added.channel', 'channel.update', 'chat.postMessage'].includes(e));
  assert.deepEqual(order, ['user_added.channel', 'channel.update', 'chat.postMessage']);
  await a.close();
  await c.close();
});

test('user_removed.channel: a leave has removed_by_user_id == removed_user_id, a kick does not', async () => {
  const [alice, bob, carol, dave] = await users('alice', 'bob', 'carol', 'dave');
  const cid = await channel(srv.url, bob, [alice, carol, dave]);
  const a = await AirSendClient.connect(srv, alice);
  const d = await AirSendClient.connect(srv, dave);

  assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${cid}/members/${carol.id}`, carol.token)).status, 204);
  const left = await a.expect('user_removed.channel', DOC['user_removed.channel'], (x) => x.removed_user_id === carol.id);
  assert.deepEqual(left, { removed_user_id: carol.id, removed_by_user_id: carol.id, channel_id: cid });

  assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${cid}/members/${dave.id}`, bob.token)).status, 204);
  const kicked = await a.expect('user_removed.channel', DOC['user_removed.channel'], (x) => x.removed_user_id === dave.id);
  assert.deepEqual(kicked, { removed_user_id: dave.id, removed_by_user_id: bob.id, channel_id: cid });
  // The kicked user learns it too; the remaining members get the refreshed channel.
  await d.expect('user_removed.channel', DOC['user_removed.channel'], (x) => x.removed_user_id === dave.id);
  const u = await a.expect('channel.update', DOC['channel.update'], (x) => x.channel.members.length === 2);
  assert.deepEqual(u.channel.members.map((m: { id: number }) => m.id).sort(), [alice.id, bob.id].sort());
  await sleep(100);
  // dave got the channel.update of carol's leave (still a member then), none after his own removal.
  assert.ok(d.of('channel.update').every((p: { channel: { members: { id: number }[] } }) => p.channel.members.some((m) => m.id === dave.id)));
  await a.close();
  await d.close();
});

test('channel.update: renames reach every member with the document\'s channel object', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const a = await AirSendClient.connect(srv, alice);
  assert.equal((await api(srv.url, 'PATCH', `/api/v1/spaces/${cid}`, bob.token, { name: 'test' })).status, 200);
  const p = await a.expect('channel.update', DOC['channel.update'], (x) => x.channel.id === cid);
  assert.equal(p.channel.channel_name, 'test');
  assert.equal(p.channel.channel_status, 100);
  assert.equal(p.channel.created_by, String(bob.id));
  await a.close();
});

test('channel.remove: channel_id, to every member', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const a = await AirSendClient.connect(srv, alice);
  assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${cid}`, bob.token)).status, 204);
  assert.deepEqual(await a.expect('channel.remove', DOC['channel.remove']), { channel_id: cid });
  await a.close();
});

test('chat.userTyping: other members get the typist\'s user object; the typist does not', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const a = await AirSendClient.connect(srv, alice);
  const b = await AirSendClient.connect(srv, bob);
  assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${cid}/typing`, bob.token)).status, 200);
  const p = await a.expect('chat.userTyping', DOC['chat.userTyping']);
  assert.equal(p.user.id, bob.id);
  assert.equal(p.user.online_status, true);
  assert.equal(p.channel_id, cid);
  sameInstant(p.user.last_active_on, p.user.last_active_on_ts);
  await sleep(100);
  assert.equal(b.of('chat.userTyping').length, 0);
  await a.close();
  await b.close();
});

test('user.online and user.offline: per channel, to the other members', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const c1 = await channel(srv.url, alice, [bob], 'one');
  const c2 = await channel(srv.url, alice, [bob], 'two');
  const a = await AirSendClient.connect(srv, alice);
  const b = await AirSendClient.connect(srv, bob);
  const on1 = await a.expect('user.online', DOC['user.online'], (x) => x.channel_id === c1);
  await a.expect('user.online', DOC['user.online'], (x) => x.channel_id === c2);
  assert.equal(on1.user.id, bob.id);
  assert.equal(on1.user.online_status, true);
  await b.close();
  const off = await a.expect('user.offline', DOC['user.offline'], (x) => x.channel_id === c1);
  assert.equal(off.user.id, bob.id);
  assert.equal(off.user.online_status, false);
  await a.close();
});

test('user.profileUpdate: one per channel shared with the user', async () => {
  const [alice, bob, carol] = await users('alice', 'bob', 'carol');
  const c1 = await channel(srv.url, alice, [bob], 'one');
  const c2 = await channel(srv.url, bob, [alice], 'two');
  await channel(srv.url, bob, [carol], 'three');
  const a = await AirSendClient.connect(srv, alice);
  const b = await AirSendClient.connect(srv, bob);
  assert.equal((await api(srv.url, 'PATCH', '/api/v1/me', bob.token, { display_name: 'test test test', has_avatar: true })).status, 200);
  const p1 = await a.expect('user.profileUpdate', DOC['user.profileUpdate'], (x) => x.channel_id === c1);
  const p2 = await a.expect('user.profileUpdate', DOC['user.profileUpdate'], (x) => x.channel_id === c2);
  for (const p of [p1, p2]) {
    assert.equal(p.user.id, bob.id);
    assert.equal(p.user.display_name, 'test test test');
    assert.equal(p.user.has_avatar, true);
    assert.equal(p.user.online_status, true);
  }
  // bob's own connection hears about it too (his other devices), once per channel of his.
  await b.expect('user.profileUpdate', DOC['user.profileUpdate'], (x) => x.channel_id === c1);
  await sleep(150);
  assert.equal(a.of('user.profileUpdate').length, 2, 'not for the channel alice is not in');
  await a.close();
  await b.close();
});

test('alert.notification: mentions, quotes and reactions alert the user concerned', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const a = await AirSendClient.connect(srv, alice);

  const mention = await post(srv.url, bob, cid, `... 2 : @${alice.id} has a question`);
  const m = await a.expect('alert.notification', DOC['alert.notification'], (x) => x.message_id === mention);
  assert.equal(m.channel_id, cid);
  assert.equal(m.is_read, false);
  assert.equal(m.from.length, 1);
  assert.equal(m.from[0].id, bob.id);
  assert.match(m.alert_text, new RegExp(`@${alice.id}`));

  const mine = await post(srv.url, alice, cid, 'my message');
  const quote = await post(srv.url, bob, cid, 'quoting you', { parent_id: mine });
  await a.expect('alert.notification', DOC['alert.notification'], (x) => x.message_id === quote);

  assert.equal((await api(srv.url, 'POST', `/api/v1/messages/${mine}/reactions`, bob.token, { emoji: '👍' })).status, 200);
  const r = await a.expect('alert.notification', DOC['alert.notification'], (x) => x.message_id === mine);
  assert.equal(r.from[0].id, bob.id);
  await a.close();
});

test('action.create (and the action.update / action.delete extensions)', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const a = await AirSendClient.connect(srv, alice);
  const due = Date.now() + 86_400_000;
  const r = await api<{ action: { id: number } }>(srv.url, 'POST', `/api/v1/spaces/${cid}/actions`, bob.token, { name: 'test action2', description: 'action desc', due_at: due });
  assert.equal(r.status, 201);
  const aid = r.body.action.id;
  const p = await a.expect('action.create', DOC['action.create'], (x) => x.action.id === aid);
  assert.deepEqual(
    { channel_id: p.channel_id, a_channel: p.action.channel_id, name: p.action.action_name, desc: p.action.action_desc, type: p.action.action_type, status: p.action.action_status, by: p.action.created_by },
    { channel_id: cid, a_channel: cid, name: 'test action2', desc: 'action desc', type: 1, status: 0, by: bob.id },
  );
  sameInstant(p.action.due_on, Math.floor(due / 1000));

  assert.equal((await api(srv.url, 'PATCH', `/api/v1/actions/${aid}`, bob.token, { status: 1 })).status, 200);
  const updatedSpec = { action: { ...DOC['action.create'].action, updated_on: 'datetime', updated_by: 'int' }, channel_id: 'int' } as const;
  const u = await a.expect('action.update', updatedSpec, (x) => x.action.id === aid);
  assert.equal(u.action.action_status, 1);
  assert.equal(u.action.updated_by, bob.id);

  assert.equal((await api(srv.url, 'DELETE', `/api/v1/actions/${aid}`, bob.token)).status, 204);
  const d = await a.expect('action.delete', updatedSpec, (x) => x.action.id === aid);
  assert.equal(d.channel_id, cid);
  await a.close();
});

test('chat.unreadCountUpdate: to the reader, after a read', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const m1 = await post(srv.url, bob, cid, 'one');
  const m2 = await post(srv.url, bob, cid, 'two');
  const a = await AirSendClient.connect(srv, alice);
  const b = await AirSendClient.connect(srv, bob);
  assert.equal((await api(srv.url, 'POST', `/api/v1/messages/${m1}/read`, alice.token)).status, 200);
  const p = await a.expect('chat.unreadCountUpdate', DOC['chat.unreadCountUpdate']);
  assert.deepEqual(p, { total_unread_count: 1, channel_id: cid, channel_unread_count: 1, oldest_unread_message_id: m2 });
  await sleep(100);
  assert.equal(b.of('chat.unreadCountUpdate').length, 0, 'only the reader');
  await a.close();
  await b.close();
});

test('lock.acquire and lock.release, and the file bot message (type 1)', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const a = await AirSendClient.connect(srv, alice);
  const fid = await upload(srv.url, bob, cid, 'Screen Shot.png', 'png');
  const bot = await a.expect('chat.postMessage', DOC['chat.postMessage(bot)'], (x) => x.message.message_type === 5);
  assert.deepEqual(bot.message.content, { type: 1, bot_message: `@${bob.id} has added the file Screen Shot.png to this channel` });

  assert.equal((await api(srv.url, 'POST', `/api/v1/files/${fid}/lock`, bob.token)).status, 200);
  const acq = await a.expect('lock.acquire', DOC['lock.acquire']);
  assert.equal(acq.channel_id, cid);
  assert.equal(acq.user_id, bob.id);
  assert.equal(acq.path, `/cf/${2_000_000_000 + cid}/attachments/Screen Shot.png`);

  assert.equal((await api(srv.url, 'DELETE', `/api/v1/files/${fid}/lock`, bob.token)).status, 204);
  const rel = await a.expect('lock.release', DOC['lock.release']);
  assert.deepEqual(rel, { ...acq });
  await a.close();
});

test('bot messages: display_name is configurable; native clients see the same message as kind bot', async () => {
  const other = await startTestServer({}, { HERALD_AIRSEND_BOT_NAME: 'HeraldBot' });
  try {
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => newUser(other.url, n)));
    const cid = await channel(other.url, bob, [alice]);
    const a = await AirSendClient.connect(other, alice);
    const n = await NativeClient.connect(other.url, alice.token);
    assert.equal((await api(other.url, 'POST', `/api/v1/spaces/${cid}/members`, bob.token, { user_id: carol.id })).status, 201);
    const bot = await a.expect('chat.postMessage', DOC['chat.postMessage(bot)'], (x) => x.message.message_type === 5);
    assert.equal(bot.message.display_name, 'HeraldBot');
    const native = await n.next((f) => f.type === 'message.created');
    const msg = native.data.message as { kind: string; author: unknown; meta: unknown; id: number };
    assert.deepEqual([msg.kind, msg.author, msg.meta, msg.id], ['bot', null, { type: 2, bot_message: `@${bob.id} has added @${carol.id} to this channel` }, bot.message.id]);
    await a.close();
    await n.close();
  } finally {
    await other.stop();
  }
});

test('extension: custom events published by the app backend reach AirSend clients of the channel', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const a = await AirSendClient.connect(srv, alice);
  const r = await api(srv.url, 'POST', '/api/v1/events', API_KEY, { name: 'deploy.done', space_id: cid, payload: { build: 7 } });
  assert.ok(r.status < 300, JSON.stringify(r.body));
  const f = await a.next((x) => x.event === 'custom.deploy.done');
  assert.deepEqual(f.payload, { channel_id: cid, payload: { build: 7 } });
  await a.close();
});
