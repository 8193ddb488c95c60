// Talk-and-Travel over STOMP, end to end with @stomp/stompjs: the document's destinations
// (/countries/{chatId}/events, /chat/events.joinChat, .leaveChat, .startTyping, .stopTyping), with the
// event shapes written by hand from specs/talk-and-travel-stomp.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, type TestServer } from '../helpers/server.js';
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
