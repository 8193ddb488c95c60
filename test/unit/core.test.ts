// Unit tests of the pure core: permissions, mention parsing, the typing throttle and audience rules.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { atLeast, can, ensure, mayAssignRole, type SpaceAction } from '../../src/core/permissions.js';
import { parseMentions } from '../../src/core/mentions.js';
import { Throttle } from '../../src/core/throttle.js';
import { audienceOf, excludedFrom, spaceOf, wasMemberAt, type MembershipInterval } from '../../src/core/audience.js';
import { HeraldError } from '../../src/core/errors.js';
import { ROLES, type AccessMode, type ActionView, type AlertView, type FileView, type LockView, type MemberView, type MessageView, type Role, type SpaceKind, type SpaceSummary, type SpaceView, type UnreadView, type UserRef } from '../../src/core/model.js';
import type { CallView, ContentReactionView, ContentView, SpaceRef, SubscriptionView, TagView } from '../../src/core/content-model.js';
import type { Audience, EventOf, EventType, HeraldEvent } from '../../src/events/types.js';

// ---- permissions ------------------------------------------------------------------------------------

describe('permissions', () => {
  const ACTIONS: SpaceAction[] = ['read', 'post', 'manage', 'delete'];
  const MATRIX: Record<Role, SpaceAction[]> = {
    owner: ['read', 'post', 'manage', 'delete'],
    manager: ['read', 'post', 'manage'],
    member: ['read', 'post'],
    reader: ['read'],
  };

  test('can: each role may do exactly its actions', () => {
    for (const role of ROLES) {
      for (const action of ACTIONS) assert.equal(can(role, action), MATRIX[role].includes(action), `${role} ${action}`);
    }
  });

  test('can: a non-member (null role) may do nothing', () => {
    for (const action of ACTIONS) assert.equal(can(null, action), false, action);
  });

  test('atLeast orders owner > manager > member > reader', () => {
    assert.equal(atLeast('owner', 'reader'), true);
    assert.equal(atLeast('manager', 'manager'), true);
    assert.equal(atLeast('member', 'manager'), false);
    assert.equal(atLeast('reader', 'member'), false);
    assert.equal(atLeast(null, 'reader'), false);
  });

  test('ensure: passes when allowed, throws forbidden naming the reason otherwise', () => {
    assert.doesNotThrow(() => ensure('owner', 'delete'));
    assert.doesNotThrow(() => ensure('reader', 'read'));
    assert.throws(
      () => ensure(null, 'read'),
      (e: unknown) => e instanceof HeraldError && e.code === 'forbidden' && e.status === 403 && /not a member/.test(e.message),
    );
    assert.throws(
      () => ensure('reader', 'post'),
      (e: unknown) => e instanceof HeraldError && e.code === 'forbidden' && e.message.includes('reader') && e.message.includes('post'),
    );
    assert.throws(() => ensure('manager', 'delete'), (e: unknown) => e instanceof HeraldError && e.code === 'forbidden');
  });

  test('mayAssignRole: owners assign any role, managers up to manager, others none', () => {
    const expected: Record<Role, Role[]> = { owner: [...ROLES], manager: ['manager', 'member', 'reader'], member: [], reader: [] };
    for (const actor of ROLES) {
      for (const target of ROLES) assert.equal(mayAssignRole(actor, target), expected[actor].includes(target), `${actor} -> ${target}`);
    }
    for (const target of ROLES) assert.equal(mayAssignRole(null, target), false);
  });
});

// ---- mentions ---------------------------------------------------------------------------------------

describe('parseMentions', () => {
  test('@123 is a user id, @name a lower-cased username, @all everyone', () => {
    assert.deepEqual(parseMentions('ping @123 and @Alice, cc @all'), { ids: [123], usernames: ['alice'], all: true });
  });

  test('email addresses are not mentions', () => {
    assert.deepEqual(parseMentions('write to a@b.com or first.last@example.org, also x@123'), { ids: [], usernames: [], all: false });
    assert.deepEqual(parseMentions('bob@all.example is an address'), { ids: [], usernames: [], all: false });
  });

  test('mentions at the start, after punctuation or newline; trailing dots and dashes are not part of the name', () => {
    assert.deepEqual(parseMentions('@dave: see (@erin) and\n@frank. Thanks @gina-').usernames, ['dave', 'erin', 'frank', 'gina']);
    assert.deepEqual(parseMentions('@jo.smith_2 wrote').usernames, ['jo.smith_2']);
  });

  test('duplicates collapse; a token with letters after digits is a username', () => {
    assert.deepEqual(parseMentions('@7 @7 @Kim @kim @7up'), { ids: [7], usernames: ['kim', '7up'], all: false });
  });

  test('text without mentions', () => {
    assert.deepEqual(parseMentions(''), { ids: [], usernames: [], all: false });
    assert.deepEqual(parseMentions('no at signs; a lone @ and @@ only'), { ids: [], usernames: [], all: false });
  });
});

// ---- throttle ---------------------------------------------------------------------------------------

describe('Throttle', () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  test('allows a burst, then drops until a token refills', () => {
    const c = clock();
    const th = new Throttle(3, 1000, c.now);
    assert.deepEqual([th.take('k'), th.take('k'), th.take('k'), th.take('k')], [true, true, true, false]);
    c.advance(999);
    assert.equal(th.take('k'), false, 'no token before a full interval');
    c.advance(1);
    assert.equal(th.take('k'), true, 'one token after one interval');
    assert.equal(th.take('k'), false);
  });

  test('refills one token per interval, capped at the burst', () => {
    const c = clock();
    const th = new Throttle(3, 1000, c.now);
    for (let i = 0; i < 3; i++) th.take('k');
    c.advance(2500);
    assert.deepEqual([th.take('k'), th.take('k'), th.take('k')], [true, true, false], 'two intervals, two tokens');
    c.advance(500);
    assert.equal(th.take('k'), true, 'the partial interval carried over');
    c.advance(60_000);
    assert.deepEqual([th.take('k'), th.take('k'), th.take('k'), th.take('k')], [true, true, true, false], 'a long pause refills only up to the burst');
  });

  test('keys are independent', () => {
    const c = clock();
    const th = new Throttle(1, 1000, c.now);
    assert.equal(th.take('u1:s1'), true);
    assert.equal(th.take('u1:s1'), false);
    assert.equal(th.take('u1:s2'), true);
    assert.equal(th.take('u2:s1'), true);
  });
});

// ---- audience ---------------------------------------------------------------------------------------

const user = (id: number): UserRef => ({ id, uuid: `u-${id}`, username: `user${id}`, email: `user${id}@example.test`, display_name: `User ${id}`, has_avatar: false, is_admin: false, last_active_at: 0 });

const space = (id: number, access: AccessMode = 'confidential', kind: SpaceKind = 'multi'): SpaceView => ({
  id,
  uuid: `s-${id}`,
  name: `space ${id}`,
  description: '',
  kind,
  access,
  owner_id: 1,
  created_by: 1,
  created_at: 0,
  updated_at: 0,
  last_active_at: 0,
  deleted: false,
  members: [],
});

const spaceRef = (id: number, access = 'confidential'): SpaceRef => ({ id, name: `space ${id}`, description: '', access, deleted: false });
const member = (userId: number, role: Role = 'member'): MemberView => ({ user: user(userId), role, joined_at: 0 });

const message = (id: number, spaceId: number): MessageView => ({
  id,
  uuid: `m-${id}`,
  space_id: spaceId,
  space_kind: 'multi',
  author: user(1),
  kind: 'message',
  content: 'hi',
  meta: null,
  parent_id: null,
  attachments: [],
  reactions: [],
  read_by: [],
  mentions: [],
  mentions_all: false,
  is_edited: false,
  created_at: 0,
  updated_at: 0,
});

const file = (id: number, spaceId: number): FileView => ({ id, uuid: `f-${id}`, space_id: spaceId, name: 'a.txt', mimetype: 'text/plain', size: 1, path: `/spaces/${spaceId}/files/${id}/a.txt`, uploaded_by: 1, created_at: 0 });
const lock = (spaceId: number): LockView => ({ id: 1, file_id: 2, space_id: spaceId, user_id: 3, path: '/x', acquired_at: 0 });
const action = (spaceId: number): ActionView => ({ id: 1, uuid: 'a-1', space_id: spaceId, name: 'n', description: '', type: 1, status: 0, due_at: null, assignee_id: null, created_by: 1, created_at: 0, updated_by: null, updated_at: null });
const alert = (userId: number): AlertView => ({ id: 1, user_id: userId, kind: 'mention', from: user(1), space_id: 5, message_id: 6, text: 't', is_read: false, created_at: 0 });
const unread = (userId: number): UnreadView => ({ user_id: userId, space_id: 5, space_unread: 1, total_unread: 1, oldest_unread_id: 6 });

const content = (id: number, spaceId: number): ContentView => ({
  id,
  uuid: `c-${id}`,
  space_id: spaceId,
  parent_id: null,
  parent_label: null,
  type: 'thread',
  label: 'l',
  raw_content: '',
  status: 'open',
  is_archived: false,
  is_deleted: false,
  file_extension: '.thread.html',
  filename: 'l.thread.html',
  slug: 'l',
  mimetype: null,
  size: null,
  assignee_id: null,
  author: user(1),
  current_revision_id: 1,
  current_revision_type: 'creation',
  created_at: 0,
  updated_at: 0,
});
const reaction = (): ContentReactionView => ({ id: 1, content_id: 2, emoji: '👍', user: user(3), created_at: 0 });
const tag = (spaceId: number): TagView => ({ id: 1, space_id: spaceId, name: 't', created_at: 0 });
const subscription = (authorId: number, spaceId: number): SubscriptionView => ({ id: 1, space: spaceRef(spaceId, 'on_request'), author: user(authorId), state: 'pending', created_at: 0, evaluator: null, evaluated_at: null });
const call = (caller: number, callee: number): CallView => ({ id: 1, caller: user(caller), callee: user(callee), state: 'in_progress', url: 'https://call', created_at: 0, updated_at: 0 });

type FixedType = Exclude<EventType, `custom.${string}`>;
interface AudienceCase<K extends FixedType> {
  event: EventOf<K>;
  audience: Audience;
}

// One case per event type: the record type makes the file fail to type-check when an event type is added
// without an audience expectation here.
const S = 10;
const spaceSummary = (id: number): SpaceSummary => ({ id, uuid: `s-${id}`, name: `space ${id}`, description: '', kind: 'multi', access: 'confidential', owner_id: 1, created_by: 1, created_at: 0, updated_at: 0, last_active_at: 0, deleted: false });
const CASES: { [K in FixedType]: AudienceCase<K> } = {
  'user.created': { event: { type: 'user.created', data: { user: user(7) } }, audience: { users: [7], admins: true } },
  'user.updated': { event: { type: 'user.updated', data: { user: user(7), actor_id: 7, author: user(7) } }, audience: { users: [7], peers_of: 7, admins: true } },
  'user.deleted': { event: { type: 'user.deleted', data: { user: user(7), actor_id: 1, author: user(1) } }, audience: { users: [7], peers_of: 7, admins: true } },
  'user.undeleted': { event: { type: 'user.undeleted', data: { user: user(7), actor_id: 1, author: null } }, audience: { users: [7], peers_of: 7, admins: true } },
  'space.created': { event: { type: 'space.created', data: { space: space(S), actor_id: 1 } }, audience: { space: S, admins: true } },
  'space.updated': { event: { type: 'space.updated', data: { space: space(S, 'open'), actor_id: 1 } }, audience: { space: S, all: true } },
  'space.deleted': { event: { type: 'space.deleted', data: { space: space(S, 'on_request'), actor_id: 1 } }, audience: { space: S, all: true } },
  'space.undeleted': { event: { type: 'space.undeleted', data: { space: space(S), actor_id: 1 } }, audience: { space: S, admins: true } },
  'member.added': { event: { type: 'member.added', data: { space: space(S), member: member(8), actor_id: 1 } }, audience: { space: S, admins: true } },
  'member.updated': { event: { type: 'member.updated', data: { space: space(S), member: member(8, 'manager'), actor_id: 1 } }, audience: { space: S, admins: true } },
  'member.removed': { event: { type: 'member.removed', data: { space: space(S), member: member(8), actor_id: 1 } }, audience: { space: S, users: [8], admins: true } },
  'content.created': { event: { type: 'content.created', data: { content: content(1, S), space: spaceRef(S), author: user(1) } }, audience: { space: S } },
  'content.updated': { event: { type: 'content.updated', data: { content: content(1, S), space: spaceRef(S), author: null } }, audience: { space: S } },
  'content.deleted': { event: { type: 'content.deleted', data: { content: content(1, S), space: spaceRef(S), author: null } }, audience: { space: S } },
  'content.undeleted': { event: { type: 'content.undeleted', data: { content: content(1, S), space: spaceRef(S), author: null } }, audience: { space: S } },
  'content.moved': { event: { type: 'content.moved', data: { content: content(1, S), space: spaceRef(S), author: null, from_space_id: 11, from_parent_id: null } }, audience: { space: S } },
  'content.copied': { event: { type: 'content.copied', data: { content: content(1, S), space: spaceRef(S), author: null, source_id: 2 } }, audience: { space: S } },
  'mention.created': { event: { type: 'mention.created', data: { content: content(1, S), space: spaceRef(S), author: user(1), recipient: 'all', user_ids: [2, 3] } }, audience: { users: [2, 3] } },
  'content_reaction.added': { event: { type: 'content_reaction.added', data: { content: content(1, S), space: spaceRef(S), author: null, reaction: reaction() } }, audience: { space: S } },
  'content_reaction.removed': { event: { type: 'content_reaction.removed', data: { content: content(1, S), space: spaceRef(S), author: null, reaction: reaction() } }, audience: { space: S } },
  'tag.created': { event: { type: 'tag.created', data: { tag: tag(S), space: spaceRef(S), author: null } }, audience: { space: S, admins: true } },
  'tag.updated': { event: { type: 'tag.updated', data: { tag: tag(S), space: spaceRef(S, 'open'), author: null } }, audience: { space: S, all: true } },
  'tag.deleted': { event: { type: 'tag.deleted', data: { tag: tag(S), space: spaceRef(S), author: null } }, audience: { space: S, admins: true } },
  'content_tag.added': { event: { type: 'content_tag.added', data: { tag: tag(S), content: content(1, S), space: spaceRef(S), author: null } }, audience: { space: S } },
  'content_tag.removed': { event: { type: 'content_tag.removed', data: { tag: tag(S), content: content(1, S), space: spaceRef(S), author: null } }, audience: { space: S } },
  'subscription.created': { event: { type: 'subscription.created', data: { subscription: subscription(4, S), author: user(4), manager_ids: [1, 2] } }, audience: { users: [4, 1, 2], admins: true } },
  'subscription.updated': { event: { type: 'subscription.updated', data: { subscription: subscription(4, S), author: user(1), manager_ids: [1] } }, audience: { users: [4, 1], admins: true } },
  'subscription.deleted': { event: { type: 'subscription.deleted', data: { subscription: subscription(4, S), author: user(4), manager_ids: [] } }, audience: { users: [4], admins: true } },
  'call.created': { event: { type: 'call.created', data: { call: call(2, 3), author: user(2) } }, audience: { users: [2, 3] } },
  'call.updated': { event: { type: 'call.updated', data: { call: call(2, 3), author: user(3) } }, audience: { users: [2, 3] } },
  'call.deleted': { event: { type: 'call.deleted', data: { call: call(2, 3), author: null } }, audience: { users: [2, 3] } },
  'message.created': { event: { type: 'message.created', data: { space: spaceSummary(S), message: message(1, S) } }, audience: { space: S } },
  'message.updated': { event: { type: 'message.updated', data: { space: spaceSummary(S), message: message(1, S), actor_id: 1 } }, audience: { space: S } },
  'message.deleted': { event: { type: 'message.deleted', data: { space: spaceSummary(S), message: message(1, S), actor_id: 1 } }, audience: { space: S } },
  'message.read': { event: { type: 'message.read', data: { space: spaceSummary(S), message: message(1, S), user: user(2), at: 0 } }, audience: { space: S } },
  'reaction.added': { event: { type: 'reaction.added', data: { message: message(1, S), user: user(2), emoji: '🎉' } }, audience: { space: S } },
  'reaction.removed': { event: { type: 'reaction.removed', data: { message: message(1, S), user: user(2), emoji: '🎉' } }, audience: { space: S } },
  'attachment.deleted': { event: { type: 'attachment.deleted', data: { space: spaceSummary(S), space_id: S, message_ids: [1], message_uuids: ['m-1'], files: [file(2, S)], actor_id: 1 } }, audience: { space: S } },
  'file.created': { event: { type: 'file.created', data: { space: spaceSummary(S), file: file(2, S), actor_id: 1 } }, audience: { space: S } },
  'unread.updated': { event: { type: 'unread.updated', data: { unread: unread(9), all_read: false } }, audience: { users: [9] } },
  'lock.acquired': { event: { type: 'lock.acquired', data: { lock: lock(S) } }, audience: { space: S } },
  'lock.released': { event: { type: 'lock.released', data: { lock: lock(S), actor_id: 3 } }, audience: { space: S } },
  'action.created': { event: { type: 'action.created', data: { action: action(S) } }, audience: { space: S } },
  'action.updated': { event: { type: 'action.updated', data: { action: action(S) } }, audience: { space: S } },
  'action.deleted': { event: { type: 'action.deleted', data: { action: action(S), actor_id: 1 } }, audience: { space: S } },
  'alert.created': { event: { type: 'alert.created', data: { alert: alert(9) } }, audience: { users: [9] } },
  'typing.started': { event: { type: 'typing.started', data: { space_id: S, user: user(2) } }, audience: { space: S } },
  'typing.stopped': { event: { type: 'typing.stopped', data: { space_id: S, user: user(2) } }, audience: { space: S } },
  'presence.online': { event: { type: 'presence.online', data: { space_id: S, user: user(2) } }, audience: { space: S } },
  'presence.offline': { event: { type: 'presence.offline', data: { space_id: S, user: user(2) } }, audience: { space: S } },
};

describe('audienceOf', () => {
  for (const [type, c] of Object.entries(CASES) as [FixedType, AudienceCase<FixedType>][]) {
    test(`${type} reaches ${JSON.stringify(c.audience)}`, () => {
      assert.deepEqual(audienceOf(c.event), c.audience);
      assert.equal(spaceOf(c.event), c.audience.space ?? null, 'spaceOf is the audience space');
    });
  }

  test('space events: confidential → members and admins; open and on-request → everyone; 1-to-1 spaces always confidential', () => {
    const ev = (s: SpaceView): HeraldEvent => ({ type: 'space.updated', data: { space: s, actor_id: null } });
    assert.deepEqual(audienceOf(ev(space(3, 'confidential'))), { space: 3, admins: true });
    assert.deepEqual(audienceOf(ev(space(3, 'open'))), { space: 3, all: true });
    assert.deepEqual(audienceOf(ev(space(3, 'on_request'))), { space: 3, all: true });
    assert.deepEqual(audienceOf(ev(space(3, 'open', 'direct'))), { space: 3, admins: true }, 'a direct space never goes to everyone');
  });

  test('a restricted message: its events go to its audience only, and keep the message\'s space', () => {
    const m: MessageView = { ...message(1, S), audience: [1, 2] };
    const events: HeraldEvent[] = [
      { type: 'message.created', data: { space: spaceSummary(S), message: m } },
      { type: 'message.updated', data: { space: spaceSummary(S), message: m, actor_id: 1 } },
      { type: 'message.deleted', data: { space: spaceSummary(S), message: m, actor_id: 1 } },
      { type: 'message.read', data: { space: spaceSummary(S), message: m, user: user(2), at: 0 } },
      { type: 'reaction.added', data: { message: m, user: user(2), emoji: '🎉' } },
      { type: 'reaction.removed', data: { message: m, user: user(2), emoji: '🎉' } },
      { type: 'attachment.deleted', data: { space: spaceSummary(S), space_id: S, message_ids: [1], message_uuids: ['m-1'], files: [file(2, S)], actor_id: 1, audience: [1, 2] } },
    ];
    for (const ev of events) {
      assert.deepEqual(audienceOf(ev), { users: [1, 2], within: S }, ev.type);
      assert.equal(spaceOf(ev), S, `${ev.type}: the log's space_id and space filters still see the space`);
    }
  });

  test('custom events: the given space, or everyone for a broadcast', () => {
    const inSpace: HeraldEvent = { type: 'custom.app.ping', data: { space_id: 4, payload: { a: 1 }, actor_id: null } };
    const broadcast: HeraldEvent = { type: 'custom.app.ping', data: { space_id: null, payload: {}, actor_id: null } };
    assert.deepEqual(audienceOf(inSpace), { space: 4 });
    assert.equal(spaceOf(inSpace), 4);
    assert.deepEqual(audienceOf(broadcast), { all: true });
    assert.equal(spaceOf(broadcast), null);
  });

  test('excludedFrom: the typist and the user whose presence changed, nobody otherwise', () => {
    assert.equal(excludedFrom(CASES['typing.started'].event), 2);
    assert.equal(excludedFrom(CASES['presence.online'].event), 2);
    assert.equal(excludedFrom(CASES['presence.offline'].event), 2);
    for (const type of ['message.created', 'member.removed', 'alert.created', 'user.updated'] as const) assert.equal(excludedFrom(CASES[type].event), undefined, type);
  });
});

describe('wasMemberAt', () => {
  const intervals: MembershipInterval[] = [
    { space_id: 1, user_id: 5, from: 10, to: 20 },
    { space_id: 1, user_id: 5, from: 30, to: null },
    { space_id: 2, user_id: 6, from: 0, to: 3 },
  ];

  test('member for positions from < id <= to, open-ended while still a member', () => {
    const at = (id: number) => wasMemberAt(intervals, 1, 5, id);
    assert.deepEqual([10, 11, 20, 21, 30, 31, 1_000_000].map(at), [false, true, true, false, false, true, true]);
  });

  test('other spaces and users do not count', () => {
    assert.equal(wasMemberAt(intervals, 2, 5, 15), false);
    assert.equal(wasMemberAt(intervals, 1, 6, 2), false);
    assert.equal(wasMemberAt(intervals, 2, 6, 3), true);
    assert.equal(wasMemberAt([], 1, 5, 15), false);
  });
});
