// The node's side of delivery: the membership index kept by the event stream, per-audience views of user
// objects, and the dispatch over local cursors (render once per dialect and view, isolation of failures).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { MembershipIndex } from '../../src/gateway/membership.js';
import { EventViews } from '../../src/gateway/views.js';
import { Delivery } from '../../src/gateway/delivery.js';
import { FeedCursor, type CursorHub } from '../../src/gateway/cursor.js';
import { privateSubjects, publicView } from '../../src/events/privacy.js';
import type { Renderer, View } from '../../src/dialects/render.js';
import type { Delivered } from '../../src/events/types.js';
import type { MemberView, SpaceView, UserRef } from '../../src/core/model.js';

const user = (id: number, admin = false): UserRef => ({ id, uuid: `u${id}`, username: `u${id}`, email: `u${id}@example.test`, display_name: `U${id}`, has_avatar: false, is_admin: admin, last_active_at: 0 });
const member = (id: number): MemberView => ({ user: user(id), role: 'member', joined_at: 0 });
const space = (id: number, members: number[], access: 'open' | 'confidential' = 'confidential'): SpaceView => ({
  id, uuid: `s${id}`, name: `s${id}`, description: '', kind: 'multi', access, owner_id: members[0] ?? null, created_by: members[0] ?? null, created_at: 0, updated_at: 0, last_active_at: 0, deleted: false, members: members.map(member),
});

let pos = 0;
const at = <T extends Omit<Delivered, 'id' | 'at' | 'space_id' | 'explicit'>>(ev: T, spaceId: number | null, explicit: number[] = []): Delivered =>
  ({ ...ev, id: ++pos, at: Date.now(), space_id: spaceId, explicit }) as unknown as Delivered;
const created = (s: SpaceView) => at({ type: 'space.created', data: { space: s, actor_id: s.owner_id }, audience: s.access === 'open' ? { space: s.id, all: true } : { space: s.id, admins: true } } as never, s.id);
const added = (s: SpaceView, uid: number) => at({ type: 'member.added', data: { space: s, member: member(uid), actor_id: s.owner_id }, audience: { space: s.id } } as never, s.id);
const removed = (s: SpaceView, uid: number) => at({ type: 'member.removed', data: { space: s, member: member(uid), actor_id: uid }, audience: { space: s.id, users: [uid] } } as never, s.id, [uid]);
const message = (spaceId: number, author: number) =>
  at({ type: 'message.created', data: { message: { id: 1, uuid: 'm', space_id: spaceId, space_kind: 'multi', author: user(author), kind: 'message', content: 'hi', meta: null, parent_id: null, attachments: [], reactions: [], read_by: [], mentions: [], mentions_all: false, is_edited: false, created_at: 0, updated_at: 0 } }, audience: { space: spaceId } } as never, spaceId);

function seeded(): MembershipIndex {
  const m = new MembershipIndex();
  pos = 100;
  m.seed({ head: 100, members: [{ space_id: 1, user_id: 1 }, { space_id: 1, user_id: 2 }, { space_id: 2, user_id: 3 }], deletedSpaces: [], admins: [9], users: 5 });
  return m;
}

describe('membership index', () => {
  test('is seeded, then follows space.created, member.added/removed and deletes in position order; old positions are ignored', () => {
    const m = seeded();
    assert.deepEqual([...m.membersOf(1)].sort(), [1, 2]);
    m.apply(created(space(5, [3, 4])));
    m.apply(added(space(5, [3, 4, 1]), 1));
    m.apply(removed(space(5, [3, 1]), 4));
    assert.deepEqual([...m.membersOf(5)].sort(), [1, 3]);
    assert.deepEqual([...m.spacesOf(1)].sort(), [1, 5]);
    assert.ok(m.shares(1, 3) && !m.shares(2, 3) && !m.shares(4, 3));
    m.apply(at({ type: 'space.deleted', data: { space: space(5, [3, 1]), actor_id: 3 }, audience: { space: 5 } } as never, 5));
    assert.deepEqual(m.liveSpacesOf(1), [1], 'deleted spaces are not live');
    assert.ok(m.isMember(5, 1), 'but their members are kept (as the store keeps them)');
    const stale = { ...added(space(1, [1, 2, 7]), 7), id: 50 } as Delivered;
    m.apply(stale);
    assert.ok(!m.isMember(1, 7), 'an event at or below the applied position changes nothing');
    assert.equal(m.audienceSize(removed(space(1, [1]), 2)), 2, 'the remaining member plus the removed user');
  });
});

describe('views of user objects', () => {
  test('an open space created: full to its members and administrators, public to a stranger', () => {
    const m = seeded();
    const ev = created(space(6, [1, 2], 'open'));
    m.apply(ev);
    const v = new EventViews(ev, m);
    assert.deepEqual([v.viewFor(1), v.viewFor(2), v.viewFor(9), v.viewFor(3)], ['full', 'full', 'full', 'public']);
    const pub = v.eventFor('public') as Delivered & { data: { space: SpaceView } };
    assert.ok(pub.data.space.members.every((x) => !('email' in x.user) && !('is_admin' in x.user)), 'no email or admin flag in the public view');
    assert.equal((ev as Delivered & { data: { space: SpaceView } }).data.space.members[0].user.email, 'u1@example.test', 'the full event is untouched');
    assert.equal(v.eventFor('public'), pub, 'the public view is built once');
  });

  test('a member sees a user who left the space only if they still share another', () => {
    const m = seeded();
    const ev = message(1, 3); // author 3 is not a member of space 1 (an old message of someone who left)
    assert.equal(new EventViews(ev, m).viewFor(1), 'public');
    m.apply(added(space(2, [3, 1]), 1));
    assert.equal(new EventViews({ ...ev } as Delivered, m).viewFor(1), 'full');
  });

  test('privateSubjects finds every named user; custom payloads are the app\'s and are left alone', () => {
    assert.deepEqual(privateSubjects(created(space(7, [1, 2]))).sort(), [1, 2]);
    const custom = at({ type: 'custom.x', data: { space_id: 1, payload: { who: user(4) }, actor_id: null }, audience: { space: 1 } } as never, 1);
    assert.deepEqual(privateSubjects(custom), []);
    assert.equal(publicView(custom), custom);
  });
});

// ---- dispatch ---------------------------------------------------------------------------------------------

function node() {
  const m = seeded();
  const failures: string[] = [];
  const delivered: Record<string, number> = {};
  const d = new Delivery(m, { delivered: (dialect, n) => (delivered[dialect] = (delivered[dialect] ?? 0) + n), lag: () => undefined, failed: (stage, dialect) => failures.push(`${stage}:${dialect}`) }, pino({ level: 'silent' }));
  const hub: CursorHub = { track: (c) => d.add(c), untrack: (c) => d.remove(c), read: async () => [], render: () => ({ payload: null, view: 'full' }), maxHeld: 100, heldOverflow: () => undefined };
  const got: [string, number, number, View][] = [];
  const open = async (userId: number, r: Renderer, filter: { space: number } | null = null) => {
    const c = new FeedCursor(hub, userId, r, filter, 0);
    c.hold();
    c.attach({ deliver: (e, p, v) => (p !== null && got.push([r.name, userId, e.id!, v]), true), backlogged: () => false, drained: async () => undefined });
    await c.replay();
    return c;
  };
  const deliver = (ev: Delivered) => {
    m.apply(ev);
    d.dispatch(ev);
  };
  return { m, d, got, open, deliver, failures, delivered };
}

function counting(name: string, privateFields = true): Renderer & { calls: string[] } {
  const calls: string[] = [];
  return { name, privateFields, calls, render: (e, v) => (calls.push(`${e.id}:${v}`), `${name}:${e.id}:${v}`) };
}

describe('dispatch', () => {
  test('members of the space, explicit users and nobody else; each user once; the excluded user never', async () => {
    const n = node();
    const r = counting('a');
    for (const uid of [1, 2, 3, 9]) await n.open(uid, r);
    n.deliver(message(1, 1));
    n.deliver({ ...at({ type: 'typing.started', data: { space_id: 1, user: user(1) }, audience: { space: 1 } } as never, 1), id: null, exclude: 1 } as Delivered);
    n.deliver(removed(space(1, [1]), 2));
    n.deliver(message(1, 1));
    const got = n.got.map(([, u, id]) => `${u}@${id}`);
    assert.deepEqual(got.slice(0, 3), ['1@101', '2@101', '2@null'], 'members get the message; typing reaches everyone but the typist');
    assert.deepEqual(got.slice(3, 5).sort(), ['1@103', '2@103'], 'the removal reaches the members left and the removed user');
    assert.deepEqual(got.slice(5), ['1@104'], 'after it, only the members left');
    // Once removed, user 2 shares no space with user 1 any more: both see each other's public profile in the removal.
    assert.deepEqual(r.calls, ['101:full', 'null:full', '103:public', '104:full'], 'rendered once per event');
  });

  test('rendered once per dialect and view: a stranger gets the public render of an open space, members the full one', async () => {
    const n = node();
    const a = counting('a');
    const b = counting('b', false);
    for (const uid of [1, 2, 3, 9]) await n.open(uid, a);
    await n.open(3, b);
    n.deliver(created(space(8, [1, 2], 'open')));
    const views = n.got.map(([name, u, , v]) => `${name}/${u}/${v}`).sort();
    assert.deepEqual(views, ['a/1/full', 'a/2/full', 'a/3/public', 'a/9/full', 'b/3/full']);
    assert.deepEqual(a.calls.sort(), ['101:full', '101:public']);
    assert.deepEqual(b.calls, ['101:full'], 'a dialect without private fields renders one view');
    assert.deepEqual(n.delivered, { a: 4, b: 1 });
  });

  test('a throwing renderer costs that dialect the event (counted); the other dialects and recipients still get it', async () => {
    const n = node();
    const bad: Renderer = { name: 'bad', privateFields: false, render: () => { throw new Error('boom'); } };
    const good = counting('good');
    await n.open(1, bad);
    await n.open(1, good);
    await n.open(2, good);
    n.deliver(message(1, 1));
    assert.deepEqual(n.got.map(([name, u]) => `${name}/${u}`), ['good/1', 'good/2']);
    assert.deepEqual(n.failures, ['render:bad']);
  });

  test('a connection whose write throws is counted; later recipients still get the event', async () => {
    const n = node();
    const r = counting('a');
    const broken = await n.open(1, r);
    broken.attach({ deliver: () => { throw new Error('socket exploded'); }, backlogged: () => false, drained: async () => undefined });
    await n.open(2, r);
    n.deliver(message(1, 2));
    assert.deepEqual(n.got.map(([, u]) => u), [2]);
    assert.deepEqual(n.failures, ['write:a']);
  });

  test('the local member index follows joins and leaves; space-filtered cursors get only their space', async () => {
    const n = node();
    const r = counting('a');
    await n.open(3, r);
    await n.open(3, counting('f'), { space: 1 });
    n.deliver(message(1, 1));
    assert.equal(n.got.length, 0, 'not a member yet');
    n.deliver(added(space(1, [1, 2, 3]), 3));
    n.deliver(message(1, 1));
    n.deliver(message(2, 3));
    n.deliver(removed(space(1, [1, 2]), 3));
    n.deliver(message(1, 1));
    assert.deepEqual(n.got.map(([name, , id]) => `${name}@${id}`), ['a@102', 'f@102', 'a@103', 'f@103', 'a@104', 'a@105', 'f@105']);
  });
});
