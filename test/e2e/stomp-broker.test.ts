// The broker behind STOMP, with @stomp/stompjs: /topic fan-out and /queue point-to-point with ACK / NACK
// and redelivery through the node's broker core, transactions, binary and 1 MB bodies, the namespace
// ACL (a group namespace follows chat membership) and the permissive interop namespace.
// STOMP ↔ MQTT through the one broker: cross-protocol.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IMessage } from '@stomp/stompjs';
import { startTestServer, newUser, type TestServer } from '../helpers/server.js';
import { StompTestClient, openChat, type Inbox } from './stomp-client.js';

const NAMESPACES = JSON.stringify([
  { name: 'chats', pattern: 'chats/{groupId}/#', kind: 'broker', access: 'group', queues: true },
  { name: 'public', pattern: 'public/#', kind: 'broker', access: 'public', queues: true },
]);

let srv: TestServer;
let open: TestServer;
before(async () => {
  srv = await startTestServer({}, { HERALD_BROKER_NAMESPACES: NAMESPACES });
  open = await startTestServer({ brokerPermissive: true });
});
after(async () => {
  await srv.stop();
  await open.stop();
});

const user = (name = 'u') => newUser(srv.url, name);

/** Waits until `inbox` holds `n` messages. */
async function count(inbox: Inbox, n: number): Promise<IMessage[]> {
  await inbox.next(() => inbox.frames.length >= n);
  return inbox.frames.slice(0, n);
}

test('/topic: every subscription gets each message (one MESSAGE per matching subscription), headers carried and escaped', async () => {
  const [p, s] = [await StompTestClient.connect(srv, await user()), await StompTestClient.connect(srv, await user())];
  const exact = await s.subscribe('/topic/public/news');
  const wild = await s.subscribe('/topic/public/*');
  const other = await (await StompTestClient.connect(srv, await user())).subscribe('/topic/public/**');
  await p.send('/topic/public/news', 'hello', { 'content-type': 'text/plain', 'x-note': 'a:b\nc\\d' });
  for (const inbox of [exact, wild, other]) {
    const [m] = await count(inbox, 1);
    assert.equal(m.body, 'hello');
    assert.equal(m.headers.destination, '/topic/public/news');
    assert.equal(m.headers['content-type'], 'text/plain');
    assert.equal(m.headers['x-note'], 'a:b\nc\\d');
    assert.equal(m.headers.subscription, inbox.sub.id);
  }
  assert.notEqual(exact.frames[0].headers['message-id'], wild.frames[0].headers['message-id']);
  await p.disconnect();
  await s.disconnect();
});

test('/queue: each message to one consumer, round-robin', async () => {
  const [p, c1, c2] = [await StompTestClient.connect(srv, await user()), await StompTestClient.connect(srv, await user()), await StompTestClient.connect(srv, await user())];
  const q1 = await c1.subscribe('/queue/public/jobs');
  const q2 = await c2.subscribe('/queue/public/jobs');
  for (let i = 0; i < 6; i++) await p.send('/queue/public/jobs', `job ${i}`);
  await count(q1, 3);
  await count(q2, 3);
  const all = [...q1.frames, ...q2.frames].map((m) => m.body).sort();
  assert.deepEqual(all, ['job 0', 'job 1', 'job 2', 'job 3', 'job 4', 'job 5']);
  assert.equal(q1.frames[0].headers.destination, '/queue/public/jobs');
  for (const c of [p, c1, c2]) await c.disconnect();
});

test('/queue client-individual: NACK redelivers (flagged) to another consumer, ACK settles, unacked ones come back when a consumer leaves', async () => {
  const p = await StompTestClient.connect(srv, await user());
  const c1 = await StompTestClient.connect(srv, await user());
  const q1 = await c1.subscribe('/queue/public/work', { ack: 'client-individual' });
  await p.send('/queue/public/work', 'first');
  const [first] = await count(q1, 1);
  assert.ok(first.headers.ack, 'a client-mode MESSAGE carries an ack id');
  const c2 = await StompTestClient.connect(srv, await user());
  const q2 = await c2.subscribe('/queue/public/work', { ack: 'client-individual' });
  first.nack();
  const [again] = await count(q2, 1);
  assert.equal(again.body, 'first');
  assert.equal(again.headers.redelivered, 'true');
  again.ack();
  // Two more to c2's side: c2 holds them unacknowledged and leaves; they come back to c1, flagged.
  await p.send('/queue/public/work', 'second');
  await p.send('/queue/public/work', 'third');
  await q1.next(() => q1.frames.length + q2.frames.length >= 4);
  const held = q2.frames.slice(1).map((m) => m.body);
  await c2.disconnect();
  await q1.next(() => q1.frames.length >= 1 + (2 - held.length) + held.length);
  const back = q1.frames.filter((m) => held.includes(m.body));
  assert.deepEqual(back.map((m) => m.headers.redelivered), held.map(() => 'true'));
  // 'first' was acknowledged by c2: it never comes back (fence: a later message arrives first).
  for (const m of q1.frames) if (m.body !== 'first') m.ack();
  await p.send('/queue/public/work', 'fence');
  await q1.next((m) => m.body === 'fence');
  assert.equal(q1.frames.filter((m) => m.body === 'first').length, 1);
  await p.disconnect();
  await c1.disconnect();
});

test('/queue client mode: an ACK covers every earlier message; unacknowledged ones are redelivered after a disconnect', async () => {
  const p = await StompTestClient.connect(srv, await user());
  const c1 = await StompTestClient.connect(srv, await user());
  const q1 = await c1.subscribe('/queue/public/batch', { ack: 'client' });
  for (const b of ['a', 'b', 'c', 'd']) await p.send('/queue/public/batch', b);
  const got = await count(q1, 4);
  got[1].ack(); // covers a and b
  await c1.send('/topic/public/noop', 'sync'); // the ACK is handled before this frame's receipt
  await c1.disconnect();
  const c2 = await StompTestClient.connect(srv, await user());
  const q2 = await c2.subscribe('/queue/public/batch', { ack: 'client' });
  const back = await count(q2, 2);
  assert.deepEqual(back.map((m) => [m.body, m.headers.redelivered]), [['c', 'true'], ['d', 'true']]);
  back[1].ack();
  await c2.send('/topic/public/noop', 'sync');
  await c2.disconnect();
  const c3 = await StompTestClient.connect(srv, await user());
  const q3 = await c3.subscribe('/queue/public/batch');
  await p.send('/queue/public/batch', 'fence');
  assert.deepEqual((await count(q3, 1)).map((m) => m.body), ['fence']);
  await p.disconnect();
  await c3.disconnect();
});

test('transactions: SENDs wait for COMMIT, ABORT drops them; an ACK inside an aborted transaction is not applied', async () => {
  const p = await StompTestClient.connect(srv, await user());
  const s = await StompTestClient.connect(srv, await user());
  const inbox = await s.subscribe('/topic/public/tx');
  const t1 = p.client.begin('t1');
  p.client.publish({ destination: '/topic/public/tx', body: 'dropped', headers: { transaction: t1.id } });
  t1.abort();
  const t2 = p.client.begin('t2');
  p.client.publish({ destination: '/topic/public/tx', body: 'one', headers: { transaction: t2.id } });
  p.client.publish({ destination: '/topic/public/tx', body: 'two', headers: { transaction: t2.id } });
  await p.send('/topic/public/tx', 'outside');
  t2.commit();
  await count(inbox, 3).catch((e) => assert.fail(`${e} ${JSON.stringify(p.errors.map((f) => [f.headers, f.body]))}`));
  assert.deepEqual(inbox.frames.map((m) => m.body), ['outside', 'one', 'two']);

  // An ACK in an aborted transaction: the message stays unacknowledged and comes back.
  const c1 = await StompTestClient.connect(srv, await user());
  const q = await c1.subscribe('/queue/public/txq', { ack: 'client-individual' });
  await p.send('/queue/public/txq', 'job');
  const [job] = await count(q, 1);
  const t3 = c1.client.begin('t3');
  job.ack({ transaction: t3.id });
  t3.abort();
  await c1.send('/topic/public/noop', 'sync');
  await c1.disconnect();
  const c2 = await StompTestClient.connect(srv, await user());
  const q2 = await c2.subscribe('/queue/public/txq', { ack: 'client-individual' });
  const [back] = await count(q2, 1);
  assert.deepEqual([back.body, back.headers.redelivered], ['job', 'true']);
  // Committed this time: it never comes back.
  const t4 = c2.client.begin('t4');
  back.ack({ transaction: t4.id });
  t4.commit();
  await c2.send('/topic/public/noop', 'sync');
  await c2.disconnect();
  const c3 = await StompTestClient.connect(srv, await user());
  const q3 = await c3.subscribe('/queue/public/txq');
  await p.send('/queue/public/txq', 'fence');
  assert.deepEqual((await count(q3, 1)).map((m) => m.body), ['fence']);
  for (const c of [p, s, c3]) await c.disconnect();
});

test('binary bodies: NUL bytes and 1 MB arrive byte for byte, on a topic and through a queue', async () => {
  const p = await StompTestClient.connect(srv, await user());
  const s = await StompTestClient.connect(srv, await user());
  const topic = await s.subscribe('/topic/public/blob');
  const queue = await s.subscribe('/queue/public/blob');
  const small = Buffer.from([0, 1, 2, 0, 0, 255, 0]);
  const big = randomBytes(1024 * 1024);
  big[0] = 0;
  big[big.length - 1] = 0;
  await p.send('/topic/public/blob', small, { 'content-type': 'application/octet-stream' });
  await p.send('/topic/public/blob', big);
  await p.send('/queue/public/blob', big);
  const [m1, m2] = await count(topic, 2);
  assert.deepEqual(Buffer.from(m1.binaryBody), small);
  assert.equal(m1.headers['content-length'], String(small.length));
  assert.ok(Buffer.from(m2.binaryBody).equals(big), '1 MB on a topic');
  const [m3] = await count(queue, 1);
  assert.ok(Buffer.from(m3.binaryBody).equals(big), '1 MB through a queue');
  await p.disconnect();
  await s.disconnect();
});

test('the ACL: a group namespace follows chat membership, a leave revokes the subscription, unknown namespaces are refused', async () => {
  const [olena, taras] = [await user('olena'), await user('taras')];
  const chat = await openChat(srv, olena);
  const b = await StompTestClient.connect(srv, taras);
  const errors = await b.subscribe('/user/queue/errors');
  await b.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  const room = await b.subscribe(`/topic/chats/${chat}/room`);
  const a = await StompTestClient.connect(srv, olena);
  await a.send(`/topic/chats/${chat}/room`, 'hi');
  assert.equal((await count(room, 1))[0].body, 'hi');
  // Leaving the chat ends the subscription at once, and the client is told.
  await b.sendJson('/chat/events.leaveChat', { authorId: taras.id, chatId: chat });
  const revoked = await errors.expect<{ code: string; subscriptions: string[] }>((e) => e.code === 'subscription_revoked');
  assert.deepEqual(revoked.subscriptions, [room.sub.id]);
  await a.send(`/topic/chats/${chat}/room`, 'after');
  await b.send('/topic/public/noop', 'fence');
  assert.equal(room.frames.length, 1);
  // A non-member cannot publish there: ERROR and close.
  b.client.publish({ destination: `/topic/chats/${chat}/room`, body: 'x', headers: { receipt: 'nope' } });
  await b.closed;
  assert.equal(b.errors[0].headers['receipt-id'], 'nope');
  assert.match(b.errors[0].body, /not a member/);
  // No namespace serves this topic.
  const c = await StompTestClient.connect(srv, olena);
  c.client.subscribe('/topic/elsewhere', () => undefined);
  await c.closed;
  assert.match(c.errors[0].headers.message, /cannot subscribe/);
  await a.disconnect();
});

test('the permissive interop namespace (HERALD_BROKER_PERMISSIVE): any /topic and /queue works, as a client library\'s own tests expect', async () => {
  const u = await newUser(open.url, 'lib');
  const p = await StompTestClient.connect(open, u);
  const s = await StompTestClient.connect(open, u);
  const t = await s.subscribe('/topic/stompjs-test.topic');
  const q = await s.subscribe('/queue/stompjs-test', { ack: 'client' });
  await p.send('/topic/stompjs-test.topic', 'to topic');
  await p.send('/queue/stompjs-test', 'to queue');
  assert.equal((await count(t, 1))[0].body, 'to topic');
  const [m] = await count(q, 1);
  assert.equal(m.body, 'to queue');
  m.ack();
  await p.disconnect();
  await s.disconnect();
});
