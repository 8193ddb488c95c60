// A whole conversation over STOMP: messages posted by SEND and seen on /countries/{chatId}/messages, the
// chat's other changes on /updates, resume after a reconnect with x-herald-resume, and a STOMP client in
// the same chat as an AirSend client and a native client, each seeing the others' joins and messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, api, NativeClient, type TestServer } from '../helpers/server.js';
import { AirSendClient, post } from './airsend-harness.test.js';
import { StompTestClient, TALK_TIME, openChat } from './stomp-client.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.stop();
});

interface TalkMessage {
  id: number;
  content: string;
  creationDate: string;
  senderId: number | null;
  senderName: string | null;
  chatId: number;
  repliedMessageId: number | null;
  type: string;
  updateDate: string | null;
  deleted: boolean;
  attachments: unknown[];
  reactions: { emoji: string; userId: number }[];
  readBy: number[];
}

interface TalkEvent {
  id: number;
  authorId: number | null;
  chatId: number;
  eventType: string;
  eventTime: string;
  [k: string]: unknown;
}

test('messages: posted by SEND to /chat/messages.send, every member subscribed to /messages gets the snapshot; edits and deletes follow', async () => {
  const [olena, taras] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'taras')];
  const chat = await openChat(srv, olena);
  const b = await StompTestClient.connect(srv, taras);
  await b.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  const a = await StompTestClient.connect(srv, olena);
  const messages = await a.subscribe(`/countries/${chat}/messages`);
  await b.sendJson('/chat/messages.send', { chatId: chat, senderId: taras.id, content: 'Привіт з Києва' });
  const m = await messages.expect<TalkMessage>((x) => x.content === 'Привіт з Києва');
  assert.deepEqual(
    { ...m, id: 0, creationDate: '' },
    { id: 0, content: 'Привіт з Києва', creationDate: '', senderId: taras.id, senderName: taras.username, chatId: chat, repliedMessageId: null, type: 'MESSAGE', updateDate: null, deleted: false, attachments: [], reactions: [], readBy: [] },
  );
  assert.match(m.creationDate, TALK_TIME);
  await b.sendJson('/chat/messages.send', { chatId: chat, content: 'a reply', repliedMessageId: m.id });
  assert.equal((await messages.expect<TalkMessage>((x) => x.content === 'a reply')).repliedMessageId, m.id);
  assert.equal((await api(srv.url, 'PATCH', `/api/v1/messages/${m.id}`, taras.token, { content: 'edited' })).status, 200);
  const edited = await messages.expect<TalkMessage>((x) => x.id === m.id && x.content === 'edited');
  assert.match(edited.updateDate!, TALK_TIME);
  assert.equal((await api(srv.url, 'DELETE', `/api/v1/messages/${m.id}`, taras.token)).status, 204);
  await messages.expect<TalkMessage>((x) => x.id === m.id && x.deleted);
  // The x-herald-id header is increasing across the destination.
  const ids = messages.frames.map((f) => Number(f.headers['x-herald-id']));
  assert.deepEqual([...ids].sort((x, y) => x - y), ids);
  // Posting as someone else is refused.
  const errors = await b.subscribe('/user/queue/errors');
  const r = await b.sendJson('/chat/messages.send', { chatId: chat, senderId: olena.id, content: 'forged' });
  assert.equal((errors.json<{ code: string; receiptId: string }>().find((e) => e.receiptId === r))?.code, 'author_mismatch');
  await a.disconnect();
  await b.disconnect();
});

test('updates: renaming the chat and changing a role reach /countries/{chatId}/updates', async () => {
  const [olena, taras] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'taras')];
  const chat = await openChat(srv, olena);
  const b = await StompTestClient.connect(srv, taras);
  await b.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  const updates = await b.subscribe(`/countries/${chat}/updates`);
  assert.equal((await api(srv.url, 'PATCH', `/api/v1/spaces/${chat}`, olena.token, { name: 'Україна', description: 'country chat' })).status, 200);
  const renamed = await updates.expect<TalkEvent>((e) => e.eventType === 'CHAT_UPDATED');
  assert.deepEqual({ ...renamed, id: 0, eventTime: '' }, { id: 0, authorId: olena.id, chatId: chat, eventType: 'CHAT_UPDATED', eventTime: '', name: 'Україна', description: 'country chat' });
  assert.equal((await api(srv.url, 'PATCH', `/api/v1/spaces/${chat}/members/${taras.id}`, olena.token, { role: 'manager' })).status, 200);
  const role = await updates.expect<TalkEvent>((e) => e.eventType === 'ROLE_CHANGED');
  assert.deepEqual([role.userId, role.role], [taras.id, 'manager']);
  assert.ok(role.id > renamed.id);
  await b.disconnect();
});

test('resume: a client that reconnects with x-herald-resume gets what it missed, in order, then live events', async () => {
  const [olena, taras, ivan] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'taras'), await newUser(srv.url, 'ivan')];
  const chat = await openChat(srv, olena);
  const a = await StompTestClient.connect(srv, olena);
  const events = await a.subscribe(`/countries/${chat}/events`);
  const messages = await a.subscribe(`/countries/${chat}/messages`);
  const b = await StompTestClient.connect(srv, taras);
  await b.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  await b.sendJson('/chat/messages.send', { chatId: chat, content: 'one' });
  await messages.expect<TalkMessage>((m) => m.content === 'one');
  await events.expect<TalkEvent>((e) => e.eventType === 'JOIN');
  // The last id seen on any destination of the chat: the resume point.
  const last = Math.max(...[...events.frames, ...messages.frames].map((f) => Number(f.headers['x-herald-id'])));
  await a.disconnect();

  // Missed while away: a message, a join, a leave.
  await b.sendJson('/chat/messages.send', { chatId: chat, content: 'two' });
  const c = await StompTestClient.connect(srv, ivan);
  await c.sendJson('/chat/events.joinChat', { authorId: ivan.id, chatId: chat });
  await b.sendJson('/chat/events.leaveChat', { authorId: taras.id, chatId: chat });

  const a2 = await StompTestClient.connect(srv, olena);
  const events2 = await a2.subscribe(`/countries/${chat}/events`, { 'x-herald-resume': String(last) });
  const messages2 = await a2.subscribe(`/countries/${chat}/messages`, { 'x-herald-resume': String(last) });
  await messages2.expect<TalkMessage>((m) => m.content === 'two');
  await events2.expect<TalkEvent>((e) => e.eventType === 'LEAVE');
  assert.deepEqual(events2.json<TalkEvent>().map((e) => [e.eventType, e.authorId]), [['JOIN', ivan.id], ['LEAVE', taras.id]]);
  assert.deepEqual(messages2.json<TalkMessage>().map((m) => m.content), ['two']);
  // Then live.
  await c.sendJson('/chat/messages.send', { chatId: chat, content: 'three' });
  await messages2.expect<TalkMessage>((m) => m.content === 'three');

  // A position the log no longer has (ahead of it) cannot be honoured: the client is told, and it starts now.
  const errors = await a2.subscribe('/user/queue/errors');
  const again = await a2.subscribe(`/countries/${chat}/events`, { 'x-herald-resume': String(Number.MAX_SAFE_INTEGER - 1) });
  const e = await errors.expect<{ code: string; subscriptions: string[] }>((x) => x.code === 'resume_unavailable');
  assert.deepEqual(e.subscriptions, [again.sub.id]);
  for (const x of [a2, b, c]) await x.disconnect();
});

test('a STOMP client, an AirSend client and a native client in one chat see each other\'s joins and messages', async () => {
  const [olena, taras, ivan] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'taras'), await newUser(srv.url, 'ivan')];
  const chat = await openChat(srv, olena); // olena: the AirSend user, the chat's owner
  const air = await AirSendClient.connect(srv, olena);
  const native = await NativeClient.connect(srv.url, ivan.token);
  const stomp = await StompTestClient.connect(srv, taras);

  // STOMP joins: AirSend and (after joining) native see it.
  await stomp.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  const added = await air.next((f) => f.event === 'user_added.channel' && (f.payload as { channel_id: number }).channel_id === chat);
  assert.equal((added.payload as { user: { id: number } }).user.id, taras.id);
  const events = await stomp.subscribe(`/countries/${chat}/events`);
  const messages = await stomp.subscribe(`/countries/${chat}/messages`);

  // The native user is added over REST: STOMP gets JOIN, native gets member.added.
  assert.equal((await api(srv.url, 'POST', `/api/v1/spaces/${chat}/members`, olena.token, { user_id: ivan.id })).status, 201);
  assert.equal((await events.expect<TalkEvent>((e) => e.eventType === 'JOIN' && e.authorId === ivan.id)).chatId, chat);
  await native.next((f) => f.type === 'member.added' && (f.data.member as { user: { id: number } }).user.id === ivan.id);

  // STOMP posts: AirSend and native get it.
  await stomp.sendJson('/chat/messages.send', { chatId: chat, content: 'from STOMP' });
  const airMsg = await air.next((f) => f.event === 'chat.postMessage' && (f.payload as { message: { content: string } }).message.content === 'from STOMP');
  assert.equal((airMsg.payload as { message: { user_id: number } }).message.user_id, taras.id);
  const nat = await native.next((f) => f.type === 'message.created' && (f.data.message as { content: string }).content === 'from STOMP');
  assert.equal((nat.data.message as { author: { id: number } }).author.id, taras.id);

  // AirSend's user posts (through the HTTP API its backend uses) and the native user posts: STOMP gets both.
  await post(srv.url, olena, chat, 'from AirSend');
  assert.equal((await messages.expect<TalkMessage>((m) => m.content === 'from AirSend')).senderId, olena.id);
  await native.command('typing', { space_id: chat });
  await post(srv.url, ivan, chat, 'from native');
  assert.equal((await messages.expect<TalkMessage>((m) => m.content === 'from native')).senderId, ivan.id);
  assert.equal((await events.expect<TalkEvent>((e) => e.eventType === 'START_TYPING')).authorId, ivan.id);
  await stomp.disconnect();
  await air.close();
  await native.close();
});
