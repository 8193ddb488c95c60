// Protocol sessions driven with a fake connection and a fake host: each state, each refusal in the
// dialect's own form, commands in order, the native read rate limit.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { NativeSession, NATIVE_CLOSE } from '../../src/dialects/native/protocol.js';
import { AirSendSession } from '../../src/dialects/airsend/protocol.js';
import { AirSendExtras } from '../../src/dialects/airsend/extras.js';
import { airsendRenderer } from '../../src/dialects/airsend/render.js';
import { AIRSEND_CLOSE } from '../../src/dialects/airsend/commands.js';
import { TracimStreamSession } from '../../src/dialects/tracim/protocol.js';
import type { Delivered } from '../../src/events/types.js';
import type { MemberView, SpaceView, UserRef } from '../../src/core/model.js';
import { FakeConnection, customEvent, fakeWorld, until } from '../helpers/fakes.js';

const limits = { readBurst: 2, readIntervalMs: 60_000 };
type Env = { id: number | null; type: string; data: Record<string, unknown> };

describe('native session', () => {
  test('opening: welcome first, then the missed events after the resume position, then live events; closed on the peer leaving', async () => {
    const w = fakeWorld({ head: 3 });
    w.log.push(customEvent(1, 5, 'old'), customEvent(2, 5, 'missed'), customEvent(3, 5, 'missed too'));
    const conn = new FakeConnection();
    const s = new NativeSession(w.host, conn, 7, limits);
    assert.equal(s.state, 'opening');
    await s.start(1, null);
    assert.equal(s.state, 'live');
    const frames = conn.json<Env>();
    assert.deepEqual(frames[0], { ...frames[0], id: null, type: 'session.welcome', data: { user_id: 7, epoch: 'e1', position: 1, heartbeat_seconds: 25 } });
    assert.deepEqual(frames.slice(1).map((f) => [f.id, (f.data.payload as { tag: string }).tag]), [[2, 'missed'], [3, 'missed too']]);
    w.log.push(customEvent(4, 5, 'live'));
    w.publish(w.log[3], [7]);
    w.publish(w.log[2], [7]); // a repeat is dropped by the position
    assert.deepEqual(conn.json<Env>().slice(3).map((f) => f.id), [4]);
    assert.equal(w.registered.length, 1, 'registered for presence and control');
    conn.end();
    assert.equal(s.state, 'closed');
    assert.equal(w.registered.length, 0);
    assert.equal(w.cursors[0].state, 'closed');
  });

  test('commands run one at a time, in arrival order, each answered with its request id', async () => {
    const order: string[] = [];
    const w = fakeWorld({
      commands: async (name) => {
        order.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, name === 'typing.start' ? 30 : 1));
        order.push(`end ${name}`);
        return { name };
      },
    });
    const conn = new FakeConnection();
    await new NativeSession(w.host, conn, 7, limits).start(null, null);
    conn.receive(JSON.stringify({ type: 'typing', request_id: 'a', data: { space_id: 1 } }));
    conn.receive(JSON.stringify({ type: 'react', request_id: 'b', data: { message_id: 2, emoji: 'x' } }));
    conn.receive('{broken');
    await until(() => conn.json<Env>().filter((f) => f.type.startsWith('command.')).length === 3);
    assert.deepEqual(order, ['start typing.start', 'end typing.start', 'start reactions.add', 'end reactions.add']);
    const answers = conn.json<Env>().filter((f) => f.type.startsWith('command.'));
    assert.deepEqual(answers.map((f) => [f.type, f.data.request_id]), [['command.ack', 'a'], ['command.ack', 'b'], ['command.error', null]]);
  });

  test('read and read_all are rate-limited per connection: command.error rate_limited, other commands unaffected', async () => {
    const w = fakeWorld();
    const conn = new FakeConnection();
    await new NativeSession(w.host, conn, 7, limits).start(null, null);
    for (const [i, type] of ['read', 'read_all', 'read', 'ping'].entries()) conn.receive(JSON.stringify({ type, request_id: i, data: type === 'read' ? { message_id: 1 } : type === 'read_all' ? { space_id: 1 } : {} }));
    await until(() => conn.json<Env>().filter((f) => f.type.startsWith('command.')).length === 4);
    const answers = conn.json<Env>().filter((f) => f.type.startsWith('command.'));
    assert.deepEqual(answers.map((f) => [f.data.request_id, f.type, f.data.code ?? null]), [
      [0, 'command.ack', null],
      [1, 'command.ack', null],
      [2, 'command.error', 'rate_limited'],
      [3, 'command.ack', null],
    ]);
    assert.deepEqual(w.ran.map((r) => r.name), ['reads.mark', 'reads.mark_all'], 'the limited command never reached the command table');
  });

  test('a full outgoing buffer closes the connection as a slow consumer; a control order closes it as revoked', async () => {
    const w = fakeWorld();
    const slow = new FakeConnection();
    await new NativeSession(w.host, slow, 7, limits).start(null, null);
    slow.full = true;
    w.publish(customEvent(1, 5, 'x'), [7]);
    assert.equal(slow.closedWith?.code, NATIVE_CLOSE.slow_consumer);
    assert.match(slow.closedWith!.reason, /buffer full/);

    const conn = new FakeConnection();
    await new NativeSession(w.host, conn, 8, limits).start(null, null);
    w.registered.find((c) => c.userId === 8)!.close('revoked', 'this account was deleted');
    assert.deepEqual(conn.closedWith, { code: 4009, reason: 'this account was deleted' });
  });
});

// ---- AirSend ---------------------------------------------------------------------------------------------

const user = (id: number): UserRef => ({ id, uuid: `u${id}`, username: `u${id}`, email: `u${id}@example.test`, display_name: `U${id}`, has_avatar: false, is_admin: false, last_active_at: 0 });
const member = (id: number): MemberView => ({ user: user(id), role: 'member', joined_at: 0 });
const space = (id: number, members: number[]): SpaceView => ({
  id, uuid: `s${id}`, name: `s${id}`, description: '', kind: 'multi', access: 'confidential', owner_id: members[0], created_by: members[0], created_at: 0, updated_at: 0, last_active_at: 0, deleted: false, members: members.map(member),
});

function airsend(heartbeatSeconds = 25) {
  const w = fakeWorld({ heartbeatSeconds });
  const opts = { botName: 'AirBot', isOnline: () => false };
  const conn = new FakeConnection();
  const s = new AirSendSession({ host: w.host, renderer: airsendRenderer(opts), extras: new AirSendExtras(opts, w.membership) }, conn);
  return { w, conn, s };
}

type Air = { event: string; payload: Record<string, unknown> };

describe('AirSend session', () => {
  test('awaiting_auth → authenticating → live; frames sent while the token is checked are handled after, in order', async () => {
    const { w, conn, s } = airsend();
    w.tokens.set('good', 9);
    assert.equal(s.state, 'awaiting_auth');
    conn.receive(JSON.stringify({ command: 'ws_auth', auth_token: 'good' }));
    assert.equal(s.state, 'authenticating');
    conn.receive(JSON.stringify({ command: 'ws_ephemeral_typing', channel_id: '4' }));
    conn.receive(JSON.stringify({ command: 'ws_read_notification', channel_id: 4, message_id: '12' }));
    await until(() => w.ran.length === 2);
    assert.equal(s.state, 'live');
    assert.deepEqual(w.ran, [
      { name: 'typing.start', userId: 9, input: { space_id: 4 } },
      { name: 'reads.mark', userId: 9, input: { message_id: 12 } },
    ]);
    conn.receive(JSON.stringify({ command: 'ws_ping' }));
    await until(() => conn.sent.length === 1);
    assert.deepEqual(conn.json<Air>()[0], { meta: { api: 'v1' }, event: 'pong', payload: {} });
  });

  test('refusals before ws_auth: another command 4003, malformed 4005, bad token 4001, no ws_auth in time 4003', async () => {
    const first = airsend();
    first.conn.receive(JSON.stringify({ command: 'ws_ping' }));
    await until(() => first.conn.closedWith !== null);
    assert.equal(first.conn.closedWith!.code, AIRSEND_CLOSE.not_authenticated);
    assert.equal(first.s.state, 'closed');

    const bad = airsend();
    bad.conn.receive('{"command":');
    await until(() => bad.conn.closedWith !== null);
    assert.equal(bad.conn.closedWith!.code, AIRSEND_CLOSE.malformed);

    const forged = airsend();
    forged.conn.receive(JSON.stringify({ command: 'ws_auth', auth_token: 'nope' }));
    await until(() => forged.conn.closedWith !== null);
    assert.deepEqual(forged.conn.closedWith, { code: AIRSEND_CLOSE.auth_failed, reason: 'ws_auth failed: invalid token' });
    assert.equal(forged.w.registered.length, 0, 'never registered');

    const idle = airsend(0.05);
    await until(() => idle.conn.closedWith !== null);
    assert.deepEqual(idle.conn.closedWith, { code: AIRSEND_CLOSE.not_authenticated, reason: 'no ws_auth within 0.05 s' });
  });

  test('live: an unknown command closes with 4004, invalid fields with 4005', async () => {
    const { w, conn } = airsend();
    w.tokens.set('good', 9);
    conn.receive(JSON.stringify({ command: 'ws_auth', auth_token: 'good' }));
    conn.receive(JSON.stringify({ command: 'ws_post_message' }));
    await until(() => conn.closedWith !== null);
    assert.deepEqual(conn.closedWith, { code: AIRSEND_CLOSE.unknown_command, reason: 'unknown command "ws_post_message"' });

    const b = airsend();
    b.w.tokens.set('good', 9);
    b.conn.receive(JSON.stringify({ command: 'ws_auth', auth_token: 'good' }));
    b.conn.receive(JSON.stringify({ command: 'ws_read_notification', channel_id: '1', message_id: 'ten' }));
    await until(() => b.conn.closedWith !== null);
    assert.equal(b.conn.closedWith!.code, AIRSEND_CLOSE.malformed);
    assert.match(b.conn.closedWith!.reason, /invalid ws_read_notification: \/message_id/);
    assert.deepEqual(b.w.ran, [], 'nothing ran');
  });

  test('a membership event is followed by channel.update to members, not to the removed user', async () => {
    const { w, conn } = airsend();
    w.tokens.set('good', 1);
    conn.receive(JSON.stringify({ command: 'ws_auth', auth_token: 'good' }));
    await until(() => w.cursors[0]?.state === 'live');
    const removed: Delivered = { type: 'member.removed', data: { space: space(3, [1]), member: member(2), actor_id: 1 }, id: 1, at: 0, space_id: 3, audience: { space: 3 }, explicit: [2] };
    w.publish(removed, [1]);
    assert.deepEqual(conn.json<Air>().map((f) => f.event), ['user_removed.channel', 'channel.update']);

    const other = airsend();
    other.w.tokens.set('good', 2);
    other.conn.receive(JSON.stringify({ command: 'ws_auth', auth_token: 'good' }));
    await until(() => other.w.cursors[0]?.state === 'live');
    other.w.publish(removed, [2]);
    assert.deepEqual(other.conn.json<Air>().map((f) => f.event), ['user_removed.channel'], 'the removed user only learns of the removal');
  });
});

test('AirSend public view: a user object keeps its shape with a blank email', () => {
  const r = airsendRenderer({ botName: 'AirBot', isOnline: () => false });
  const ev: Delivered = { type: 'typing.started', data: { space_id: 1, user: user(3) }, id: null, at: 0, space_id: 1, audience: { space: 1 }, explicit: [] };
  const { email: _e, is_admin: _a, ...pub } = user(3);
  type Typing = { payload: { user: { id: number; email: string } } };
  const publicFrame = JSON.parse(r.render({ ...ev, data: { space_id: 1, user: pub } } as unknown as Delivered, 'public')!) as Typing;
  const fullFrame = JSON.parse(r.render(ev, 'full')!) as Typing;
  assert.deepEqual([publicFrame.payload.user.id, publicFrame.payload.user.email], [3, '']);
  assert.equal(fullFrame.payload.user.email, 'u3@example.test');
});

describe('Tracim stream session', () => {
  test('replays the missed TLMs, goes live, and closes when its user is revoked', async () => {
    const w = fakeWorld();
    w.log.push({ type: 'user.created', data: { user: user(1) }, id: 1, at: 0, space_id: null, audience: { users: [1] }, explicit: [1] });
    const conn = new FakeConnection('sse');
    const s = new TracimStreamSession(w.host, conn, 1);
    await s.start(0);
    assert.equal(s.state, 'live');
    assert.deepEqual(conn.sent.map((x) => [x.position, (JSON.parse(x.text) as { event_type: string }).event_type]), [[1, 'user.created']]);
    w.registered[0].close('revoked', 'this account was deleted');
    assert.equal(conn.closedWith?.reason, 'this account was deleted');
    assert.equal(s.state, 'closed');
  });
});
