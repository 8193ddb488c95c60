// Talk-and-Travel over STOMP, end to end with @stomp/stompjs: the document's destinations
// (/countries/{chatId}/events, /chat/events.joinChat, .leaveChat, .startTyping, .stopTyping), with the
// event shapes written by hand from specs/talk-and-travel-stomp.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, api, type TestServer } from '../helpers/server.js';
import { StompTestClient, TALK_TIME, openChat } from './stomp-client.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.stop();
});

interface TalkEvent {
  id: number;
  authorId: number;
  chatId: number;
  eventType: string;
  eventTime: string;
}

test('JOIN: a user joins a country chat by SEND; every subscriber of /countries/{chatId}/events gets the document event', async () => {
  const [olena, taras] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'taras')];
  const chat = await openChat(srv, olena);
  const a = await StompTestClient.connect(srv, olena);
  const events = await a.subscribe(`/countries/${chat}/events`);
  const b = await StompTestClient.connect(srv, taras);
  await b.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  const join = await events.expect<TalkEvent>((e) => e.eventType === 'JOIN');
  assert.deepEqual(Object.keys(join), ['id', 'authorId', 'chatId', 'eventType', 'eventTime']);
  assert.equal(join.authorId, taras.id);
  assert.equal(join.chatId, chat);
  assert.match(join.eventTime, TALK_TIME);
  assert.equal(join.id % 1000, 0, 'a logged event: position × 1000');
  const m = events.frames.at(-1)!;
  assert.equal(m.headers.destination, `/countries/${chat}/events`);
  assert.equal(m.headers['content-type'], 'application/json');
  assert.equal(m.headers['x-herald-id'], String(join.id));
  await a.disconnect();
  await b.disconnect();
});

test('LEAVE: persisted (the user is no longer a member), and every subscriber gets the document event', async () => {
  const [olena, taras] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'taras')];
  const chat = await openChat(srv, olena);
  const b = await StompTestClient.connect(srv, taras);
  await b.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  const a = await StompTestClient.connect(srv, olena);
  const events = await a.subscribe(`/countries/${chat}/events`);
  const mine = await b.subscribe(`/countries/${chat}/events`);
  await b.sendJson('/chat/events.leaveChat', { authorId: taras.id, chatId: chat });
  const leave = await events.expect<TalkEvent>((e) => e.eventType === 'LEAVE');
  assert.deepEqual({ ...leave, id: 0, eventTime: '' }, { id: 0, authorId: taras.id, chatId: chat, eventType: 'LEAVE', eventTime: '' });
  assert.match(leave.eventTime, TALK_TIME);
  // The user who left sees their own LEAVE too, then nothing more of the chat.
  assert.equal((await mine.expect<TalkEvent>((e) => e.eventType === 'LEAVE')).id, leave.id);
  const members = await api<{ space: { members: { user: { id: number } }[] } }>(srv.url, 'GET', `/api/v1/spaces/${chat}`, olena.token);
  assert.deepEqual(members.body.space.members.map((m) => m.user.id), [olena.id]);
  // Not a member any more: a new subscription is refused.
  const c = await StompTestClient.connect(srv, taras);
  c.client.subscribe(`/countries/${chat}/events`, () => undefined);
  await c.closed;
  assert.equal(c.errors[0]?.headers.message, `not allowed to subscribe to /countries/${chat}/events`);
  await a.disconnect();
  await b.disconnect();
});

test('START_TYPING and STOP_TYPING: the others get them with unique increasing ids; typing is never stored', async () => {
  const [olena, taras] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'taras')];
  const chat = await openChat(srv, olena);
  const b = await StompTestClient.connect(srv, taras);
  await b.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  const a = await StompTestClient.connect(srv, olena);
  const events = await a.subscribe(`/countries/${chat}/events`, { 'x-herald-resume': '0' });
  const join = await events.expect<TalkEvent>((e) => e.eventType === 'JOIN' && e.authorId === taras.id);
  await b.sendJson('/chat/events.startTyping', { authorId: taras.id, chatId: chat });
  await b.sendJson('/chat/events.stopTyping', { authorId: taras.id, chatId: chat });
  const start = await events.expect<TalkEvent>((e) => e.eventType === 'START_TYPING');
  const stop = await events.expect<TalkEvent>((e) => e.eventType === 'STOP_TYPING');
  assert.deepEqual([start.authorId, start.chatId, stop.authorId, stop.chatId], [taras.id, chat, taras.id, chat]);
  assert.match(start.eventTime, TALK_TIME);
  const ids = events.json<TalkEvent>().map((e) => e.id);
  assert.ok(join.id < start.id && start.id < stop.id, `ids increase: ${ids.join(',')}`);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  // Resuming from before the JOIN replays the JOIN, never the typing (not stored).
  const c = await StompTestClient.connect(srv, olena);
  const again = await c.subscribe(`/countries/${chat}/events`, { 'x-herald-resume': String(join.id - 1000) });
  await again.expect<TalkEvent>((e) => e.eventType === 'JOIN' && e.id === join.id);
  await b.sendJson('/chat/events.leaveChat', { authorId: taras.id, chatId: chat });
  await again.expect<TalkEvent>((e) => e.eventType === 'LEAVE');
  assert.deepEqual(again.json<TalkEvent>().map((e) => e.eventType), ['JOIN', 'LEAVE']);
  for (const x of [a, b, c]) await x.disconnect();
});

test('subscribing to a chat you are not a member of: ERROR, then the connection closes', async () => {
  const [olena, taras] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'taras')];
  const chat = await openChat(srv, olena);
  const b = await StompTestClient.connect(srv, taras);
  b.client.subscribe(`/countries/${chat}/events`, () => undefined, { receipt: 'sub-1' });
  await b.closed;
  assert.equal(b.errors.length, 1);
  assert.equal(b.errors[0].headers['receipt-id'], 'sub-1');
  assert.match(b.errors[0].body, /not a member of chat/);
});

interface TalkError {
  code: string;
  message: string;
  destination: string;
  receiptId: string;
}

test('refused commands: a typed error on /user/queue/errors with the receipt id, and nothing broadcast', async () => {
  const [olena, taras, ivan] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'taras'), await newUser(srv.url, 'ivan')];
  const chat = await openChat(srv, olena);
  const confidential = (await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', olena.token, { name: 'secret' })).body.space.id;
  const a = await StompTestClient.connect(srv, olena);
  const events = await a.subscribe(`/countries/${chat}/events`);
  const b = await StompTestClient.connect(srv, taras);
  const errors = await b.subscribe('/user/queue/errors');
  const cases: [string, string, string][] = [
    ['/chat/events.joinChat', JSON.stringify({ authorId: taras.id, chatId: 999_999_999 }), 'unknown_chat'],
    ['/chat/events.joinChat', JSON.stringify({ authorId: taras.id, chatId: confidential }), 'unknown_chat'],
    ['/chat/events.joinChat', JSON.stringify({ authorId: ivan.id, chatId: chat }), 'author_mismatch'],
    ['/chat/events.leaveChat', JSON.stringify({ authorId: taras.id, chatId: chat }), 'not_member'],
    ['/chat/events.joinChat', '{"authorId": 1, "chatId":', 'malformed_json'],
    ['/chat/events.joinChat', JSON.stringify({ authorId: taras.id }), 'invalid_body'],
    ['/chat/events.startTyping', JSON.stringify({ authorId: String(taras.id), chatId: chat }), 'invalid_body'],
    ['/chat/events.dance', JSON.stringify({ authorId: taras.id, chatId: chat }), 'unknown_destination'],
  ];
  for (const [destination, body, code] of cases) {
    const receipt = await b.send(destination, body);
    // The error arrives before the RECEIPT of the frame that caused it.
    const e = errors.json<TalkError>().find((x) => x.receiptId === receipt);
    assert.ok(e, `an error for ${destination} ${body}`);
    assert.equal(e.code, code, `${destination} ${body}: ${e.message}`);
    assert.equal(e.destination, destination);
    assert.equal(errors.frames.find((m) => m.headers['receipt-id'] === receipt)?.headers.destination, '/user/queue/errors');
  }
  // Joining twice: the second is refused.
  await b.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  const twice = await b.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  assert.equal(errors.json<TalkError>().find((x) => x.receiptId === twice)?.code, 'already_member');
  // Fence: the one JOIN that succeeded is the first event the observer got; none of the refusals broadcast.
  await b.sendJson('/chat/events.startTyping', { authorId: taras.id, chatId: chat });
  await events.expect<TalkEvent>((e) => e.eventType === 'START_TYPING');
  assert.deepEqual(events.json<TalkEvent>().map((e) => e.eventType), ['JOIN', 'START_TYPING']);
  assert.equal(errors.frames.length, cases.length + 1);
  assert.equal(b.errors.length, 0, 'refused commands keep the connection');
  await a.disconnect();
  await b.disconnect();
});

test('an on-request chat takes join requests: joining it by SEND is refused (forbidden)', async () => {
  const [olena, taras] = [await newUser(srv.url, 'olena'), await newUser(srv.url, 'taras')];
  const chat = (await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', olena.token, { name: 'club', access: 'on_request' })).body.space.id;
  const b = await StompTestClient.connect(srv, taras);
  const errors = await b.subscribe('/user/queue/errors');
  const r = await b.sendJson('/chat/events.joinChat', { authorId: taras.id, chatId: chat });
  assert.equal(errors.json<TalkError>().find((x) => x.receiptId === r)?.code, 'forbidden');
  await b.disconnect();
});
