// Dino events over MQTT 5, end to end with mqtt.js: every event type of specs/dino-mqtt-events.md (and the
// ones Herald defines in its style, docs/dialects/dino.md), checked key by key against JSON written here by
// hand from the document and the value rules (ids as integers, `group` times in float seconds, every other
// time in integer milliseconds, file ids as 32 lowercase hex digits). Changes are made over Herald's REST API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, newUser, type TestServer, type TestUser } from '../helpers/server.js';
import { AirSendClient, DOC } from './airsend-harness.test.js';
import { dinoClient, direct, eventTopic, group, post, startMqttServer, type MqttRecorder } from './mqtt-harness.js';

let srv: TestServer;
before(async () => {
  srv = await startMqttServer();
});
after(async () => {
  await srv.stop();
});

interface Space {
  id: number;
  uuid: string;
  name: string;
  owner_id: number;
  created_at: number;
  updated_at: number;
  last_active_at: number;
}

async function getSpace(u: TestUser, id: number): Promise<Space> {
  const r = await api<{ space: Space }>(srv.url, 'GET', `/api/v1/spaces/${id}`, u.token);
  assert.equal(r.status, 200);
  return r.body.space;
}

async function upload(user: TestUser, spaceId: number, name: string, text: string): Promise<{ id: number; uuid: string; created_at: number; size: number }> {
  const fd = new FormData();
  fd.append('file', new Blob([text], { type: 'text/plain' }), name);
  const r = await fetch(`${srv.url}/api/v1/spaces/${spaceId}/files`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: fd });
  const body = (await r.json()) as { file: { id: number; uuid: string; created_at: number; size: number } };
  assert.equal(r.status, 201, JSON.stringify(body));
  return body.file;
}

const hex = (uuid: string) => uuid.replace(/-/g, '');
const keys = (o: object) => Object.keys(o);

test('group (created): the document keys, float seconds, integer ids', async () => {
  const [alice, bob] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob')];
  const b = await dinoClient(srv, bob);
  const g = await group(srv.url, alice, [bob], 'trip planning');
  const s = await getSpace(alice, g.id);
  const ev = await b.json(eventTopic(bob), (j) => j.event_type === 'group');
  assert.deepEqual(ev, {
    event_type: 'group',
    group_id: g.uuid,
    name: 'trip planning',
    created_at: s.created_at / 1000,
    updated_at: s.updated_at / 1000,
    last_message_time: s.last_active_at / 1000,
    group_type: 0,
    owner_id: alice.id,
    user_ids: [alice.id, bob.id],
    description: null,
    status: null,
  });
  assert.deepEqual(keys(ev).slice(0, 9), ['event_type', 'group_id', 'name', 'created_at', 'updated_at', 'last_message_time', 'group_type', 'owner_id', 'user_ids'], 'the document order');
  await b.end();
});

test('message: notification.author, the embedded group with last_message_* fields, message_type 0', async () => {
  const [alice, bob] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob')];
  const g = await group(srv.url, alice, [bob], 'lunch');
  const b = await dinoClient(srv, bob);
  const m = await post(srv.url, alice, g.id, '<some content>');
  const s = await getSpace(alice, g.id);
  const ev = await b.json(eventTopic(bob), (j) => j.event_type === 'message');
  assert.deepEqual(ev, {
    event_type: 'message',
    group_id: g.uuid,
    sender_id: alice.id,
    notification: { author: { username: alice.username, avatar_url: null } },
    message_id: m.uuid,
    message_payload: '<some content>',
    message_type: 0,
    updated_at: 0,
    created_at: m.created_at,
    group: {
      group_id: g.uuid,
      name: 'lunch',
      description: null,
      updated_at: s.updated_at,
      created_at: s.created_at,
      last_message_time: m.created_at,
      last_message_overview: '<some content>',
      last_message_type: 0,
      last_message_user_id: alice.id,
      status: null,
      group_type: 0,
      owner_id: alice.id,
      meta: null,
    },
  });
  assert.deepEqual(keys(ev), ['event_type', 'group_id', 'sender_id', 'notification', 'message_id', 'message_payload', 'message_type', 'updated_at', 'created_at', 'group']);
  await b.end();
});

test('attachment variant: file_id (dashless hex), message_type 3; the upload itself is an `attachment` and an `action_log`', async () => {
  const [alice, bob] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob')];
  const g = await group(srv.url, alice, [bob]);
  const b = await dinoClient(srv, bob);
  const f = await upload(alice, g.id, 'photo.txt', 'pixels');
  const att = await b.json(eventTopic(bob), (j) => j.event_type === 'attachment');
  assert.deepEqual(att, {
    event_type: 'attachment',
    created_at: f.created_at,
    group_id: g.uuid,
    sender_id: alice.id,
    file_id: hex(f.uuid),
    file_name: 'photo.txt',
    file_mimetype: 'text/plain',
    file_size: 6,
  });
  const bot = await b.json<Record<string, unknown>>(eventTopic(bob), (j) => j.event_type === 'action_log');
  assert.equal(bot.sender_id, 0, 'the bot message about the upload is the system');
  assert.equal(bot.message_type, 100);

  const m = await post(srv.url, alice, g.id, 'look', { kind: 'file', attachment_ids: [f.id] });
  const ev = await b.json<Record<string, unknown>>(eventTopic(bob), (j) => j.event_type === 'message' && j.message_id === m.uuid);
  assert.deepEqual(keys(ev), ['event_type', 'group_id', 'sender_id', 'file_id', 'notification', 'message_id', 'message_payload', 'message_type', 'updated_at', 'created_at', 'group', 'file_ids']);
  assert.equal(ev.file_id, hex(f.uuid));
  assert.match(ev.file_id as string, /^[0-9a-f]{32}$/);
  assert.equal(ev.message_type, 3);
  assert.deepEqual(ev.file_ids, [hex(f.uuid)]);
  assert.equal((ev.group as Record<string, unknown>).last_message_type, 3);
  await b.end();
});

test('edit, action_log (message_type 100), delete_message, delete_attachment', async () => {
  const [alice, bob] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob')];
  const g = await group(srv.url, alice, [bob]);
  const f = await upload(alice, g.id, 'a.txt', 'x');
  const b = await dinoClient(srv, bob);
  const m = await post(srv.url, alice, g.id, 'first', { attachment_ids: [f.id] });
  assert.equal((await api(srv.url, 'PATCH', `/api/v1/messages/${m.id}`, alice.token, { content: 'second' })).status, 200);
  const edit = await b.json(eventTopic(bob), (j) => j.event_type === 'edit');
  const after = (await api<{ message: { updated_at: number } }>(srv.url, 'GET', `/api/v1/messages/${m.id}`, alice.token)).body.message;
  assert.deepEqual(edit, {
    event_type: 'edit',
    group_id: g.uuid,
    sender_id: alice.id,
    file_id: hex(f.uuid),
    message_id: m.uuid,
    message_payload: 'second',
    message_type: 3, // a message with an attachment is a file message: 3 per the mapping table
    created_at: m.created_at,
    updated_at: after.updated_at,
    file_ids: [hex(f.uuid)],
  });

  const a = await post(srv.url, alice, g.id, 'pinned the group', { kind: 'action' });
  const log = await b.json(eventTopic(bob), (j) => j.event_type === 'action_log' && j.message_id === a.uuid);
  assert.deepEqual(log, {
    event_type: 'action_log',
    group_id: g.uuid,
    sender_id: alice.id,
    file_id: null,
    message_id: a.uuid,
    message_payload: 'pinned the group',
    message_type: 100,
    created_at: a.created_at,
    file_ids: [],
  });

  assert.equal((await api(srv.url, 'DELETE', `/api/v1/messages/${m.id}/attachments/${f.id}`, alice.token)).status, 204);
  const da = await b.json<Record<string, unknown>>(eventTopic(bob), (j) => j.event_type === 'delete_attachment');
  assert.deepEqual(keys(da), ['event_type', 'created_at', 'group_id', 'message_ids', 'file_ids']);
  assert.deepEqual([da.group_id, da.message_ids, da.file_ids], [g.uuid, [m.uuid], [hex(f.uuid)]]);
  assert.ok(Number.isInteger(da.created_at) && Math.abs((da.created_at as number) - Date.now()) < 10_000, 'integer milliseconds');

  assert.equal((await api(srv.url, 'DELETE', `/api/v1/messages/${m.id}`, alice.token)).status, 204);
  const dm = await b.json<Record<string, unknown>>(eventTopic(bob), (j) => j.event_type === 'delete_message');
  assert.deepEqual({ ...dm, created_at: 0 }, { event_type: 'delete_message', created_at: 0, group_id: g.uuid, message_id: m.uuid, sender_id: alice.id, user_id: alice.id });
  assert.ok(Number.isInteger(dm.created_at) && Math.abs((dm.created_at as number) - Date.now()) < 10_000);
  await b.end();
});

test('join and leave, each followed by the `group` with the new user_ids (not to the removed user)', async () => {
  const [alice, bob, carol] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob'), await newUser(srv.url, 'carol')];
  const g = await group(srv.url, alice, [bob]);
  const b = await dinoClient(srv, bob);
  const c = await dinoClient(srv, carol);
  assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${g.id}/members`, alice.token, { user_id: carol.id })).status, 201);
  for (const [rec, u] of [[b, bob], [c, carol]] as [MqttRecorder, TestUser][]) {
    const join = await rec.json<Record<string, unknown>>(eventTopic(u), (j) => j.event_type === 'join');
    assert.deepEqual({ ...join, created_at: 0 }, { event_type: 'join', created_at: 0, group_id: g.uuid, group_type: 0, user_id: carol.id, sender_id: alice.id });
    const grp = await rec.json<Record<string, unknown>>(eventTopic(u), (j) => j.event_type === 'group' && (j.user_ids as number[]).includes(carol.id));
    assert.deepEqual(grp.user_ids, [alice.id, bob.id, carol.id]);
    // In this order: the join, then the group.
    const types = rec.all<Record<string, unknown>>(eventTopic(u)).map((j) => j.event_type);
    assert.ok(types.indexOf('join') < types.lastIndexOf('group'));
  }
  assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${g.id}/members/${carol.id}`, alice.token)).status, 204);
  const leave = await c.json<Record<string, unknown>>(eventTopic(carol), (j) => j.event_type === 'leave');
  assert.deepEqual({ ...leave, created_at: 0 }, { event_type: 'leave', created_at: 0, group_id: g.uuid, group_type: 0, user_id: carol.id, sender_id: alice.id });
  const left = await b.json<Record<string, unknown>>(eventTopic(bob), (j) => j.event_type === 'group' && (j.user_ids as number[]).length === 2 && (j.user_ids as number[]).includes(bob.id) && !(j.user_ids as number[]).includes(carol.id) && b.all(eventTopic(bob)).some((x) => x.event_type === 'leave'));
  assert.deepEqual(left.user_ids, [alice.id, bob.id]);
  // Fence: a later message reaches carol? No: she left. It reaches bob; carol's feed shows no group after the leave.
  const fence = await post(srv.url, alice, g.id, 'after carol left');
  await b.json(eventTopic(bob), (j) => j.message_id === fence.uuid);
  const carolAfter = c.all<Record<string, unknown>>(eventTopic(carol));
  const i = carolAfter.findIndex((j) => j.event_type === 'leave');
  assert.deepEqual(carolAfter.slice(i + 1), [], 'the removed user gets the leave and nothing after it');
  await b.end();
  await c.end();
});

test('read: only in 1-to-1 groups (a multi-user group sends none, checked with a fence)', async () => {
  const [alice, bob, carol] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob'), await newUser(srv.url, 'carol')];
  const dm = await direct(srv.url, alice, bob);
  const g = await group(srv.url, alice, [bob, carol]);
  const a = await dinoClient(srv, alice);
  const m1 = await post(srv.url, alice, dm.id, 'ping');
  const r1 = await api<{ unread: unknown }>(srv.url, 'POST', `/api/v1/messages/${m1.id}/read`, bob.token, {});
  assert.equal(r1.status, 200, JSON.stringify(r1.body));
  const read = await a.json<Record<string, unknown>>(eventTopic(alice), (j) => j.event_type === 'read');
  assert.deepEqual({ ...read, read_at: 0 }, { event_type: 'read', group_id: dm.uuid, user_id: bob.id, read_at: 0, message_id: m1.uuid });
  assert.ok(Number.isInteger(read.read_at) && Math.abs((read.read_at as number) - Date.now()) < 10_000);

  const m2 = await post(srv.url, alice, g.id, 'group ping');
  assert.equal((await api(srv.url, 'POST', `/api/v1/messages/${m2.id}/read`, bob.token, {})).status, 200);
  const fence = await post(srv.url, carol, g.id, 'fence');
  await a.json(eventTopic(alice), (j) => j.message_id === fence.uuid);
  const reads = a.all<Record<string, unknown>>(eventTopic(alice)).filter((j) => j.event_type === 'read');
  assert.deepEqual(reads.map((r) => r.group_id), [dm.uuid], 'no read in the multi-user group');
  // The 1-to-1 group is group_type 1.
  const m3 = await post(srv.url, bob, dm.id, 'pong');
  const msg = await a.json<{ message_id: string; group: { group_type: number } }>(eventTopic(alice), (j) => j.message_id === m3.uuid);
  assert.equal(msg.group.group_type, 1);
  await a.end();
});

test('a Dino client (MQTT over WebSocket) and an AirSend client in the same group see each other', async () => {
  const [alice, bob] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob')];
  const g = await group(srv.url, alice, [bob]);
  const dino = await dinoClient(srv, alice, 'ws');
  const air = await AirSendClient.connect(srv, bob);
  const fromAir = await post(srv.url, bob, g.id, 'from airsend user');
  const seen = await dino.json<Record<string, unknown>>(eventTopic(alice), (j) => j.message_id === fromAir.uuid);
  assert.deepEqual([seen.sender_id, seen.message_payload], [bob.id, 'from airsend user']);
  const fromDino = await post(srv.url, alice, g.id, 'from dino user');
  const p = await air.expect('chat.postMessage', DOC['chat.postMessage'], (x) => x.message.id === fromDino.id);
  assert.equal(p.message.content, 'from dino user');
  await dino.end();
  await air.close();
});
