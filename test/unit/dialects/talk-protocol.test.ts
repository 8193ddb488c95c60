// The STOMP protocol session (src/dialects/talk/protocol.ts) against a fake connection and host: its
// states, CONNECT negotiation, chat subscriptions from feed cursors, transactions, /user/queue/errors,
// receipts, and the pure negotiation and ack bookkeeping it relies on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker, MemoryBrokerStore, NamespaceTable, allowAllAcl } from '../../../src/broker/index.js';
import type { Delivered } from '../../../src/events/types.js';
import { Payload, type SendOptions } from '../../../src/gateway/connection.js';
import type { TalkDeps } from '../../../src/dialects/talk/session-context.js';
import { StompSession } from '../../../src/dialects/talk/protocol.js';
import { TalkIds } from '../../../src/dialects/talk/render.js';
import { talkRenderer } from '../../../src/dialects/talk/renderer.js';
import { DEFAULT_STOMP_LIMITS, StompParser, type StompFrame } from '../../../src/dialects/talk/stomp-codec.js';
import { credentialsOf, negotiateHeartbeat, negotiateVersion } from '../../../src/dialects/talk/handlers/connect.js';
import { Subscriptions, type BrokerSubscription } from '../../../src/dialects/talk/subscriptions.js';
import { FakeConnection, fakeWorld, until, type FakeWorld } from '../../helpers/fakes.js';
import { at, member, space, user } from './fixtures.js';

/** A fake connection that keeps every byte sent (prefix + payload + suffix) and parses it back into frames. */
class StompWire extends FakeConnection {
  readonly frames: StompFrame[] = [];
  heartbeats = 0;
  private readonly parser = new StompParser({ frame: (f) => this.frames.push(f), heartbeat: () => this.heartbeats++ });

  override send(p: Payload, o?: SendOptions): boolean {
    if (!this.closed && !this.full) this.parser.push(Buffer.concat([o?.prefix ?? Buffer.alloc(0), p.bytes(), o?.suffix ?? Buffer.alloc(0)]));
    return super.send(p, o);
  }

  write(frame: string): void {
    this.receive(frame);
  }

  of(command: string): StompFrame[] {
    return this.frames.filter((f) => f.command === command);
  }
}

const CHAT = 4;
const ALICE = 7;
const NAMESPACES = (['events', 'messages', 'updates'] as const).map((c) => ({ name: `talk.${c}`, pattern: `countries/{chatId}/${c}`, kind: 'event' as const, access: 'group' as const }));

function setup(o: { commands?: (name: string, input: unknown) => Promise<unknown> } = {}): { w: FakeWorld; deps: TalkDeps; ids: TalkIds; open(): StompWire } {
  const w = fakeWorld({ head: 10, commands: o.commands });
  w.tokens.set('good', ALICE);
  w.membership.seed({ members: [{ space_id: CHAT, user_id: ALICE }], deletedSpaces: [], admins: [], users: 1, head: 1 });
  const resolver = new NamespaceTable(NAMESPACES, (u, g) => w.membership.isMember(Number(g), u));
  const host = { ...w.host, broker: { core: new Broker({ store: new MemoryBrokerStore(), acl: allowAllAcl }), resolver } };
  const ids = new TalkIds(10);
  const deps: TalkDeps = {
    host,
    renderer: talkRenderer(ids),
    settings: { heartbeatMs: 0, limits: DEFAULT_STOMP_LIMITS, maxTransactionFrames: 3, maxTransactions: 2, maxPendingFrames: 100, connectTimeoutMs: 5000 },
  };
  return {
    w,
    deps,
    ids,
    open: () => {
      const conn = new StompWire();
      new StompSession(deps, conn);
      return conn;
    },
  };
}

async function connected(t: ReturnType<typeof setup>): Promise<StompWire> {
  const c = t.open();
  c.write('CONNECT\naccept-version:1.1,1.2\nheart-beat:0,0\nAuthorization:Bearer good\n\n\0');
  await until(() => c.of('CONNECTED').length === 1);
  return c;
}

const joined = (id: number, uid: number): Delivered =>
  ({ ...at({ type: 'member.added', data: { space: space({ id: CHAT }), member: member(user(uid)), actor_id: uid } }, id, 1_723_366_259_607), space_id: CHAT, audience: { space: CHAT }, explicit: [] }) as Delivered;
const typing = (uid: number): Delivered => ({ ...at({ type: 'typing.started', data: { space_id: CHAT, user: user(uid) } }, null, 1_723_366_259_607), space_id: CHAT, audience: { space: CHAT }, explicit: [] }) as Delivered;

describe('STOMP session: connecting', () => {
  test('any frame before CONNECT: ERROR with its receipt, then close (protocol error)', async () => {
    const c = setup().open();
    c.write('SUBSCRIBE\nid:1\ndestination:/topic/x\nreceipt:9\n\n\0');
    assert.equal(c.of('ERROR')[0].headers['receipt-id'], '9');
    assert.deepEqual(c.closedWith, { code: 1002, reason: 'not connected' });
  });

  test('CONNECT: CONNECTED with the agreed version; the user is registered (presence)', async () => {
    const t = setup();
    const c = await connected(t);
    assert.equal(c.of('CONNECTED')[0].headers.version, '1.2');
    assert.equal(c.of('CONNECTED')[0].headers['user-name'], String(ALICE));
    assert.deepEqual(t.w.registered.map((r) => [r.userId, r.dialect]), [[ALICE, 'talk']]);
    c.end();
    assert.equal(t.w.registered.length, 0, 'unregistered when the connection ends');
  });

  test('bad credentials: ERROR "authentication failed", closed with 1008, never registered', async () => {
    const t = setup();
    const c = t.open();
    c.write('CONNECT\naccept-version:1.2\npasscode:wrong\n\n\0');
    await until(() => c.closed);
    assert.equal(c.of('ERROR')[0].headers.message, 'authentication failed');
    assert.equal(c.closedWith?.code, 1008);
    assert.equal(t.w.registered.length, 0);
  });

  test('frames pipelined right after CONNECT wait for it and are handled in order', async () => {
    const t = setup();
    const c = t.open();
    c.write('CONNECT\naccept-version:1.2\npasscode:good\n\n\0BEGIN\ntransaction:a\nreceipt:1\n\n\0ABORT\ntransaction:a\nreceipt:2\n\n\0');
    await until(() => c.of('RECEIPT').length === 2);
    assert.deepEqual(c.frames.map((f) => f.command), ['CONNECTED', 'RECEIPT', 'RECEIPT']);
  });
});

describe('STOMP session: chat destinations', () => {
  test('a member subscribes; events of the chat arrive as MESSAGE frames with the subscription, a message-id and x-herald-id', async () => {
    const t = setup();
    const c = await connected(t);
    c.write('SUBSCRIBE\nid:ev\ndestination:/countries/4/events\nreceipt:s\n\n\0SUBSCRIBE\nid:msg\ndestination:/countries/4/messages\nack:client\n\n\0');
    await until(() => c.of('RECEIPT').length === 1 && t.w.cursors.length === 2);
    await until(() => t.w.cursors.every((cur) => cur.state === 'live'));
    t.w.publish(joined(11, 8), [ALICE]);
    const [m] = c.of('MESSAGE');
    assert.equal(m.headers.subscription, 'ev');
    assert.equal(m.headers.destination, '/countries/4/events');
    assert.equal(m.headers['x-herald-id'], '11000');
    assert.equal(m.headers.ack, undefined, 'auto mode');
    assert.deepEqual(JSON.parse(m.body.toString()), { id: 11000, authorId: 8, chatId: 4, eventType: 'JOIN', eventTime: '2024-08-11T08:50:59.607000' });
    assert.equal(c.of('MESSAGE').length, 1, 'the /messages subscription skips a JOIN');
  });

  test('a typing event rendered before a later logged event is not sent after it (ids never go back)', async () => {
    const t = setup();
    const c = await connected(t);
    c.write('SUBSCRIBE\nid:ev\ndestination:/countries/4/events\n\n\0');
    await until(() => t.w.cursors[0]?.state === 'live');
    const early = typing(8);
    const earlyPayload = new Payload(t.deps.renderer.render(early, 'full')!, null);
    t.w.publish(joined(12, 8), [ALICE]);
    t.w.cursors[0].offer(early, earlyPayload, 'full');
    t.w.publish(typing(8), [ALICE]);
    assert.deepEqual(c.of('MESSAGE').map((m) => m.headers['x-herald-id']), ['12000', '12001']);
  });

  test('x-herald-resume replays from floor(id / 1000); a non-member subscription is an ERROR', async () => {
    const t = setup();
    t.w.log.push(joined(11, 8), joined(12, 9));
    const c = await connected(t);
    c.write('SUBSCRIBE\nid:ev\ndestination:/countries/4/events\nx-herald-resume:11000\n\n\0');
    await until(() => c.of('MESSAGE').length === 1);
    assert.equal(JSON.parse(c.of('MESSAGE')[0].body.toString()).authorId, 9);
    c.write('SUBSCRIBE\nid:other\ndestination:/countries/5/events\nreceipt:x\n\n\0');
    await until(() => c.closed);
    assert.equal(c.of('ERROR')[0].headers['receipt-id'], 'x');
    assert.match(c.of('ERROR')[0].body.toString(), /not a member of chat 5/);
  });
});

describe('STOMP session: commands, errors, transactions, receipts', () => {
  test('a refused command: MESSAGE on /user/queue/errors with the code and receipt id, then the RECEIPT; nothing run', async () => {
    const t = setup();
    const c = await connected(t);
    c.write('SUBSCRIBE\nid:err\ndestination:/user/queue/errors\n\n\0');
    c.write('SEND\ndestination:/chat/events.startTyping\nreceipt:r1\n\n{"authorId":8,"chatId":4}\0');
    await until(() => c.of('RECEIPT').length === 1);
    const [e] = c.of('MESSAGE');
    assert.equal(e.headers.destination, '/user/queue/errors');
    assert.equal(e.headers['receipt-id'], 'r1');
    assert.deepEqual(JSON.parse(e.body.toString()), { code: 'author_mismatch', message: 'authorId 8 is not you (user 7)', destination: '/chat/events.startTyping', receiptId: 'r1' });
    assert.deepEqual(c.frames.map((f) => f.command), ['CONNECTED', 'MESSAGE', 'RECEIPT']);
    assert.equal(t.w.ran.length, 0);
  });

  test('SEND in a transaction runs at COMMIT, in order; ABORT drops it; limits are ERRORs', async () => {
    const t = setup();
    const c = await connected(t);
    const typingFrame = (tx: string) => `SEND\ndestination:/chat/events.${tx === 'a' ? 'startTyping' : 'stopTyping'}\ntransaction:${tx}\n\n{"authorId":7,"chatId":4}\0`;
    c.write(`BEGIN\ntransaction:a\n\n\0${typingFrame('a')}BEGIN\ntransaction:b\n\n\0${typingFrame('b')}ABORT\ntransaction:b\nreceipt:ab\n\n\0`);
    await until(() => c.of('RECEIPT').length === 1);
    assert.equal(t.w.ran.length, 0, 'nothing runs before COMMIT');
    c.write('COMMIT\ntransaction:a\nreceipt:co\n\n\0');
    await until(() => c.of('RECEIPT').length === 2);
    assert.deepEqual(t.w.ran.map((r) => [r.name, r.input]), [['typing.start', { space_id: 4 }]]);
    // At most 2 open transactions (this setup).
    c.write('BEGIN\ntransaction:x\n\n\0BEGIN\ntransaction:y\n\n\0BEGIN\ntransaction:z\nreceipt:z\n\n\0');
    await until(() => c.closed);
    assert.equal(c.of('ERROR')[0].headers.message, 'too many open transactions (at most 2)');
    assert.equal(c.of('ERROR')[0].headers['receipt-id'], 'z');
  });

  test('DISCONNECT: the RECEIPT, then a normal close; nothing after it is handled', async () => {
    const t = setup();
    const c = await connected(t);
    c.write('DISCONNECT\nreceipt:bye\n\n\0SEND\ndestination:/chat/events.startTyping\n\n{"authorId":7,"chatId":4}\0');
    await until(() => c.closed);
    assert.deepEqual(c.frames.map((f) => [f.command, f.headers['receipt-id']]), [['CONNECTED', undefined], ['RECEIPT', 'bye']]);
    assert.equal(c.closedWith?.code, 1000);
    assert.equal(t.w.ran.length, 0);
  });

  test('a full outgoing buffer closes the connection as a slow consumer', async () => {
    const t = setup();
    const c = await connected(t);
    c.write('SUBSCRIBE\nid:ev\ndestination:/countries/4/events\n\n\0');
    await until(() => t.w.cursors[0]?.state === 'live');
    c.full = true;
    t.w.publish(joined(11, 8), [ALICE]);
    assert.equal(c.closedWith?.code, 1008);
  });
});

describe('STOMP negotiation and ack bookkeeping', () => {
  test('versions: the highest common one; none given means 1.0; none in common is an ERROR naming ours', () => {
    assert.equal(negotiateVersion('1.0,1.1,1.2'), '1.2');
    assert.equal(negotiateVersion('1.1, 1.0'), '1.1');
    assert.equal(negotiateVersion(undefined), '1.0');
    assert.throws(() => negotiateVersion('2.0'), (e: Error & { headers?: Record<string, string> }) => e.headers?.version === '1.0,1.1,1.2');
  });

  test('heart-beats: max of both sides, 0 when either side says 0; malformed is an ERROR', () => {
    assert.deepEqual(negotiateHeartbeat('4000,6000', 5000), { out: 6000, in: 5000 });
    assert.deepEqual(negotiateHeartbeat('0,100', 5000), { out: 5000, in: 0 });
    assert.deepEqual(negotiateHeartbeat('100,0', 5000), { out: 0, in: 5000 });
    assert.deepEqual(negotiateHeartbeat('100,100', 0), { out: 0, in: 0 });
    assert.deepEqual(negotiateHeartbeat(undefined, 5000), { out: 0, in: 0 });
    assert.throws(() => negotiateHeartbeat('fast', 5000), /invalid heart-beat/);
  });

  test('credentials: Authorization (any case) or passcode, with login passed on for the check', () => {
    const f = (headers: Record<string, string>): StompFrame => ({ command: 'CONNECT', headers, body: Buffer.alloc(0) });
    assert.deepEqual(credentialsOf(f({ authorization: 'Bearer abc' })), { token: 'abc' });
    assert.deepEqual(credentialsOf(f({ Authorization: 'bearer abc', login: 'olena' })), { token: 'abc', login: 'olena' });
    assert.deepEqual(credentialsOf(f({ login: '7', passcode: 'abc' })), { token: 'abc', login: '7' });
    assert.throws(() => credentialsOf(f({ login: '7' })), /authentication required/);
  });

  test('client mode ACK settles every earlier message of the subscription; client-individual just one', () => {
    const subs = new Subscriptions();
    const mk = (id: string, ack: 'client' | 'client-individual'): BrokerSubscription => ({ kind: 'queue', id, destination: '/queue/q', ack, head: '', unacked: new Map() });
    const a = mk('a', 'client');
    const b = mk('b', 'client-individual');
    subs.add(a);
    subs.add(b);
    subs.track(a, 1, 101);
    subs.track(b, 2, 201);
    subs.track(a, 3, 103);
    subs.track(b, 4, 202);
    subs.track(a, 5, 105);
    assert.equal(subs.settle(3), 103);
    assert.deepEqual([...a.unacked.keys()], [5]);
    assert.equal(subs.settle(1), null, 'covered by the cumulative ACK');
    assert.equal(subs.settle(4), 202);
    assert.deepEqual([...b.unacked.keys()], [2]);
    subs.remove('b');
    assert.equal(subs.settle(2), null, 'gone with its subscription');
  });
});
