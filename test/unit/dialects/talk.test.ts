// Talk-and-Travel renderer (src/dialects/talk/render.ts): the document's JOIN / LEAVE / START_TYPING /
// STOP_TYPING events, written by hand from specs/talk-and-travel-stomp.md, the id and time rules of
// docs/dialects/talk-and-travel.md, and the extra /messages and /updates destinations.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TalkIds, positionOfTalkId, renderTalk, renderTalkJson, talkDestination, talkTime, type TalkInput, type TypingStopped } from '../../../src/dialects/talk/render.js';
import { at, file, member, message, space, summary, unrelatedEvents, user } from './fixtures.js';

const T = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) => Date.UTC(y, mo - 1, d, h, mi, s, ms);

const chat4 = space({ id: 4, name: 'Ukraine', members: [member(user(1)), member(user(2))] });
const stop = (spaceId: number, userId: number, time: number): TypingStopped & { id: null; at: number } => ({ type: 'typing.stopped', data: { space_id: spaceId, user: user(userId) }, id: null, at: time });

describe('Talk-and-Travel: eventTime', () => {
  test('local date-time in UTC with six fraction digits (milliseconds then 000)', () => {
    assert.equal(talkTime(T(2024, 8, 11, 8, 50, 59, 607)), '2024-08-11T08:50:59.607000');
    assert.equal(talkTime(T(2024, 8, 11, 8, 55, 5, 429)), '2024-08-11T08:55:05.429000');
    assert.equal(talkTime(T(2024, 12, 31, 23, 59, 59, 0)), '2024-12-31T23:59:59.000000');
    assert.equal(talkTime(0), '1970-01-01T00:00:00.000000');
  });
});

describe('Talk-and-Travel: /countries/{chatId}/events', () => {
  test('JOIN: the document example (id = feed position × 1000, authorId = the user who joined)', () => {
    const ev = at({ type: 'member.added', data: { space: chat4, member: member(user(1)), actor_id: 1 } }, 37, T(2024, 8, 11, 8, 50, 59, 607));
    const f = renderTalkJson(ev, { ids: new TalkIds() });
    assert.deepEqual(f, {
      destination: '/countries/4/events',
      body: '{"id":37000,"authorId":1,"chatId":4,"eventType":"JOIN","eventTime":"2024-08-11T08:50:59.607000"}',
    });
  });

  test('LEAVE: the document example, also when a manager removed the user (authorId is who left)', () => {
    const ids = new TalkIds();
    const left = at({ type: 'member.removed', data: { space: chat4, member: member(user(1)), actor_id: 1 } }, 38, T(2024, 8, 11, 8, 55, 5, 429));
    assert.deepEqual(renderTalk(left, { ids })?.payload, { id: 38000, authorId: 1, chatId: 4, eventType: 'LEAVE', eventTime: '2024-08-11T08:55:05.429000' });
    const kicked = at({ type: 'member.removed', data: { space: chat4, member: member(user(2)), actor_id: 1 } }, 41, T(2024, 8, 11, 9, 0, 0, 1));
    assert.deepEqual(renderTalk(kicked, { ids })?.payload, { id: 41000, authorId: 2, chatId: 4, eventType: 'LEAVE', eventTime: '2024-08-11T09:00:00.001000' });
  });

  test('START_TYPING and STOP_TYPING: ephemeral, ids after the newest logged event before them (position × 1000 + 1, + 2, …)', () => {
    const ids = new TalkIds();
    renderTalk(at({ type: 'member.removed', data: { space: chat4, member: member(user(1)), actor_id: 1 } }, 38, 0), { ids });
    const start = renderTalkJson(at({ type: 'typing.started', data: { space_id: 3, user: user(1) } }, null, T(2024, 8, 11, 8, 56, 53, 411)), { ids });
    assert.deepEqual(start, { destination: '/countries/3/events', body: '{"id":38001,"authorId":1,"chatId":3,"eventType":"START_TYPING","eventTime":"2024-08-11T08:56:53.411000"}' });
    const stopped = renderTalkJson(stop(1, 1, T(2024, 8, 11, 8, 58, 7, 633)), { ids });
    assert.deepEqual(stopped, { destination: '/countries/1/events', body: '{"id":38002,"authorId":1,"chatId":1,"eventType":"STOP_TYPING","eventTime":"2024-08-11T08:58:07.633000"}' });
  });

  test('a typing event before any logged event on this node takes the seeded head', () => {
    assert.equal((renderTalk(stop(4, 2, 0), { ids: new TalkIds(1200) })?.payload as { id: number }).id, 1_200_001);
    assert.equal((renderTalk(stop(4, 2, 0), { ids: new TalkIds() })?.payload as { id: number }).id, 1);
  });

  test('ids are unique and increasing, and every logged event after an id has a larger position (resume from any id misses nothing)', () => {
    const ids = new TalkIds();
    const seq: TalkInput[] = [
      at({ type: 'member.added', data: { space: chat4, member: member(user(1)), actor_id: 1 } }, 37, 0),
      at({ type: 'typing.started', data: { space_id: 4, user: user(1) } }, null, 0),
      // A logged event Talk shows nowhere (an alert) still moves the head.
      at(unrelatedEvents().find((e) => e.type === 'alert.created')!, 39, 0),
      at({ type: 'typing.started', data: { space_id: 4, user: user(2) } }, null, 0),
      at({ type: 'member.removed', data: { space: chat4, member: member(user(2)), actor_id: 2 } }, 40, 0),
      at({ type: 'presence.offline', data: { space_id: 4, user: user(2) } }, null, 0),
      at({ type: 'member.added', data: { space: chat4, member: member(user(2)), actor_id: 2 } }, 45, 0),
    ];
    const seen = seq.map((e) => renderTalk(e, { ids })).map((f) => (f === null ? null : (f.payload as { id: number }).id));
    assert.deepEqual(seen, [37000, 37001, null, 39001, 40000, 40001, 45000]);
    assert.equal(ids.position, 45);
    // floor(id / 1000) is the position to resume after: every logged event later than an id is above it.
    const positions = seq.map((e) => e.id);
    seen.forEach((id, i) => {
      if (id === null) return;
      for (const later of positions.slice(i + 1)) if (later !== null) assert.ok(later > positionOfTalkId(id), `${later} after ${id}`);
    });
  });

  test('an older position rendered late does not move the head back', () => {
    const ids = new TalkIds();
    renderTalk(at({ type: 'member.added', data: { space: chat4, member: member(user(1)), actor_id: 1 } }, 50, 0), { ids });
    renderTalk(at({ type: 'member.added', data: { space: chat4, member: member(user(2)), actor_id: 2 } }, 49, 0), { ids });
    assert.equal(ids.position, 50);
  });
  test('past 999 ephemeral events on one position the counter stays at 999: ids never pass the next position', () => {
    const ids = new TalkIds(7);
    const seen: number[] = [];
    for (let i = 0; i < 1002; i++) seen.push((renderTalk(stop(4, 2, 0), { ids })?.payload as { id: number }).id);
    assert.deepEqual([seen[0], seen[998], seen[999], seen[1001]], [7001, 7999, 7999, 7999]);
    const next = renderTalk(at({ type: 'member.added', data: { space: chat4, member: member(user(2)), actor_id: 2 } }, 8, 0), { ids })?.payload as { id: number };
    assert.equal(next.id, 8000);
    assert.equal((renderTalk(stop(4, 2, 0), { ids })?.payload as { id: number }).id, 8001, 'the counter starts again');
  });
});

describe('Talk-and-Travel: /countries/{chatId}/messages', () => {
  const m = message({ id: 812, space_id: 4, author: user(1, { display_name: 'Olena' }), content: 'Привіт', created_at: T(2024, 8, 11, 8, 59, 0, 120), updated_at: T(2024, 8, 11, 8, 59, 0, 120) });

  test('a new message: the snapshot, key by key', () => {
    const f = renderTalk(at({ type: 'message.created', data: { space: summary(space()), message: m } }, 60, m.created_at), { ids: new TalkIds() });
    assert.equal(f?.destination, '/countries/4/messages');
    assert.deepEqual(f?.payload, {
      id: 812,
      content: 'Привіт',
      creationDate: '2024-08-11T08:59:00.120000',
      senderId: 1,
      senderName: 'Olena',
      chatId: 4,
      repliedMessageId: null,
      type: 'MESSAGE',
      updateDate: null,
      deleted: false,
      attachments: [],
      reactions: [],
      readBy: [],
    });
  });

  test('edited, replied, with attachment, reaction and reader', () => {
    const edited = message({
      ...m,
      kind: 'image',
      parent_id: 800,
      is_edited: true,
      updated_at: T(2024, 8, 11, 9, 1, 2, 3),
      attachments: [file({ id: 9, space_id: 4, name: 'kyiv.jpg', mimetype: 'image/jpeg', size: 2048 })],
      reactions: [{ emoji: '👍', user: user(2), at: 0 }],
      read_by: [{ user: user(2), at: 0 }],
    });
    const f = renderTalk(at({ type: 'message.updated', data: { space: summary(space()), message: edited, actor_id: 1 } }, 61, 0), { ids: new TalkIds() });
    assert.deepEqual(f?.payload, {
      id: 812,
      content: 'Привіт',
      creationDate: '2024-08-11T08:59:00.120000',
      senderId: 1,
      senderName: 'Olena',
      chatId: 4,
      repliedMessageId: 800,
      type: 'IMAGE',
      updateDate: '2024-08-11T09:01:02.003000',
      deleted: false,
      attachments: [{ id: 9, name: 'kyiv.jpg', mimeType: 'image/jpeg', size: 2048 }],
      reactions: [{ emoji: '👍', userId: 2 }],
      readBy: [2],
    });
  });

  test('read, reactions and deletes are snapshots of the same message (clients upsert by id)', () => {
    const ids = new TalkIds();
    for (const ev of [
      at({ type: 'message.read', data: { space: summary(space()), message: m, user: user(2), at: 0 } }, 62, 0),
      at({ type: 'reaction.added', data: { message: m, user: user(2), emoji: '👍' } }, 63, 0),
      at({ type: 'reaction.removed', data: { message: m, user: user(2), emoji: '👍' } }, 64, 0),
    ] as TalkInput[]) {
      const f = renderTalk(ev, { ids });
      assert.equal(f?.destination, '/countries/4/messages');
      assert.equal((f?.payload as { id: number; deleted: boolean }).id, 812);
      assert.equal((f?.payload as { deleted: boolean }).deleted, false);
    }
    const del = renderTalk(at({ type: 'message.deleted', data: { space: summary(space()), message: m, actor_id: 1 } }, 65, 0), { ids });
    assert.equal((del?.payload as { deleted: boolean }).deleted, true);
    assert.equal(ids.position, 65, 'message events move the head too');
  });

  test('bot and server messages have no sender', () => {
    const bot = message({ ...m, kind: 'bot', author: null, content: '@1 has added @2 to this channel' });
    const p = renderTalk(at({ type: 'message.created', data: { space: summary(space()), message: bot } }, 66, 0), { ids: new TalkIds() })?.payload as unknown as Record<string, unknown>;
    assert.equal(p.senderId, null);
    assert.equal(p.senderName, null);
    assert.equal(p.type, 'BOT');
  });
});

describe('Talk-and-Travel: /countries/{chatId}/updates', () => {
  const when = T(2024, 8, 11, 10, 0, 0, 500);
  const cases: [string, TalkInput, Record<string, unknown>][] = [
    [
      'space.updated → CHAT_UPDATED',
      at({ type: 'space.updated', data: { space: { ...chat4, name: 'Україна', description: 'country chat' }, actor_id: 1 } }, 70, when),
      { id: 70000, authorId: 1, chatId: 4, eventType: 'CHAT_UPDATED', eventTime: '2024-08-11T10:00:00.500000', name: 'Україна', description: 'country chat' },
    ],
    ['space.deleted → CHAT_DELETED', at({ type: 'space.deleted', data: { space: chat4, actor_id: null } }, 71, when), { id: 71000, authorId: null, chatId: 4, eventType: 'CHAT_DELETED', eventTime: '2024-08-11T10:00:00.500000' }],
    [
      'space.undeleted → CHAT_RESTORED',
      at({ type: 'space.undeleted', data: { space: chat4, actor_id: 1 } }, 72, when),
      { id: 72000, authorId: 1, chatId: 4, eventType: 'CHAT_RESTORED', eventTime: '2024-08-11T10:00:00.500000', name: 'Ukraine', description: '' },
    ],
    [
      'member.updated → ROLE_CHANGED',
      at({ type: 'member.updated', data: { space: chat4, member: { ...member(user(2)), role: 'manager' }, actor_id: 1 } }, 73, when),
      { id: 73000, authorId: 1, chatId: 4, eventType: 'ROLE_CHANGED', eventTime: '2024-08-11T10:00:00.500000', userId: 2, role: 'manager' },
    ],
    [
      'file.created → FILE_ADDED',
      at({ type: 'file.created', data: { space: summary(space()), file: file({ id: 9, space_id: 4, name: 'map.pdf', mimetype: 'application/pdf', size: 10 }), actor_id: 2 } }, 74, when),
      { id: 74000, authorId: 2, chatId: 4, eventType: 'FILE_ADDED', eventTime: '2024-08-11T10:00:00.500000', file: { id: 9, name: 'map.pdf', mimeType: 'application/pdf', size: 10 } },
    ],
    [
      'attachment.deleted → ATTACHMENTS_DELETED',
      at({ type: 'attachment.deleted', data: { space: summary(space()), space_id: 4, message_ids: [812], message_uuids: ['x'], files: [file({ id: 9 })], actor_id: 1 } }, 75, when),
      { id: 75000, authorId: 1, chatId: 4, eventType: 'ATTACHMENTS_DELETED', eventTime: '2024-08-11T10:00:00.500000', messageIds: [812], fileIds: [9] },
    ],
    ['presence.online → ONLINE (ephemeral: after the head)', at({ type: 'presence.online', data: { space_id: 4, user: user(2) } }, null, when), { id: 75001, authorId: 2, chatId: 4, eventType: 'ONLINE', eventTime: '2024-08-11T10:00:00.500000' }],
    ['presence.offline → OFFLINE', at({ type: 'presence.offline', data: { space_id: 4, user: user(2) } }, null, when), { id: 75002, authorId: 2, chatId: 4, eventType: 'OFFLINE', eventTime: '2024-08-11T10:00:00.500000' }],
  ];
  const ids = new TalkIds();
  for (const [name, ev, expected] of cases) {
    test(name, () => {
      const f = renderTalk(ev, { ids });
      assert.equal(f?.destination, '/countries/4/updates');
      assert.deepEqual(f?.payload, expected);
    });
  }
});

describe('Talk-and-Travel: events never shown', () => {
  test('space.created, users, unread counts, locks, actions, alerts, calls, custom events → null', () => {
    const ids = new TalkIds();
    const events = unrelatedEvents().filter((e) => !e.type.startsWith('reaction.'));
    events.push({ type: 'space.created', data: { space: chat4, actor_id: 1 } });
    for (const e of events) assert.equal(renderTalk({ ...e, id: 90, at: 0 } as TalkInput, { ids }), null, e.type);
  });

  test('destinations', () => {
    assert.equal(talkDestination(4, 'events'), '/countries/4/events');
    assert.equal(talkDestination(17, 'messages'), '/countries/17/messages');
    assert.equal(talkDestination(17, 'updates'), '/countries/17/updates');
  });
});
