// The namespace table as destination resolver and ACL: event vs broker vs rejected, group / user /
// public / permissive access, wildcards refused (never narrowed) when they could reach another
// user's or group's topics, and revocation through the broker.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVER, type Actor } from '../../../src/core/actor.js';
import { NamespaceTable, type NamespaceSpec, type Resolution } from '../../../src/broker/index.js';
import { connect, harness, text, user } from './helpers.js';

const TABLE: NamespaceSpec[] = [
  { name: 'dino.user-events', pattern: 'dino/users/{userId}/events', kind: 'event', access: 'user' },
  { name: 'dino.groups', pattern: 'dino/groups/{groupId}/#', kind: 'broker', access: 'group', queues: true },
  { name: 'dino.inbox', pattern: 'dino/inbox/{userId}/#', kind: 'broker', access: 'user' },
  { name: 'talk.country-events', pattern: 'countries/{chatId}/events', kind: 'event', access: 'group' },
  { name: 'public', pattern: 'public/#', kind: 'broker', access: 'public', queues: true },
  { name: 'announce', pattern: 'announce/#', kind: 'broker', access: 'public', publish: 'none' },
  { name: 'interop', pattern: '#', kind: 'broker', access: 'permissive' },
];

// Group 7: users 1 and 2. Group 8: user 3.
const MEMBERS = new Map([['7', new Set([1, 2])], ['8', new Set([3])]]);
const isMember = (userId: number, groupId: string) => MEMBERS.get(groupId)?.has(userId) === true;

const table = (specs: NamespaceSpec[] = TABLE) => new NamespaceTable(specs, isMember);
const ANON: Actor = { userId: null, server: false };

function kind(r: Resolution): string {
  return r.kind === 'rejected' ? `rejected:${r.reason}` : `${r.kind}:${r.namespace}`;
}

describe('destination resolver', () => {
  test('event destinations: exact topic, the named user only, with parsed parameters', async () => {
    const t = table();
    const r = await t.resolve(user(1), 'dino/users/1/events', 'subscribe');
    assert.deepEqual(r, { kind: 'event', namespace: 'dino.user-events', params: { userId: '1' } });
    assert.equal(kind(await t.resolve(user(2), 'dino/users/1/events', 'subscribe')), 'rejected:not_authorized');
    assert.equal(kind(await t.resolve(user(1), 'dino/users/+/events', 'subscribe')), 'rejected:no_namespace', 'a wildcard over the user is refused');
    assert.equal(kind(await t.resolve(user(1), 'dino/users/1/+', 'subscribe')), 'rejected:no_namespace', 'event destinations take an exact topic');
    assert.equal(kind(await t.resolve(user(1), 'dino/users/1/events', 'publish')), 'rejected:not_authorized', 'clients never publish events');
    assert.equal(kind(await t.resolve(user(1), '$share/g/dino/users/1/events', 'subscribe')), 'rejected:invalid');
  });

  test('group event destinations follow membership (Talk-and-Travel country chats)', async () => {
    const t = table();
    assert.deepEqual(await t.resolve(user(2), 'countries/7/events', 'subscribe'), { kind: 'event', namespace: 'talk.country-events', params: { chatId: '7' } });
    assert.equal(kind(await t.resolve(user(3), 'countries/7/events', 'subscribe')), 'rejected:not_authorized');
  });

  test('group broker namespace: members only; the grant names the group', async () => {
    const t = table();
    const r = await t.resolve(user(1), 'dino/groups/7/#', 'subscribe');
    assert.equal(r.kind, 'broker');
    assert.deepEqual(r.kind === 'broker' && r.grants, [{ namespace: 'dino.groups', access: 'group', subject: '7' }]);
    assert.equal(kind(await t.resolve(user(1), 'dino/groups/7', 'subscribe')), 'broker:dino.groups', 'the namespace root itself');
    assert.equal(kind(await t.resolve(user(3), 'dino/groups/7/#', 'subscribe')), 'rejected:not_authorized');
    assert.equal(kind(await t.resolve(user(1), 'dino/groups/7/chat', 'publish')), 'broker:dino.groups');
    assert.equal(kind(await t.resolve(user(3), 'dino/groups/7/chat', 'publish')), 'rejected:not_authorized');
  });

  test('wildcards that could reach another group or user are refused, not narrowed', async () => {
    const t = table();
    for (const f of ['dino/groups/+/chat', 'dino/groups/#', 'dino/#', '#', '+/+/+/chat', 'dino/inbox/+/x', '$share/g/dino/groups/+/jobs']) {
      const r = await t.resolve(user(1), f, 'subscribe');
      assert.equal(kind(r), 'rejected:not_authorized', f);
      assert.match(r.kind === 'rejected' ? r.message : '', /could reach another (group|user)/, f);
    }
    // 'dino/+/1/x' reaches user 1's own inbox but also group 1, of which user 1 is not a member.
    assert.equal(kind(await t.resolve(user(1), 'dino/+/1/x', 'subscribe')), 'rejected:not_authorized');
    assert.equal(kind(await t.resolve(user(3), 'dino/+/8/x', 'subscribe')), 'rejected:not_authorized', 'group 8 is fine, but inbox 8 is not user 3’s');
  });

  test('a wildcard inside one allowed group, or over public namespaces, is fine', async () => {
    const t = table();
    for (const f of ['dino/groups/7/+/typing', 'dino/groups/7/#', '$share/g/dino/groups/7/jobs', 'public/#', 'public/+/x', 'dino/inbox/1/#']) {
      assert.equal((await t.resolve(user(1), f, 'subscribe')).kind, 'broker', f);
    }
    // '+' at the first level reaches public/ and announce/ too, but binds the group: allowed, with every grant.
    const r = await t.resolve(user(1), '+/groups/7/x', 'subscribe');
    assert.equal(r.kind, 'broker');
    assert.deepEqual(r.kind === 'broker' && r.grants.map((g) => g.namespace).sort(), ['announce', 'dino.groups', 'public']);
  });

  test('user broker namespace: only the named user', async () => {
    const t = table();
    assert.equal(kind(await t.resolve(user(1), 'dino/inbox/1/mail', 'subscribe')), 'broker:dino.inbox');
    assert.equal(kind(await t.resolve(user(2), 'dino/inbox/1/mail', 'subscribe')), 'rejected:not_authorized');
    assert.equal(kind(await t.resolve(user(2), 'dino/inbox/1/mail', 'publish')), 'rejected:not_authorized');
  });

  test('public: any authenticated user; anonymous refused; read-only namespaces refuse publishes', async () => {
    const t = table();
    assert.equal(kind(await t.resolve(user(9), 'public/news', 'publish')), 'broker:public');
    assert.equal(kind(await t.resolve(ANON, 'public/news', 'subscribe')), 'rejected:not_authorized');
    assert.equal(kind(await t.resolve(user(9), 'announce/x', 'subscribe')), 'broker:announce');
    assert.equal(kind(await t.resolve(user(9), 'announce/x', 'publish')), 'rejected:not_authorized');
  });

  test('topics outside every namespace are refused; invalid input is refused as invalid', async () => {
    const t = table();
    assert.equal(kind(await t.resolve(user(1), 'random/x', 'publish')), 'rejected:no_namespace');
    assert.equal(kind(await t.resolve(user(1), 'random/+', 'subscribe')), 'rejected:no_namespace');
    assert.equal(kind(await t.resolve(user(1), 'a/#/b', 'subscribe')), 'rejected:invalid');
    assert.equal(kind(await t.resolve(user(1), 'a/+', 'publish')), 'rejected:invalid');
  });

  test('the permissive namespace is off by default; enabled, it serves everything else to anyone', async () => {
    const on = table(TABLE.map((s) => (s.access === 'permissive' ? { ...s, enabled: true } : s)));
    assert.equal(kind(await on.resolve(ANON, 'random/x', 'publish')), 'broker:interop');
    assert.equal(kind(await on.resolve(user(5), 'TopicA/+', 'subscribe')), 'broker:interop');
    // Still no leak: '#' also reaches the group namespaces.
    assert.equal(kind(await on.resolve(user(5), '#', 'subscribe')), 'rejected:not_authorized');
    // Namespace '#' holds no '$' topic (§4.7.2).
    assert.equal(kind(await on.resolve(ANON, '$SYS/x', 'publish')), 'rejected:no_namespace');
    // With only the permissive namespace, an interop suite may subscribe to '#'.
    const only = table([{ name: 'interop', pattern: '#', kind: 'broker', access: 'permissive', enabled: true }]);
    assert.equal(kind(await only.resolve(ANON, '#', 'subscribe')), 'broker:interop');
  });

  test('queues: only in namespaces that allow them, with the same access rule', async () => {
    const t = table();
    assert.equal(kind(await t.resolve(user(1), 'dino/groups/7/work', 'subscribe', 'queue')), 'broker:dino.groups');
    assert.equal(kind(await t.resolve(user(3), 'dino/groups/7/work', 'publish', 'queue')), 'rejected:not_authorized');
    assert.equal(kind(await t.resolve(user(1), 'dino/inbox/1/q', 'subscribe', 'queue')), 'rejected:invalid');
    assert.equal(kind(await t.resolve(user(1), 'public/+', 'subscribe', 'queue')), 'rejected:invalid', 'no wildcard queues');
  });

  test('the server principal may use every broker namespace', async () => {
    assert.equal(kind(await table().resolve(SERVER, 'dino/groups/8/x', 'publish')), 'broker:dino.groups');
  });

  test('an asynchronous membership check works the same', async () => {
    const t = new NamespaceTable(TABLE, async (u, g) => isMember(u, g));
    assert.equal(kind(await t.resolve(user(1), 'dino/groups/7/x', 'subscribe')), 'broker:dino.groups');
    assert.equal(kind(await t.resolve(user(3), 'dino/groups/7/x', 'subscribe')), 'rejected:not_authorized');
  });

  test('an invalid table is refused at construction', () => {
    const bad: unknown[] = [
      [{ name: 'x', pattern: 'a/#/b', kind: 'broker', access: 'public' }],
      [{ name: 'x', pattern: 'a/{g}x', kind: 'broker', access: 'public' }],
      [{ name: 'x', pattern: 'a/{g}/{g}', kind: 'broker', access: 'public' }],
      [{ name: 'x', pattern: 'a/#', kind: 'broker', access: 'group' }],
      [{ name: 'x', pattern: 'a/{g}/{h}', kind: 'broker', access: 'group' }],
      [{ name: 'x', pattern: 'a/{g}', kind: 'broker', access: 'group', subject: 'h' }],
      [{ name: 'x', pattern: 'a', kind: 'broker', access: 'public' }, { name: 'x', pattern: 'b', kind: 'broker', access: 'public' }],
      [{ name: 'x', pattern: 'a', kind: 'event', access: 'public', queues: true }],
      [{ name: 'x', pattern: 'a', kind: 'broker', access: 'everyone' }],
      [{ name: 'x', pattern: 'a', kind: 'broker', access: 'public', extra: 1 }],
      'not a list',
    ];
    for (const specs of bad) assert.throws(() => new NamespaceTable(specs, isMember), /namespace/, JSON.stringify(specs));
    assert.doesNotThrow(() => new NamespaceTable([{ name: 'x', pattern: 'a/{g}/{h}', kind: 'broker', access: 'group', subject: 'g' }], isMember));
  });
});

describe('broker behind the namespace ACL', () => {
  const acl = () => table();

  test('subscribe and publish are refused per filter with the ACL’s reason', async () => {
    const { broker } = harness({ acl: acl() });
    const u3 = await connect(broker, 'u3', { principal: user(3) });
    const { results } = await broker.subscribe(u3.conn, [{ filter: 'dino/groups/7/#', qos: 0 }, { filter: 'dino/groups/+/x', qos: 0 }, { filter: 'dino/groups/8/#', qos: 0 }, { filter: 'dino/users/3/events', qos: 0 }]);
    assert.deepEqual(results.map((r) => (r.ok ? 'ok' : r.reason)), ['not_authorized', 'not_authorized', 'ok', 'topic_filter_invalid']);
    const p = await broker.publish(u3.conn, { topic: 'dino/groups/7/chat', payload: text('x'), qos: 0 });
    assert.equal(!p.ok && p.reason, 'not_authorized');
    const e = await broker.publish(u3.conn, { topic: 'dino/users/1/events', payload: text('x'), qos: 0 });
    assert.equal(!e.ok && e.reason, 'not_authorized', 'no publishing on event topics');
  });

  test('revocation: a user removed from a group loses that group’s subscriptions at once, and is told which', async () => {
    const { broker } = harness({ acl: acl() });
    const u1 = await connect(broker, 'u1', { principal: user(1), overlap: 'each' });
    const u2 = await connect(broker, 'u2', { principal: user(2) });
    await broker.subscribe(u1.conn, [{ filter: 'dino/groups/7/#', qos: 1 }, { filter: 'public/#', qos: 1 }]);
    await broker.subscribeQueue(u1.conn, { queue: 'dino/groups/7/work', key: 'q7', ackMode: 'client-individual' });
    await broker.subscribe(u2.conn, [{ filter: 'dino/groups/7/#', qos: 1 }]);
    MEMBERS.get('7')!.delete(1);
    try {
      const res = broker.revoke({ userId: 1, access: 'group', subject: '7', reason: 'removed from group 7' });
      assert.deepEqual(res, [{ clientId: 'u1', keys: ['dino/groups/7/#', 'q7'] }]);
      assert.deepEqual(u1.sink.revokedKeys, [['dino/groups/7/#', 'q7']]);
      await broker.publish(u2.conn, { topic: 'dino/groups/7/chat', payload: text('secret'), qos: 1 });
      await broker.publish(u2.conn, { topic: 'public/fence', payload: text('fence'), qos: 1 });
      assert.deepEqual(u1.sink.texts(), ['public/fence=fence'], 'the group message never arrived; the later public one did');
      assert.deepEqual(u2.sink.texts(), ['dino/groups/7/chat=secret'], 'the other member is untouched');
      assert.deepEqual(broker.session('u1')?.subscriptions, ['public/#']);
    } finally {
      MEMBERS.get('7')!.add(1);
    }
  });

  test('revocation drops what was queued for the revoked subscriptions of an offline session', async () => {
    const { broker } = harness({ acl: acl() });
    const u1 = await connect(broker, 'u1', { principal: user(1), cleanStart: false, sessionExpiryInterval: 3600 });
    await broker.subscribe(u1.conn, [{ filter: 'dino/groups/7/#', qos: 1 }, { filter: 'public/#', qos: 1 }]);
    await broker.disconnect(u1.conn, { publishWill: false });
    await broker.publish(null, { topic: 'dino/groups/7/a', payload: text('group'), qos: 1 });
    await broker.publish(null, { topic: 'public/a', payload: text('public'), qos: 1 });
    assert.equal(broker.session('u1')?.queued, 2);
    broker.revoke({ userId: 1, access: 'group', subject: '7' });
    const back = await connect(broker, 'u1', { principal: user(1), cleanStart: false, sessionExpiryInterval: 3600 });
    assert.deepEqual(back.sink.texts(), ['public/a=public']);
    assert.equal(broker.stats().dropped.revoked, 1);
  });

  test('revoking another group or another user changes nothing', async () => {
    const { broker } = harness({ acl: acl() });
    const u1 = await connect(broker, 'u1', { principal: user(1) });
    await broker.subscribe(u1.conn, [{ filter: 'dino/groups/7/#', qos: 0 }]);
    assert.deepEqual(broker.revoke({ userId: 1, access: 'group', subject: '8' }), []);
    assert.deepEqual(broker.revoke({ userId: 2, access: 'group', subject: '7' }), []);
    await broker.publish(null, { topic: 'dino/groups/7/x', payload: text('still'), qos: 0 });
    assert.deepEqual(u1.sink.texts(), ['dino/groups/7/x=still']);
  });

  test('revoke with only a user id cuts every subscription of that user', async () => {
    const { broker } = harness({ acl: acl() });
    const u1 = await connect(broker, 'u1', { principal: user(1) });
    await broker.subscribe(u1.conn, [{ filter: 'dino/groups/7/#', qos: 0 }, { filter: 'public/#', qos: 0 }]);
    assert.deepEqual(broker.revoke({ userId: 1 })[0].keys.sort(), ['dino/groups/7/#', 'public/#']);
  });

  test('a will is authorised again when published: no will into a group the user has left', async () => {
    const { broker } = harness({ acl: acl() });
    const w = await connect(broker, 'w', { principal: user(2) });
    await broker.subscribe(w.conn, [{ filter: 'dino/groups/7/#', qos: 0 }]);
    const u1 = await connect(broker, 'u1', { principal: user(1), will: { topic: 'dino/groups/7/status', payload: text('gone'), qos: 0 } });
    MEMBERS.get('7')!.delete(1);
    try {
      await broker.disconnect(u1.conn, { publishWill: true });
      await broker.publish(null, { topic: 'dino/groups/7/fence', payload: text('f'), qos: 0 });
      assert.deepEqual(w.sink.texts(), ['dino/groups/7/fence=f']);
    } finally {
      MEMBERS.get('7')!.add(1);
    }
  });
});
