// A Moobius channel is an ordinary Herald space: uploads through the Moobius upload API land in Herald's
// file storage, roger is the read receipt every dialect shows (an AirSend client's read_users), and a
// Moobius user and a native user in one channel see each other's messages. Real clients on every side.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, api, sleep, NativeClient, type TestServer, type TestUser } from '../helpers/server.js';
import { AirSendClient, DOC } from './airsend-harness.test.js';
import { MoobiusClient, channel, textUp, upload, uuidOf } from './moobius-harness.test.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.stop();
});

async function people(...names: string[]): Promise<(TestUser & { uuid: string })[]> {
  const us = await Promise.all(names.map((n) => newUser(srv.url, n)));
  return Promise.all(us.map(async (u) => ({ ...u, uuid: await uuidOf(srv.url, u) })));
}

test('upload API → path → message_up file and image; the recipient gets {path, filename, size}', async () => {
  const [alice, bob, eve] = await people('alice', 'bob', 'eve');
  const ch = await channel(srv.url, alice, [bob]);
  const up = await upload(srv.url, alice.token, ch.uuid, 'original.txt', 'text/plain', 'hello world');
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.deepEqual(Object.keys(up.body).sort(), ['filename', 'mimetype', 'path', 'size']);
  assert.equal(up.body.filename, 'original.txt');
  assert.equal(up.body.size, 11);
  assert.match(String(up.body.path), new RegExp(`^/spaces/${ch.id}/files/\\d+/original\\.txt$`));

  const a = await MoobiusClient.user(srv.url, alice.token);
  const b = await MoobiusClient.user(srv.url, bob.token);
  const body = { subtype: 'file', content: { path: up.body.path, filename: 'original.txt', size: 11 }, channel_id: ch.uuid, recipients: bob.uuid, timestamp: Date.now(), context: {} };
  const copy = await a.request('message_up', body, alice.uuid);
  assert.equal(copy.body.status, true, JSON.stringify(copy));
  const down = await b.next((f) => f.type === 'message_down' && f.body.message_id === copy.body.context.message_id);
  assert.equal(down.body.subtype, 'file');
  assert.deepEqual(down.body.content, { path: up.body.path, filename: 'original.txt', size: 11 });

  // The same bytes through Herald's own download route.
  const fileId = Number(/files\/(\d+)\//.exec(String(up.body.path))![1]);
  const dl = await fetch(`${srv.url}/api/v1/files/${fileId}`, { headers: { authorization: `Bearer ${bob.token}` } });
  assert.equal(await dl.text(), 'hello world');

  const img = await upload(srv.url, alice.token, ch.uuid, 'dot.png', 'image/png', 'PNG');
  const imgCopy = await a.request('message_up', { subtype: 'image', content: { path: img.body.path }, channel_id: ch.uuid, recipients: [bob.uuid], timestamp: Date.now() }, alice.uuid);
  assert.equal(imgCopy.body.status, true, JSON.stringify(imgCopy));
  const imgDown = await b.next((f) => f.type === 'message_down' && f.body.message_id === imgCopy.body.context.message_id);
  assert.equal(imgDown.body.subtype, 'image');
  assert.equal(imgDown.body.content.path, img.body.path);

  // A path bob uploaded is not alice's to send; a path of a file that does not exist neither.
  const bobs = await upload(srv.url, bob.token, ch.uuid, 'bob.txt', 'text/plain', 'b');
  for (const path of [bobs.body.path, `/spaces/${ch.id}/files/999999/x.txt`, `/spaces/${ch.id}/files/1/..`]) {
    const refused = await a.request('message_up', { ...body, content: { path, filename: 'x', size: 1 } }, alice.uuid);
    assert.deepEqual([refused.body.status, refused.body.context.code], [false, 'invalid_path'], String(path));
  }
  // Uploading into a channel one is not a member of, or without a token.
  assert.equal((await upload(srv.url, eve.token, ch.uuid, 'e.txt', 'text/plain', 'e')).status, 404);
  assert.equal((await upload(srv.url, 'nonsense', ch.uuid, 'e.txt', 'text/plain', 'e')).status, 401);
  await Promise.all([a.close(), b.close()]);
});

test('roger marks the message read: the AirSend client of the sender shows the reader in read_users; native gets message.read', async () => {
  const [alice, bob] = await people('alice', 'bob');
  const ch = await channel(srv.url, alice, [bob]);
  const a = await MoobiusClient.user(srv.url, alice.token);
  const b = await MoobiusClient.user(srv.url, bob.token);
  const air = await AirSendClient.connect(srv, alice);
  const native = await NativeClient.connect(srv.url, alice.token);
  const copy = await a.request('message_up', textUp(ch.uuid, bob.uuid, 'did you see this?'), alice.uuid);
  const mid = copy.body.context.message_id as string;
  await b.next((f) => f.type === 'message_down' && f.body.message_id === mid);
  const posted = await air.expect('chat.postMessage', DOC['chat.postMessage'], (x) => x.message.content === 'did you see this?');
  assert.deepEqual(posted.message.read_users, []);

  const unread = async () => (await api<{ total_unread: number }>(srv.url, 'GET', '/api/v1/unread', bob.token)).body.total_unread;
  const unreadBefore = await unread();
  assert.ok(unreadBefore >= 1);
  const r = await b.request('roger', { message_id: mid, context: {} }, bob.uuid);
  assert.deepEqual(r.body, { context: { message_id: mid }, origin_type: 'roger', request_id: r.body.request_id, status: true });
  const updated = await air.expect('chat.updateMessage', DOC['chat.updateMessage'], (x) => x.message.id === posted.message.id && x.message.read_users.length > 0);
  assert.deepEqual(updated.message.read_users, [{ uid: bob.id, dn: bob.username }]);
  assert.equal(updated.message.read_user_count, '1');
  const read = await native.next((f) => f.type === 'message.read');
  assert.equal((read.data.user as { id: number }).id, bob.id);
  assert.ok((await unread()) < unreadBefore, 'the unread count every dialect shows went down');
  await Promise.all([a.close(), b.close(), air.close(), native.close()]);
});

test('a Moobius user and a native user in one channel see each other\'s messages', async () => {
  const [alice, nat, outsider] = await people('alice', 'nat', 'outsider');
  const ch = await channel(srv.url, nat, [alice]);
  const a = await MoobiusClient.user(srv.url, alice.token);
  const o = await MoobiusClient.user(srv.url, outsider.token);
  const n = await NativeClient.connect(srv.url, nat.token);

  // Native → Moobius: a message of another dialect goes to the whole channel (recipients []).
  const sent = await n.command('post', { space_id: ch.id, content: 'hello from native' });
  assert.equal(sent.type, 'command.ack', JSON.stringify(sent));
  const down = await a.next((f) => f.type === 'message_down' && f.body.content.text === 'hello from native');
  assert.deepEqual(down.body, {
    subtype: 'text',
    content: { text: 'hello from native' },
    channel_id: ch.uuid,
    timestamp: down.body.timestamp,
    message_id: (sent.data.result as { message: { uuid: string } }).message.uuid,
    sender: nat.uuid,
    recipients: [],
    context: {},
  });

  // Moobius → native.
  const copy = await a.request('message_up', textUp(ch.uuid, [nat.uuid], 'hello from moobius'), alice.uuid);
  assert.equal(copy.body.status, true);
  const created = await n.next((f) => f.type === 'message.created' && (f.data.message as { content: string }).content === 'hello from moobius');
  const m = created.data.message as { uuid: string; author: { id: number }; space_id: number };
  assert.deepEqual([m.uuid, m.author.id, m.space_id], [copy.body.context.message_id, alice.id, ch.id]);

  await sleep(150);
  assert.equal(o.of('message_down').length, 0, 'a user outside the channel receives nothing');
  await Promise.all([a.close(), o.close(), n.close()]);
});
