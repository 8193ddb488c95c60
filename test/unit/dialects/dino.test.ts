// Dino renderer (src/dialects/dino/render.ts): every event type against JSON written by hand from
// specs/dino-mqtt-events.md, with the value rules of docs/dialects/dino.md (user ids are integers, the
// `group` event in float seconds and everything else in integer milliseconds, file ids as dashless hex).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsDino, acceptsDinoGroupUpdate, renderDino, renderDinoGroupUpdate, renderDinoJson, type DinoInput } from '../../../src/dialects/dino/render.js';
import { MESSAGE_KINDS, type MessageKind } from '../../../src/core/model.js';
import { at, file, member, message, space, summary, unrelatedEvents, user } from './fixtures.js';

const avatarUrl = () => 'http://example.com/image.jpg';

// The document's "New message" example: a 1-to-1 group "12341234,55554444" owned by user 12341234.
const dmSpace = space({
  id: 77,
  uuid: '00000000-00bc-4ff2-0000-0000034fb18c',
  name: '12341234,55554444',
  description: '',
  kind: 'direct',
  owner_id: 12341234,
  created_at: 1625630480355,
  updated_at: 1632896937908,
  last_active_at: 1632896937908,
  members: [member(user(12341234, { username: 'user1' })), member(user(55554444))],
});
const docMessage = message({
  uuid: 'c95027c7-ced0-4097-a6b3-7dd5ac9365cc',
  space_id: 77,
  space_kind: 'direct',
  author: user(12341234, { username: 'user1', has_avatar: true }),
  content: '<some content>',
  created_at: 1632896937286,
  updated_at: 1632896937286,
});

/** message.created with the proposed `space` summary. */
const created = (m = docMessage, s = summary(dmSpace)): DinoInput => ({ ...at({ type: 'message.created', data: { space: summary(space()), message: m } }, 100, m.created_at), data: { message: m, space: s } } as DinoInput);

describe('Dino: message', () => {
  test('a new message: the document example key by key (user ids as integers)', () => {
    assert.deepEqual(renderDino(created(), { avatarUrl }), {
      event_type: 'message',
      group_id: '00000000-00bc-4ff2-0000-0000034fb18c',
      sender_id: 12341234,
      notification: { author: { username: 'user1', avatar_url: 'http://example.com/image.jpg' } },
      message_id: 'c95027c7-ced0-4097-a6b3-7dd5ac9365cc',
      message_payload: '<some content>',
      message_type: 0,
      updated_at: 0,
      created_at: 1632896937286,
      group: {
        group_id: '00000000-00bc-4ff2-0000-0000034fb18c',
        name: '12341234,55554444',
        description: null,
        updated_at: 1632896937908,
        created_at: 1625630480355,
        last_message_time: 1632896937908,
        last_message_overview: '<some content>',
        last_message_type: 0,
        last_message_user_id: 12341234,
        status: null,
        group_type: 1,
        owner_id: 12341234,
        meta: null,
      },
    });
  });

  test('the JSON text has the document key order', () => {
    const text = renderDinoJson(created(), { avatarUrl })!;
    assert.equal(
      text,
      '{"event_type":"message","group_id":"00000000-00bc-4ff2-0000-0000034fb18c","sender_id":12341234,"notification":{"author":{"username":"user1","avatar_url":"http://example.com/image.jpg"}},' +
        '"message_id":"c95027c7-ced0-4097-a6b3-7dd5ac9365cc","message_payload":"<some content>","message_type":0,"updated_at":0,"created_at":1632896937286,' +
        '"group":{"group_id":"00000000-00bc-4ff2-0000-0000034fb18c","name":"12341234,55554444","description":null,"updated_at":1632896937908,"created_at":1625630480355,' +
        '"last_message_time":1632896937908,"last_message_overview":"<some content>","last_message_type":0,"last_message_user_id":12341234,"status":null,"group_type":1,"owner_id":12341234,"meta":null}}',
    );
  });

  test('the attachment variant: file_id (dashless hex), message_type 3, and file_ids', () => {
    const photo = file({ uuid: 'f4503d55-d49f-f450-3d55-d49ff4503d55', space_id: 77 });
    const second = file({ id: 10, uuid: '95b1a97e-dc6f-4f55-96d0-158c55d17b1e', space_id: 77, name: 'b.jpg' });
    const p = renderDino(created(message({ ...docMessage, kind: 'image', attachments: [photo, second] })), { avatarUrl });
    assert.deepEqual(p, {
      event_type: 'message',
      group_id: '00000000-00bc-4ff2-0000-0000034fb18c',
      sender_id: 12341234,
      file_id: 'f4503d55d49ff4503d55d49ff4503d55',
      notification: { author: { username: 'user1', avatar_url: 'http://example.com/image.jpg' } },
      message_id: 'c95027c7-ced0-4097-a6b3-7dd5ac9365cc',
      message_payload: '<some content>',
      message_type: 3,
      updated_at: 0,
      created_at: 1632896937286,
      group: {
        group_id: '00000000-00bc-4ff2-0000-0000034fb18c',
        name: '12341234,55554444',
        description: null,
        updated_at: 1632896937908,
        created_at: 1625630480355,
        last_message_time: 1632896937908,
        last_message_overview: '<some content>',
        // The document's example says 0 here; Herald's rule: the last message's own message_type.
        last_message_type: 3,
        last_message_user_id: 12341234,
        status: null,
        group_type: 1,
        owner_id: 12341234,
        meta: null,
      },
      file_ids: ['f4503d55d49ff4503d55d49ff4503d55', '95b1a97edc6f4f5596d0158c55d17b1e'],
    });
    // file_id comes right after sender_id, as in the document.
    assert.deepEqual(Object.keys(p!).slice(0, 4), ['event_type', 'group_id', 'sender_id', 'file_id']);
  });

  test('a message without attachments has neither file_id nor file_ids', () => {
    const p = renderDino(created()) as unknown as Record<string, unknown>;
    assert.equal('file_id' in p, false);
    assert.equal('file_ids' in p, false);
  });

  test('an edited message carries its edit time in updated_at (ms); avatar_url null by default', () => {
    const p = renderDino(created(message({ ...docMessage, is_edited: true, updated_at: 1632896999000 }))) as unknown as Record<string, unknown>;
    assert.equal(p.updated_at, 1632896999000);
    assert.deepEqual(p.notification, { author: { username: 'user1', avatar_url: null } });
  });

  test('a message of a multi-user group: group_type 0', () => {
    const g = space();
    const m = message();
    const p = renderDino(created(m, summary(g))) as unknown as { group: { group_type: number; group_id: string } };
    assert.equal(p.group.group_type, 0);
    assert.equal(p.group.group_id, '9d78163c-1144-485a-92c6-6015afc6cd40');
  });

  test('a long message: last_message_overview keeps the first 200 code points', () => {
    const long = '😀'.repeat(150) + 'x'.repeat(100);
    const p = renderDino(created(message({ ...docMessage, content: long }))) as unknown as { message_payload: string; group: { last_message_overview: string } };
    assert.equal(p.message_payload, long);
    assert.equal(p.group.last_message_overview, '😀'.repeat(150) + 'x'.repeat(50));
  });

  test('a message the server API key posted without a user: sender 0, username "system" (configurable)', () => {
    const p = renderDino(created(message({ ...docMessage, author: null }))) as unknown as Record<string, unknown>;
    assert.equal(p.sender_id, 0);
    assert.deepEqual(p.notification, { author: { username: 'system', avatar_url: null } });
    const q = renderDino(created(message({ ...docMessage, author: null })), { systemUsername: 'Herald' }) as unknown as Record<string, unknown>;
    assert.deepEqual(q.notification, { author: { username: 'Herald', avatar_url: null } });
  });

});

describe('Dino: message_type table', () => {
  const expected: Record<MessageKind, [number, 'message' | 'action_log']> = {
    message: [0, 'message'],
    no_thanks: [1, 'message'],
    no_thanks_hidden: [2, 'message'],
    image: [3, 'message'],
    greeter_auto: [4, 'message'],
    greeter_manual: [5, 'message'],
    action: [100, 'action_log'],
    file: [3, 'message'],
    audio: [3, 'message'],
    bot: [100, 'action_log'],
  };
  for (const kind of MESSAGE_KINDS) {
    test(`kind ${kind} → ${expected[kind][1]} with message_type ${expected[kind][0]}`, () => {
      const p = renderDino(created(message({ ...docMessage, kind }))) as unknown as Record<string, unknown>;
      assert.equal(p.event_type, expected[kind][1]);
      assert.equal(p.message_type, expected[kind][0]);
    });
  }
});

describe('Dino: edit, action_log', () => {
  // The document's edit / action_log examples: group 6cbb3265-…, sender 1234, created_at 1597877384794.
  const g = summary(space({ uuid: '6cbb3265-2a7f-494d-92ad-f4503d55d49f' }));
  const f = file({ uuid: 'f4503d55-d49f-f450-3d55-d49ff4503d55' });

  test('edit: the document example, with file_id, plus updated_at and file_ids', () => {
    const m = message({ attachments: [f], is_edited: true, updated_at: 1597877399000 });
    const ev = { ...at({ type: 'message.updated', data: { space: summary(space()), message: m, actor_id: 1234 } }, 101, 1597877399000), data: { message: m, actor_id: 1234, space: g } } as DinoInput;
    assert.deepEqual(renderDino(ev), {
      event_type: 'edit',
      group_id: '6cbb3265-2a7f-494d-92ad-f4503d55d49f',
      sender_id: 1234,
      file_id: 'f4503d55d49ff4503d55d49ff4503d55',
      message_id: 'c87efd18-8879-4c24-8b26-ccb7f40a0fe5',
      message_payload: '<some content>',
      message_type: 0,
      created_at: 1597877384794,
      updated_at: 1597877399000,
      file_ids: ['f4503d55d49ff4503d55d49ff4503d55'],
    });
  });

  test('edit of a message without attachments: file_id null, file_ids []', () => {
    const m = message({ is_edited: true });
    const p = renderDino({ ...at({ type: 'message.updated', data: { space: summary(space()), message: m, actor_id: 1234 } }, 101, 0), data: { message: m, actor_id: 1234, space: g } } as DinoInput) as unknown as Record<string, unknown>;
    assert.equal(p.file_id, null);
    assert.deepEqual(p.file_ids, []);
  });

  test('action_log: an action message, the document example', () => {
    const m = message({ kind: 'action', attachments: [f] });
    assert.deepEqual(renderDino(created(m, g)), {
      event_type: 'action_log',
      group_id: '6cbb3265-2a7f-494d-92ad-f4503d55d49f',
      sender_id: 1234,
      file_id: 'f4503d55d49ff4503d55d49ff4503d55',
      message_id: 'c87efd18-8879-4c24-8b26-ccb7f40a0fe5',
      message_payload: '<some content>',
      message_type: 100,
      created_at: 1597877384794,
      file_ids: ['f4503d55d49ff4503d55d49ff4503d55'],
    });
  });

  test('action_log: a bot message (user added, file added) has sender 0 and no file', () => {
    const m = message({ kind: 'bot', author: null, content: '@1234 has added @4321 to this channel', meta: { type: 2, bot_message: '@1234 has added @4321 to this channel' } });
    assert.deepEqual(renderDino(created(m, g)), {
      event_type: 'action_log',
      group_id: '6cbb3265-2a7f-494d-92ad-f4503d55d49f',
      sender_id: 0,
      file_id: null,
      message_id: 'c87efd18-8879-4c24-8b26-ccb7f40a0fe5',
      message_payload: '@1234 has added @4321 to this channel',
      message_type: 100,
      created_at: 1597877384794,
      file_ids: [],
    });
  });
});

describe('Dino: read (1-to-1 groups only)', () => {
  const reader = user(1234);
  const readEv = (kind: 'direct' | 'multi'): DinoInput => {
    const m = message({ space_kind: kind });
    return { ...at({ type: 'message.read', data: { space: summary(space()), message: m, user: reader, at: 1597877384794 } }, 102, 1597877384794), data: { message: m, user: reader, at: 1597877384794, space: summary(space({ uuid: '6cbb3265-2a7f-494d-92ad-f4503d55d49f', kind })) } } as DinoInput;
  };

  test('in a 1-to-1 group: the document example plus message_id', () => {
    assert.deepEqual(renderDino(readEv('direct')), {
      event_type: 'read',
      group_id: '6cbb3265-2a7f-494d-92ad-f4503d55d49f',
      user_id: 1234,
      read_at: 1597877384794,
      message_id: 'c87efd18-8879-4c24-8b26-ccb7f40a0fe5',
    });
  });

  test('in a multi-user group: nothing', () => {
    assert.equal(renderDino(readEv('multi')), null);
    assert.equal(renderDinoJson(readEv('multi')), null);
  });
});

describe('Dino: group', () => {
  const g = space({ members: [member(user(1234)), member(user(4321))] });

  test('space.created: the document example in float seconds (ms precision)', () => {
    assert.deepEqual(renderDino(at({ type: 'space.created', data: { space: g, actor_id: 1234 } }, 5, 0)), {
      event_type: 'group',
      group_id: '9d78163c-1144-485a-92c6-6015afc6cd40',
      name: 'a name',
      created_at: 1597877421.453,
      updated_at: 1597877421.453,
      last_message_time: 1597877421.453,
      group_type: 0,
      owner_id: 1234,
      user_ids: [1234, 4321],
      description: null,
      status: null,
    });
  });

  test('the JSON text of a group event: seconds with a fraction', () => {
    const s = space({ created_at: 1597877421453, updated_at: 1597877422000, last_active_at: 1597877500007, description: 'about', kind: 'direct', members: [member(user(1))] });
    assert.equal(
      renderDinoJson(at({ type: 'space.updated', data: { space: s, actor_id: 1 } }, 6, 0)),
      '{"event_type":"group","group_id":"9d78163c-1144-485a-92c6-6015afc6cd40","name":"a name","created_at":1597877421.453,"updated_at":1597877422,"last_message_time":1597877500.007,"group_type":1,"owner_id":1234,"user_ids":[1],"description":"about","status":null}',
    );
  });

  test('space.undeleted and member.updated are group updates; space.deleted has status "deleted"', () => {
    for (const type of ['space.undeleted', 'space.deleted'] as const) {
      const p = renderDino(at({ type, data: { space: g, actor_id: 1 } }, 7, 0)) as unknown as Record<string, unknown>;
      assert.equal(p.event_type, 'group');
      assert.equal(p.status, type === 'space.deleted' ? 'deleted' : null);
    }
    const p = renderDino(at({ type: 'member.updated', data: { space: g, member: { ...member(user(4321)), role: 'manager' }, actor_id: 1234 } }, 8, 0)) as unknown as Record<string, unknown>;
    assert.equal(p.event_type, 'group');
    assert.deepEqual(p.user_ids, [1234, 4321]);
  });

  test('a space without owner: owner_id null', () => {
    const p = renderDino(at({ type: 'space.created', data: { space: space({ owner_id: null }), actor_id: null } }, 5, 0)) as unknown as Record<string, unknown>;
    assert.equal(p.owner_id, null);
  });
});

describe('Dino: join, leave', () => {
  const after = space({ members: [member(user(1234)), member(user(4321))] });

  test('join: the added user, who added them, event time in ms', () => {
    const ev = at({ type: 'member.added', data: { space: after, member: member(user(4321)), actor_id: 1234 } }, 9, 1597877390000);
    assert.deepEqual(renderDino(ev), { event_type: 'join', created_at: 1597877390000, group_id: '9d78163c-1144-485a-92c6-6015afc6cd40', group_type: 0, user_id: 4321, sender_id: 1234 });
    assert.deepEqual(renderDinoGroupUpdate(ev)?.user_ids, [1234, 4321]);
  });

  test('leave by oneself: sender_id = user_id; by the server API key: sender_id 0', () => {
    const left = space({ kind: 'direct', members: [member(user(1234))] });
    const ev = at({ type: 'member.removed', data: { space: left, member: member(user(4321)), actor_id: 4321 } }, 10, 1597877391000);
    assert.deepEqual(renderDino(ev), { event_type: 'leave', created_at: 1597877391000, group_id: '9d78163c-1144-485a-92c6-6015afc6cd40', group_type: 1, user_id: 4321, sender_id: 4321 });
    const byServer = renderDino(at({ type: 'member.removed', data: { space: left, member: member(user(4321)), actor_id: null } }, 11, 0)) as unknown as Record<string, unknown>;
    assert.equal(byServer.sender_id, 0);
  });

  test('the group update after a leave reaches the remaining members, not the removed user', () => {
    const left = space({ members: [member(user(1234))] });
    const ev = at({ type: 'member.removed', data: { space: left, member: member(user(4321)), actor_id: 1234 } }, 12, 0);
    assert.deepEqual(renderDinoGroupUpdate(ev)?.user_ids, [1234]);
    assert.equal(acceptsDinoGroupUpdate(ev, 1234), true);
    assert.equal(acceptsDinoGroupUpdate(ev, 4321), false);
    assert.equal(renderDinoGroupUpdate(at({ type: 'space.updated', data: { space: left, actor_id: 1 } }, 13, 0)), null);
  });
});

describe('Dino: deletions, attachments', () => {
  const g = summary(space({ uuid: '6cbb3265-2a7f-494d-92ad-f4503d55d49f' }));

  test('delete_attachment: the document example (lists of message and file ids)', () => {
    const files = [file({ uuid: '238fd179-ec79-4eff-bc03-3f491c335838' }), file({ id: 10, uuid: '95b1a97e-dc6f-4f55-96d0-158c55d17b1e' })];
    const data = { space_id: 42, message_ids: [812, 813], message_uuids: ['eeb0b18f-5485-4a24-8bd4-159301e4b554', '44b393c1-8ae2-4832-9770-07a043543423'], files, actor_id: 1234, space: g };
    const ev = { ...at({ type: 'attachment.deleted', data }, 14, 1597877384794), data } as DinoInput;
    assert.deepEqual(renderDino(ev), {
      event_type: 'delete_attachment',
      created_at: 1597877384794,
      group_id: '6cbb3265-2a7f-494d-92ad-f4503d55d49f',
      message_ids: ['eeb0b18f-5485-4a24-8bd4-159301e4b554', '44b393c1-8ae2-4832-9770-07a043543423'],
      // The document shows these in upper case; Herald writes file ids in lower case everywhere.
      file_ids: ['238fd179ec794effbc033f491c335838', '95b1a97edc6f4f5596d0158c55d17b1e'],
    });
  });

  test('delete_message: group, message, author and who deleted it', () => {
    const m = message();
    const ev = { ...at({ type: 'message.deleted', data: { space: summary(space()), message: m, actor_id: 4321 } }, 15, 1597877400000), data: { message: m, actor_id: 4321, space: g } } as DinoInput;
    assert.deepEqual(renderDino(ev), {
      event_type: 'delete_message',
      created_at: 1597877400000,
      group_id: '6cbb3265-2a7f-494d-92ad-f4503d55d49f',
      message_id: 'c87efd18-8879-4c24-8b26-ccb7f40a0fe5',
      sender_id: 1234,
      user_id: 4321,
    });
  });

  test('attachment: a file added to the group', () => {
    const f = file();
    const ev = { ...at({ type: 'file.created', data: { space: summary(space()), file: f, actor_id: 1234 } }, 16, 1597877384794), data: { file: f, actor_id: 1234, space: g } } as DinoInput;
    assert.deepEqual(renderDino(ev), {
      event_type: 'attachment',
      created_at: 1597877384794,
      group_id: '6cbb3265-2a7f-494d-92ad-f4503d55d49f',
      sender_id: 1234,
      file_id: '238fd179ec794effbc033f491c335838',
      file_name: 'photo.jpg',
      file_mimetype: 'image/jpeg',
      file_size: 2048,
    });
  });

});

describe('Dino: events Dino clients never see', () => {
  test('typing, presence, reactions, unread counts, locks, actions, alerts, users, calls, custom events → null', () => {
    const events = [
      ...unrelatedEvents(),
      { type: 'typing.started', data: { space_id: 42, user: user(1) } },
      { type: 'presence.online', data: { space_id: 42, user: user(1) } },
      { type: 'presence.offline', data: { space_id: 42, user: user(1) } },
    ] as const;
    for (const e of events) assert.equal(renderDino({ ...e, id: null, at: 0 } as DinoInput), null, e.type);
  });
});

describe('Dino: recipients', () => {
  test('group events reach members only, even for an open space; a removed user gets their leave', () => {
    const open = space({ access: 'open', members: [member(user(1))] });
    const ev = at({ type: 'space.created', data: { space: open, actor_id: 1 } }, 1, 0);
    assert.equal(acceptsDino(ev, 1), true);
    assert.equal(acceptsDino(ev, 2), false);
    const removed = at({ type: 'member.removed', data: { space: open, member: member(user(2)), actor_id: 1 } }, 2, 0);
    assert.equal(acceptsDino(removed, 2), true);
    assert.equal(acceptsDino(removed, 3), false);
    assert.equal(acceptsDino(created(), 999), true, 'message events follow the core audience');
  });
});
