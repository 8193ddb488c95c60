// What the conversation shares besides its messages (issue 15): read state (a Tracim TLM read and a chat
// read of the same message are one read), the native protocol's audience for an administrator who is in no
// space, and AirSend's channel object filled from the space's real messages, files and folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, api, sleep, NativeClient, type TestUser } from '../helpers/server.js';
import { AirSendClient, DOC, channel } from './airsend-harness.test.js';
import { TlmClient, adminUser } from './tracim-helpers.js';

interface Inbox {
  items: { event_id: number; event_type: string; read_date: string | null; fields: { content?: { content_id: number } } }[];
}

const COMMENT = (mid: number) => 1_000_000_000 + mid;

test('read state: reading the TLM of a chat message is the chat read of it, and a chat read shows as the TLM read_date', async () => {
  const srv = await startTestServer();
  try {
    const [alice, bob] = await Promise.all([newUser(srv.url, 'alice'), newUser(srv.url, 'bob')]);
    const sid = await channel(srv.url, alice, [bob], 'Reads');
    const air = await AirSendClient.connect(srv, alice);
    const natBob = await NativeClient.connect(srv.url, bob.token);
    const tlm = await TlmClient.open(srv.url, bob.id, bob.token);
    const post = async (text: string) => (await api<{ message: { id: number } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, alice.token, { content: text })).body.message.id;
    const m1 = await post('first');
    const m2 = await post('second');
    const created = async (mid: number) => (await tlm.next((t) => t.event_type === 'content.created.comment' && t.fields.content.content_id === COMMENT(mid))).event_id;
    const e1 = await created(m1);
    const e2 = await created(m2);
    const inbox = async () => (await api<Inbox>(srv.url, 'GET', `/api/users/${bob.id}/messages`, bob.token)).body.items;
    const readDate = async (eventId: number) => (await inbox()).find((t) => t.event_id === eventId)?.read_date;
    assert.equal(await readDate(e1), null);

    // Tracim → chat: bob marks the TLM of m1 read; alice (AirSend) sees bob in read_users.
    assert.equal((await api(srv.url, 'PUT', `/api/users/${bob.id}/messages/${e1}/read`, bob.token)).status, 204);
    const u = await air.expect('chat.updateMessage', DOC['chat.updateMessage'], (x) => x.message.id === m1 && x.message.read_users.length === 1);
    assert.deepEqual(u.message.read_users, [{ uid: bob.id, dn: bob.username }]);
    assert.equal(u.message.read_user_count, '1');
    const unread = (await api<{ spaces: { space_id: number; unread: number }[] }>(srv.url, 'GET', '/api/v1/unread', bob.token)).body;
    assert.equal(unread.spaces.find((s) => s.space_id === sid)?.unread, 1, 'm2 only is unread in chat');

    // chat → Tracim: bob reads m2 on the native protocol; the TLM of m2 now has a read_date.
    assert.equal((await natBob.command('read', { message_id: m2 })).type, 'command.ack');
    const d2 = await readDate(e2);
    assert.match(d2 ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.notEqual(await readDate(e1), null);
    const summary = (await api<{ unread_messages_count: number }>(srv.url, 'GET', `/api/users/${bob.id}/messages/summary`, bob.token)).body;
    const unreadTlms = (await inbox()).filter((t) => t.read_date === null).length;
    assert.equal(summary.unread_messages_count, unreadTlms, 'the summary counts chat reads too');
    // Tracim "mark all read" is the chat's "all read" too.
    await post('third');
    const chatUnread = async () => (await api<{ total_unread: number }>(srv.url, 'GET', '/api/v1/unread', bob.token)).body.total_unread;
    assert.equal(await chatUnread(), 1);
    assert.equal((await api(srv.url, 'PUT', `/api/users/${bob.id}/messages/read`, bob.token)).status, 204);
    const all = await natBob.next((f) => f.type === 'unread.updated' && f.data.all_read === true);
    assert.equal((all.data.unread as { space_unread: number }).space_unread, 0);
    assert.equal(await chatUnread(), 0);
    tlm.close();
    await Promise.all([air.close(), natBob.close()]);
  } finally {
    await srv.stop();
  }
});

test('native protocol: an administrator in no space hears no space or member events of confidential spaces (Tracim still tells them)', async () => {
  const srv = await startTestServer();
  try {
    const admin = await adminUser(srv.url);
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => newUser(srv.url, n)));
    const natAdmin = await NativeClient.connect(srv.url, admin.token);
    const natCarol = await NativeClient.connect(srv.url, carol.token);
    const tlmAdmin = await TlmClient.open(srv.url, admin.id, admin.token);
    const sid = await channel(srv.url, alice, [bob], 'Private');
    assert.equal((await api(srv.url, 'PATCH', `/api/v1/spaces/${sid}`, alice.token, { description: 'now described' })).status, 200);
    assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${sid}/members`, alice.token, { user_id: carol.id })).status, 201);
    assert.equal((await api(srv.url, 'PATCH', `/api/v1/spaces/${sid}/members/${carol.id}`, alice.token, { role: 'manager' })).status, 200);
    assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${sid}/members/${carol.id}`, alice.token)).status, 204);
    // The removed member learns it; Tracim's administrator rule still holds on the TLM stream.
    await natCarol.next((f) => f.type === 'member.removed');
    for (const t of ['workspace.created', 'workspace.modified', 'workspace_member.created', 'workspace_member.modified', 'workspace_member.deleted']) await tlmAdmin.next((x) => x.event_type === t);
    // An open space is announced to every user, administrators included.
    const open = (await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', alice.token, { name: 'Open', access: 'open', member_ids: [bob.id] })).body.space.id;
    await natAdmin.next((f) => f.type === 'space.created' && (f.data.space as { id: number }).id === open);
    await sleep(200);
    const seen = natAdmin.frames.filter((f) => /^(space|member)\./.test(f.type)).map((f) => `${f.type} ${(f.data.space as { id: number }).id}`);
    assert.deepEqual(seen, [`space.created ${open}`]);
    // Carol: member.added (her own), member.updated, member.removed; nothing of the space before or after.
    assert.deepEqual(natCarol.frames.filter((f) => /^(space|member)\./.test(f.type) && (f.data.space as { id: number }).id === sid).map((f) => f.type), ['member.added', 'member.updated', 'member.removed']);
    tlmAdmin.close();
    await Promise.all([natAdmin.close(), natCarol.close()]);
  } finally {
    await srv.stop();
  }
});

async function chatUpload(base: string, user: TestUser, sid: number, name: string, text: string): Promise<void> {
  const fd = new FormData();
  fd.append('file', new Blob([text], { type: 'text/plain' }), name);
  const r = await fetch(`${base}/api/v1/spaces/${sid}/files`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: fd });
  assert.equal(r.status, 201, await r.text());
}

async function tracimUpload(base: string, user: TestUser, sid: number, name: string, text: string, parentId: number): Promise<void> {
  const fd = new FormData();
  fd.append('parent_id', String(parentId));
  fd.append('files', new Blob([text], { type: 'text/plain' }), name);
  const r = await fetch(`${base}/api/workspaces/${sid}/files`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: fd });
  assert.equal(r.status, 200, await r.text());
}

test('AirSend channel object: latest_message and total_* come from the channel\'s messages, files and folders', async () => {
  const srv = await startTestServer();
  try {
    const [alice, bob, dave] = await Promise.all(['alice', 'bob', 'dave'].map((n) => newUser(srv.url, n)));
    const sid = await channel(srv.url, alice, [bob], 'Stats');
    const air = await AirSendClient.connect(srv, alice);
    await chatUpload(srv.url, alice, sid, 'notes.txt', 'twelve bytes'); // 12 bytes
    const folder = await api<{ content_id: number }>(srv.url, 'POST', `/api/workspaces/${sid}/contents`, bob.token, { content_type: 'folder', label: 'Docs' });
    assert.equal(folder.status, 200, JSON.stringify(folder.body));
    await tracimUpload(srv.url, bob, sid, 'plan.txt', 'seven b', folder.body.content_id); // 7 bytes
    const last = (await api<{ message: { id: number } }>(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, bob.token, { content: 'the latest word' })).body.message.id;
    assert.equal((await api(srv.url, 'PATCH', `/api/v1/spaces/${sid}`, alice.token, { name: 'Stats renamed' })).status, 200);
    const ch = (await air.expect('channel.update', DOC['channel.update'], (x) => x.channel.channel_name === 'Stats renamed')).channel;
    assert.equal(ch.latest_message.id, last);
    assert.equal(ch.latest_message.content, 'the latest word');
    assert.equal(ch.latest_message.user_id, bob.id);
    assert.equal(ch.total_file_count, 2);
    assert.equal(ch.total_folder_count, 1);
    assert.equal(ch.total_fs_count, 3);
    assert.equal(ch.total_fs_size, 19);
    // The files root is a real folder: the chat thread, under which the channel's files are listed.
    const thread = 2_000_000_000 + sid;
    assert.deepEqual(ch.channel_roots, [{ type: 'files', location: `/cf/${thread}` }, { type: 'wiki', location: `/wf/${sid}` }]);
    const files = await api<{ content_type: string; filename: string }[]>(srv.url, 'GET', `/api/workspaces/${sid}/contents?parent_id=${thread}&content_type=file`, bob.token);
    assert.deepEqual(files.body.filter((c) => c.content_type === 'file').map((c) => c.filename), ['notes.txt']);
    const tree = await api<{ content_type: string; label: string }[]>(srv.url, 'GET', `/api/workspaces/${sid}/contents`, bob.token);
    assert.deepEqual(tree.body.map((c) => `${c.content_type} ${c.label}`).sort(), ['file plan', 'folder Docs', 'thread Chat']);
    // The members' channel.update after user_added.channel carries them too.
    assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${sid}/members`, alice.token, { user_id: dave.id })).status, 201);
    await air.expect('user_added.channel', DOC['user_added.channel'], (x) => x.user.id === dave.id);
    const after = (await air.expect('channel.update', DOC['channel.update'], (x) => x.channel.members.length === 3)).channel;
    assert.equal(after.latest_message.id, last);
    assert.equal(after.total_fs_size, 19);
    await air.close();
  } finally {
    await srv.stop();
  }
});
