// AirSend RTM conformance: the client commands (ids as strings or numbers, as in the document's
// examples), typing throttling, and AirSend ↔ native-protocol clients in the same channel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, api, sleep, NativeClient, type TestServer } from '../helpers/server.js';
import { AirSendClient, DOC, channel, post } from './airsend-harness.test.js';

const TYPING_BURST = 3;

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ typingBurst: TYPING_BURST, typingIntervalMs: 60_000 });
});
after(async () => {
  await srv.stop();
});

const users = (...names: string[]) => Promise.all(names.map((n) => newUser(srv.url, n)));

test('ws_ephemeral_typing: chat.userTyping to the other members (AirSend and native), not to the typist', async () => {
  const [alice, bob, carol] = await users('alice', 'bob', 'carol');
  const cid = await channel(srv.url, alice, [bob, carol]);
  const a = await AirSendClient.connect(srv, alice);
  const b = await AirSendClient.connect(srv, bob);
  const n = await NativeClient.connect(srv.url, carol.token);
  a.send({ command: 'ws_ephemeral_typing', channel_id: String(cid) }); // the document's example: a string id
  const p = await b.expect('chat.userTyping', DOC['chat.userTyping']);
  assert.equal(p.user.id, alice.id);
  assert.equal(p.user.email, alice.email);
  assert.equal(p.channel_id, cid);
  const native = await n.next((f) => f.type === 'typing.started');
  assert.equal((native.data.user as { id: number }).id, alice.id);
  b.send({ command: 'ws_ephemeral_typing', channel_id: cid, user_email: bob.email }); // a number id, with the optional user_email
  await a.expect('chat.userTyping', DOC['chat.userTyping'], (x) => x.user.id === bob.id);
  await sleep(100);
  assert.equal(a.of('chat.userTyping').filter((x) => x.user.id === alice.id).length, 0);
  await Promise.all([a.close(), b.close(), n.close()]);
});

test('ws_ephemeral_typing: a flood is throttled (bursts beyond the limit are dropped, not broadcast)', async () => {
  const [alice, bob, carol] = await users('alice', 'bob', 'carol');
  const cid = await channel(srv.url, alice, [bob, carol]);
  const a = await AirSendClient.connect(srv, alice);
  const b = await AirSendClient.connect(srv, bob);
  const n = await NativeClient.connect(srv.url, carol.token);
  for (let i = 0; i < 20; i++) a.send({ command: 'ws_ephemeral_typing', channel_id: cid });
  a.send({ command: 'ws_ping' });
  await a.next((f) => f.event === 'pong');
  await sleep(200);
  assert.equal(b.of('chat.userTyping').length, TYPING_BURST);
  assert.equal(n.ofType('typing.started').length, TYPING_BURST);
  assert.equal(a.closeCode, null, 'the typist is not disconnected for typing too fast');
  await Promise.all([a.close(), b.close(), n.close()]);
});

test('ws_read_notification: chat.updateMessage with the reader in read_users to the channel; chat.unreadCountUpdate to the reader', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const m1 = await post(srv.url, bob, cid, 'one');
  const m2 = await post(srv.url, bob, cid, 'two');
  const a = await AirSendClient.connect(srv, alice);
  const b = await AirSendClient.connect(srv, bob);
  const nb = await NativeClient.connect(srv.url, bob.token);
  a.send({ command: 'ws_read_notification', channel_id: String(cid), message_id: String(m1) });
  for (const client of [a, b]) {
    const u = await client.expect('chat.updateMessage', DOC['chat.updateMessage'], (x) => x.message.id === m1);
    assert.equal(u.message.read_user_count, '1');
    assert.deepEqual(u.message.read_users, [{ uid: alice.id, dn: alice.username }]);
  }
  const unread = await a.expect('chat.unreadCountUpdate', DOC['chat.unreadCountUpdate']);
  assert.deepEqual(unread, { total_unread_count: 1, channel_id: cid, channel_unread_count: 1, oldest_unread_message_id: m2 });
  const read = await nb.next((f) => f.type === 'message.read');
  assert.equal((read.data.user as { id: number }).id, alice.id);
  await sleep(100);
  assert.equal(b.of('chat.unreadCountUpdate').length, 0, 'the unread count goes to the reader only');
  await Promise.all([a.close(), b.close(), nb.close()]);
});

test('ws_all_read_notification: only chat.unreadCountUpdate, no chat.updateMessage', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  await post(srv.url, bob, cid, 'one');
  await post(srv.url, bob, cid, 'two');
  const a = await AirSendClient.connect(srv, alice);
  const b = await AirSendClient.connect(srv, bob);
  a.send({ command: 'ws_all_read_notification', channel_id: cid });
  const unread = await a.expect('chat.unreadCountUpdate', DOC['chat.unreadCountUpdate']);
  assert.deepEqual(unread, { total_unread_count: 0, channel_id: cid, channel_unread_count: 0, oldest_unread_message_id: 0 });
  await sleep(150);
  assert.equal(a.of('chat.updateMessage').length + b.of('chat.updateMessage').length, 0);
  await Promise.all([a.close(), b.close()]);
});

test('ws_add_reaction / ws_remove_reaction: emoji as Unicode ids, seen by AirSend and native clients', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const mid = await post(srv.url, bob, cid, 'react to me');
  const a = await AirSendClient.connect(srv, alice);
  const b = await AirSendClient.connect(srv, bob);
  const nb = await NativeClient.connect(srv.url, bob.token);

  a.send({ command: 'ws_add_reaction', message_id: String(mid), emoji_value: 'U 1F600' });
  const added = await b.expect('chat.updateMessage', DOC['chat.updateMessage'], (x) => x.message.id === mid && x.message.emoticons.length === 1);
  assert.deepEqual(added.message.emoticons, [{ uid: alice.id, dn: alice.username, ev: 'U 1F600' }]);
  const native = await nb.next((f) => f.type === 'reaction.added');
  assert.equal(native.data.emoji, '😀');
  const alert = await b.expect('alert.notification', DOC['alert.notification'], (x) => x.message_id === mid);
  assert.equal(alert.from[0].id, alice.id);

  // Multi-code-point emoji keep their form.
  a.send({ command: 'ws_add_reaction', message_id: mid, emoji_value: 'U 1F44D 1F3FB' });
  const two = await b.expect('chat.updateMessage', DOC['chat.updateMessage'], (x) => x.message.id === mid && x.message.emoticons.length === 2);
  assert.deepEqual(two.message.emoticons.map((e: { ev: string }) => e.ev).sort(), ['U 1F44D 1F3FB', 'U 1F600']);
  assert.equal((await nb.next((f) => f.type === 'reaction.added' && f.data.emoji !== '😀')).data.emoji, '👍🏻');

  a.send({ command: 'ws_remove_reaction', message_id: mid, emoji_value: 'U 1F600' });
  const removed = await b.expect('chat.updateMessage', DOC['chat.updateMessage'], (x) => x.message.id === mid && x.message.emoticons.length === 1 && x.message.emoticons[0].ev !== 'U 1F600');
  assert.deepEqual(removed.message.emoticons, [{ uid: alice.id, dn: alice.username, ev: 'U 1F44D 1F3FB' }]);
  assert.equal((await nb.next((f) => f.type === 'reaction.removed')).data.emoji, '😀');

  // A native client's reaction shows up in AirSend's form.
  await nb.command('react', { message_id: mid, emoji: '❤️' });
  const heart = await a.expect('chat.updateMessage', DOC['chat.updateMessage'], (x) => x.message.id === mid && x.message.emoticons.some((e: { ev: string }) => e.ev === 'U 2764 FE0F'));
  assert.ok(heart.message.emoticons.some((e: { uid: number }) => e.uid === bob.id));
  await Promise.all([a.close(), b.close(), nb.close()]);
});

test('cross-dialect: AirSend and native clients in one channel see each other\'s messages and typing', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, bob, [alice]);
  const a = await AirSendClient.connect(srv, alice);
  const nb = await NativeClient.connect(srv.url, bob.token);

  const fromBob = await post(srv.url, bob, cid, 'from native bob');
  const p = await a.expect('chat.postMessage', DOC['chat.postMessage'], (x) => x.message.id === fromBob);
  assert.equal(p.message.content, 'from native bob');
  const fromAlice = await post(srv.url, alice, cid, 'from airsend alice');
  const m = await nb.next((f) => f.type === 'message.created' && (f.data.message as { id: number }).id === fromAlice);
  assert.equal((m.data.message as { content: string }).content, 'from airsend alice');

  await nb.command('typing', { space_id: cid });
  assert.equal((await a.expect('chat.userTyping', DOC['chat.userTyping'])).user.id, bob.id);
  a.send({ command: 'ws_ephemeral_typing', channel_id: cid });
  const t = await nb.next((f) => f.type === 'typing.started');
  assert.equal((t.data.user as { id: number }).id, alice.id);

  // Reads from the native side reach the AirSend client as chat.updateMessage.
  await nb.command('read', { message_id: fromAlice });
  const u = await a.expect('chat.updateMessage', DOC['chat.updateMessage'], (x) => x.message.id === fromAlice);
  assert.deepEqual(u.message.read_users, [{ uid: bob.id, dn: bob.username }]);
  await Promise.all([a.close(), nb.close()]);
});

test('a user removed from a channel stops receiving its events at once', async () => {
  const [alice, bob, carol] = await users('alice', 'bob', 'carol');
  const cid = await channel(srv.url, bob, [alice, carol]);
  const a = await AirSendClient.connect(srv, alice);
  const c = await AirSendClient.connect(srv, carol);
  assert.equal((await api(srv.url, 'DELETE', `/api/v1/spaces/${cid}/members/${carol.id}`, bob.token)).status, 204);
  const mid = await post(srv.url, bob, cid, 'after the kick');
  assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${cid}/typing`, bob.token)).status, 200);
  await a.expect('chat.postMessage', DOC['chat.postMessage'], (x) => x.message.id === mid);
  await a.expect('chat.userTyping', DOC['chat.userTyping']);
  await c.expect('user_removed.channel', DOC['user_removed.channel']);
  // Her own commands into the channel are refused (and ignored) too.
  c.send({ command: 'ws_ephemeral_typing', channel_id: cid });
  c.send({ command: 'ws_ping' });
  await c.next((f) => f.event === 'pong');
  await sleep(150);
  const after = c.frames.slice(c.frames.findIndex((f) => f.event === 'user_removed.channel') + 1).map((f) => f.event);
  assert.deepEqual(after, ['pong'], `carol got ${after.join(', ')}`);
  assert.equal(a.of('chat.userTyping').filter((x) => x.user.id === carol.id).length, 0);
  await Promise.all([a.close(), c.close()]);
});

test('user.offline only after the user\'s last connection (AirSend or native) closes', async () => {
  const [alice, bob] = await users('alice', 'bob');
  const cid = await channel(srv.url, alice, [bob]);
  const a = await AirSendClient.connect(srv, alice);
  const b1 = await AirSendClient.connect(srv, bob);
  await a.expect('user.online', DOC['user.online'], (x) => x.user.id === bob.id && x.channel_id === cid);
  const nb = await NativeClient.connect(srv.url, bob.token);
  const b2 = await AirSendClient.connect(srv, bob);
  await sleep(150);
  assert.equal(a.of('user.online').length, 1, 'more connections of an online user are not announced');

  await b1.close();
  await b2.close();
  await sleep(200);
  assert.equal(a.of('user.offline').length, 0, 'bob still has a native connection');
  await nb.close();
  const off = await a.expect('user.offline', DOC['user.offline'], (x) => x.user.id === bob.id);
  assert.equal(off.channel_id, cid);
  assert.equal(off.user.online_status, false);
  await a.close();
});

test('/metrics counts each delivery under its own dialect when several dialects receive one event', async () => {
  const own = await startTestServer();
  try {
    const [alice, bob] = [await newUser(own.url, 'ma'), await newUser(own.url, 'mb')];
    const cid = await channel(own.url, bob, [alice]);
    const a = await AirSendClient.connect(own, alice);
    const nb = await NativeClient.connect(own.url, bob.token);
    const count = async (dialect: string) => {
      const m = new RegExp(`^herald_deliveries_total\\{dialect="${dialect}"\\} (\\d+)$`, 'm').exec(await (await fetch(`${own.url}/metrics`)).text());
      return Number(m?.[1] ?? 0);
    };
    const before = { native: await count('native'), airsend: await count('airsend') };
    const id = await post(own.url, bob, cid, 'counted once per dialect');
    await a.expect('chat.postMessage', DOC['chat.postMessage'], (x) => x.message.id === id);
    await nb.next((f) => f.type === 'message.created' && (f.data.message as { id: number }).id === id);
    assert.deepEqual({ native: (await count('native')) - before.native, airsend: (await count('airsend')) - before.airsend }, { native: 1, airsend: 1 });
    await Promise.all([a.close(), nb.close()]);
  } finally {
    await own.stop();
  }
});
