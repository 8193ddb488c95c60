// Sessions (MQTT 5 §4.1, §3.1.2.4, §3.1.2.11.2, §3.1.4): clean start, expiry, Session Present,
// takeover, in-flight redelivery with DUP in order (§4.4, §4.6), QoS 2 both ways (§4.3.3), Receive
// Maximum (§4.9), bounded offline queues with their drop policy, Message Expiry while queued
// (§3.3.2.3.3), the protocol state slot, and restore from the store after a restart.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker, NEVER_EXPIRES, allowAllAcl, remainingExpirySeconds } from '../../../src/broker/index.js';
import { Clock, RecordingSink, connect, harness, text, user } from './helpers.js';

const persistent = { cleanStart: false, sessionExpiryInterval: 3600 };

describe('session lifecycle', () => {
  test('expiry 0: the session ends at disconnect; reconnecting finds nothing', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a', { cleanStart: false, sessionExpiryInterval: 0 });
    assert.equal(a.present, false);
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    await broker.disconnect(a.conn, { publishWill: false });
    assert.equal(broker.session('a'), undefined);
    const again = await connect(broker, 'a', persistent);
    assert.equal(again.present, false);
    await broker.publish(null, { topic: 't', payload: text('x'), qos: 1 });
    assert.deepEqual(again.sink.texts(), [], 'the old subscription is gone');
  });

  test('persistent session: Session Present, subscriptions kept, QoS 1/2 queued offline and delivered in order', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't/#', qos: 2 }]);
    await broker.disconnect(a.conn, { publishWill: false });
    for (let i = 1; i <= 3; i++) await broker.publish(null, { topic: `t/${i}`, payload: text(String(i)), qos: (i % 2 ? 1 : 2) as 1 | 2 });
    await broker.publish(null, { topic: 't/qos0', payload: text('0'), qos: 0 });
    assert.equal(broker.session('a')?.queued, 3, 'QoS 0 is not queued offline by default');
    const back = await connect(broker, 'a', persistent);
    assert.equal(back.present, true);
    const ds = back.sink.take();
    assert.deepEqual(ds.map((d) => d.message.topic), ['t/1', 't/2', 't/3']);
    assert.deepEqual(ds.map((d) => d.qos), [1, 2, 1]);
    assert.ok(ds.every((d) => d.packetId > 0 && !d.dup));
    await broker.publish(null, { topic: 't/live', payload: text('l'), qos: 1 });
    assert.deepEqual(back.sink.texts(), ['t/live=l'], 'the kept subscription is live again');
  });

  test('queueQos0: QoS 0 is queued offline too', async () => {
    const { broker } = harness({ queueQos0: true });
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't', qos: 0 }]);
    await broker.disconnect(a.conn, { publishWill: false });
    await broker.publish(null, { topic: 't', payload: text('x'), qos: 0 });
    const back = await connect(broker, 'a', persistent);
    assert.deepEqual(back.sink.texts(), ['t=x']);
  });

  test('clean start discards an existing session', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    await broker.disconnect(a.conn, { publishWill: false });
    await broker.publish(null, { topic: 't', payload: text('queued'), qos: 1 });
    const fresh = await connect(broker, 'a', { cleanStart: true, sessionExpiryInterval: 3600 });
    assert.equal(fresh.present, false);
    assert.deepEqual(fresh.sink.texts(), []);
    await broker.publish(null, { topic: 't', payload: text('x'), qos: 1 });
    assert.deepEqual(fresh.sink.texts(), []);
  });

  test('Session Expiry Interval: the session ends after it, measured from the disconnect', async () => {
    const { broker, clock } = harness();
    const a = await connect(broker, 'a', { cleanStart: false, sessionExpiryInterval: 60 });
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    await broker.disconnect(a.conn, { publishWill: false });
    assert.equal(broker.session('a')?.expiresAt, clock.t + 60_000);
    clock.advance(59_999);
    await broker.tick();
    assert.ok(broker.session('a'), 'still there a millisecond before');
    clock.advance(1);
    await broker.tick();
    assert.equal(broker.session('a'), undefined);
    const back = await connect(broker, 'a', persistent);
    assert.equal(back.present, false);
  });

  test('an expired session found at connect (before any tick) is not resumed', async () => {
    const { broker, clock } = harness();
    const a = await connect(broker, 'a', { cleanStart: false, sessionExpiryInterval: 1 });
    await broker.disconnect(a.conn, { publishWill: false });
    clock.advance(1000);
    assert.equal((await connect(broker, 'a', persistent)).present, false);
  });

  test('NEVER_EXPIRES keeps the session; DISCONNECT may change the interval (§3.14.2.2.2)', async () => {
    const { broker, clock } = harness();
    const a = await connect(broker, 'a', { cleanStart: false, sessionExpiryInterval: NEVER_EXPIRES });
    await broker.disconnect(a.conn, { publishWill: false });
    clock.advance(10 * 365 * 86_400_000);
    await broker.tick();
    assert.ok(broker.session('a'));
    const b = await connect(broker, 'a', persistent);
    await broker.disconnect(b.conn, { publishWill: false, sessionExpiryInterval: 0 });
    assert.equal(broker.session('a'), undefined);
  });

  test('takeover: the old connection is told session_taken_over and goes stale (§3.1.4)', async () => {
    const { broker } = harness();
    const old = await connect(broker, 'a', persistent);
    await broker.subscribe(old.conn, [{ filter: 't', qos: 0 }]);
    const neu = await connect(broker, 'a', persistent);
    assert.deepEqual(old.sink.closedReasons, ['session_taken_over']);
    assert.equal(old.conn.active, false);
    assert.equal(neu.present, true);
    await broker.publish(null, { topic: 't', payload: text('x'), qos: 0 });
    assert.deepEqual(neu.sink.texts(), ['t=x']);
    assert.deepEqual(old.sink.texts(), []);
    // Late calls from the old socket change nothing.
    await broker.unsubscribe(old.conn, ['t']);
    await broker.disconnect(old.conn, { publishWill: false });
    await broker.publish(null, { topic: 't', payload: text('y'), qos: 0 });
    assert.deepEqual(neu.sink.texts(), ['t=y']);
    assert.equal(broker.session('a')?.online, true);
  });

  test("another user cannot take over someone's client id", async () => {
    const { broker } = harness();
    await connect(broker, 'mine', { principal: user(1) });
    const r = await broker.connect({ clientId: 'mine', principal: user(2), cleanStart: true, sessionExpiryInterval: 0, sink: new RecordingSink() });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'client_id_in_use');
  });

  test('an empty client id gets an assigned one (§3.2.2.3.7)', async () => {
    const { broker } = harness();
    const r = await broker.connect({ clientId: '', principal: user(1), cleanStart: true, sessionExpiryInterval: 0, sink: new RecordingSink() });
    assert.ok(r.ok && r.assignedClientId);
    assert.equal(r.connection.clientId, r.assignedClientId);
    const r2 = await broker.connect({ clientId: '', principal: user(1), cleanStart: true, sessionExpiryInterval: 0, sink: new RecordingSink() });
    assert.ok(r2.ok && r2.assignedClientId && r2.assignedClientId !== r.assignedClientId);
  });

  test('invalid client ids are refused', async () => {
    const { broker } = harness({ limits: { maxClientIdLength: 8 } });
    for (const clientId of ['123456789', 'a\u0000', 'a\uDC00']) {
      const r = await broker.connect({ clientId, principal: user(1), cleanStart: true, sessionExpiryInterval: 0, sink: new RecordingSink() });
      assert.equal(!r.ok && r.reason, 'client_id_invalid', JSON.stringify(clientId));
    }
  });

  test('nothing is delivered between connect and start (CONNACK goes first)', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't', qos: 0 }]);
    const sink = new RecordingSink();
    const r = await broker.connect({ clientId: 'a', principal: user(1), sink, ...persistent });
    assert.ok(r.ok);
    await broker.publish(null, { topic: 't', payload: text('held'), qos: 0 });
    assert.deepEqual(sink.texts(), []);
    broker.start(r.connection);
    assert.deepEqual(sink.texts(), ['t=held']);
  });

  test('the state slot is kept with the session and dropped with it', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a', persistent);
    await broker.setState(a.conn, 'feed', '42');
    await broker.disconnect(a.conn, { publishWill: false });
    const b = await connect(broker, 'a', persistent);
    assert.equal(b.conn.state.get('feed'), '42');
    await broker.setState(b.conn, 'feed', null);
    assert.equal(b.conn.state.has('feed'), false);
    await broker.setState(b.conn, 'x', '1');
    const c = await connect(broker, 'a', { cleanStart: true, sessionExpiryInterval: 0 });
    assert.equal(c.conn.state.size, 0);
  });
});

describe('outgoing QoS 1/2', () => {
  test('unacknowledged deliveries are resent with DUP, in order, with their packet ids, after reconnect (§4.4)', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't/+', qos: 2 }]);
    for (let i = 1; i <= 4; i++) await broker.publish(null, { topic: `t/${i}`, payload: text(String(i)), qos: i === 4 ? 2 : 1 });
    const first = a.sink.take();
    assert.equal(first.length, 4);
    assert.ok(broker.puback(a.conn, first[1].packetId), 'ack the second');
    assert.ok(broker.pubrec(a.conn, first[3].packetId), 'PUBREC the QoS 2 one');
    await broker.disconnect(a.conn, { publishWill: false });
    const b = await connect(broker, 'a', persistent);
    const again = b.sink.take();
    assert.deepEqual(again.map((d) => d.message.topic), ['t/1', 't/3']);
    assert.ok(again.every((d) => d.dup));
    assert.deepEqual(again.map((d) => d.packetId), [first[0].packetId, first[2].packetId]);
    assert.deepEqual(b.sink.releases, [first[3].packetId], 'PUBREL resent for the PUBREC’d one');
    assert.ok(broker.pubcomp(b.conn, first[3].packetId));
    assert.ok(broker.puback(b.conn, first[0].packetId));
    assert.ok(broker.puback(b.conn, first[2].packetId));
    assert.equal(broker.session('a')?.inflight, 0);
    assert.equal(broker.puback(b.conn, first[0].packetId), false, 'a second PUBACK for the same id is unknown');
  });

  test('QoS 2 outgoing: PUBREC then PUBCOMP; PUBCOMP before PUBREC is refused; PUBREC with an error ends it', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a');
    await broker.subscribe(a.conn, [{ filter: 't', qos: 2 }]);
    await broker.publish(null, { topic: 't', payload: text('1'), qos: 2 });
    await broker.publish(null, { topic: 't', payload: text('2'), qos: 2 });
    const [d1, d2] = a.sink.take();
    assert.equal(broker.pubcomp(a.conn, d1.packetId), false);
    assert.equal(broker.puback(a.conn, d1.packetId), false, 'PUBACK does not settle QoS 2');
    assert.ok(broker.pubrec(a.conn, d1.packetId));
    assert.ok(broker.pubcomp(a.conn, d1.packetId));
    assert.ok(broker.pubrec(a.conn, d2.packetId, true));
    assert.equal(broker.session('a')?.inflight, 0);
  });

  test('Receive Maximum: at most that many QoS 1/2 in flight; QoS 0 is not held back (§4.9)', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a', { receiveMaximum: 2 });
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    for (let i = 1; i <= 4; i++) await broker.publish(null, { topic: 't', payload: text(String(i)), qos: 1 });
    await broker.publish(null, { topic: 't', payload: text('q0'), qos: 0 });
    const sent = a.sink.take();
    assert.deepEqual(sent.map((d) => d.message.payload.toString()), ['1', '2', 'q0']);
    broker.puback(a.conn, sent[0].packetId);
    assert.deepEqual(a.sink.texts(), ['t=3']);
    broker.puback(a.conn, sent[1].packetId);
    assert.deepEqual(a.sink.texts(), ['t=4']);
  });

  test('packet ids are unique among in-flight deliveries and wrap within 1..65535', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a');
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    const held = new Set<number>();
    for (let i = 0; i < 70_000; i++) {
      await broker.publish(null, { topic: 't', payload: text('x'), qos: 1 });
      const [d] = a.sink.take();
      assert.ok(d.packetId >= 1 && d.packetId <= 65_535);
      if (i === 5) held.add(d.packetId); // one stays unacknowledged across the wrap
      else broker.puback(a.conn, d.packetId);
      if (i > 65_540) assert.ok(!held.has(d.packetId));
    }
  });
});

  test('lastPacketId: deliveries use only 1..lastPacketId (the protocol keeps the ids above), and the window fits in it', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a', { lastPacketId: 4, receiveMaximum: 100 });
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      await broker.publish(null, { topic: 't', payload: text('x'), qos: 1 });
      for (const d of a.sink.take()) {
        seen.push(d.packetId);
        broker.puback(a.conn, d.packetId);
      }
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    for (let i = 0; i < 6; i++) await broker.publish(null, { topic: 't', payload: text('y'), qos: 1 });
    assert.deepEqual(a.sink.take().map((d) => d.packetId), [1, 2, 3, 4], 'the window is capped at 4 in-flight ids');
  });

describe('incoming QoS 2 (§4.3.3)', () => {
  test('a repeated PUBLISH with the same packet id before PUBREL is not delivered again, even across a reconnect', async () => {
    const { broker } = harness();
    const sub = await connect(broker, 'sub');
    await broker.subscribe(sub.conn, [{ filter: 't', qos: 2 }]);
    const pub = await connect(broker, 'pub', persistent);
    const m = { topic: 't', payload: text('once'), qos: 2 as const };
    assert.deepEqual(await broker.publish(pub.conn, m, { packetId: 10 }), { ok: true, matched: 1, duplicate: false });
    assert.deepEqual(await broker.publish(pub.conn, m, { packetId: 10 }), { ok: true, matched: 0, duplicate: true });
    await broker.disconnect(pub.conn, { publishWill: false });
    const pub2 = await connect(broker, 'pub', persistent);
    assert.equal((await broker.publish(pub2.conn, m, { packetId: 10 })).ok, true);
    assert.equal(sub.sink.take().length, 1);
    assert.equal(await broker.pubrel(pub2.conn, 10), true);
    assert.equal(await broker.pubrel(pub2.conn, 10), false, 'unknown now (PUBCOMP 0x92)');
    await broker.publish(pub2.conn, m, { packetId: 10 });
    assert.equal(sub.sink.take().length, 1, 'the id is free again');
  });
});

describe('bounded offline queues', () => {
  test('QoS 1/2 beyond the bound: the new message is dropped and counted; the queued ones are kept', async () => {
    const { broker } = harness({ limits: { maxQueuedMessages: 3 } });
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    await broker.disconnect(a.conn, { publishWill: false });
    for (let i = 1; i <= 5; i++) await broker.publish(null, { topic: 't', payload: text(String(i)), qos: 1 });
    assert.equal(broker.session('a')?.queued, 3);
    assert.equal(broker.session('a')?.dropped, 2);
    assert.equal(broker.stats().dropped.queue_full, 2);
    const back = await connect(broker, 'a', persistent);
    assert.deepEqual(back.sink.texts(), ['t=1', 't=2', 't=3']);
  });

  test('the oldest QoS 0 is dropped first to make room', async () => {
    const { broker } = harness({ queueQos0: true, limits: { maxQueuedMessages: 3 } });
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    await broker.disconnect(a.conn, { publishWill: false });
    await broker.publish(null, { topic: 't', payload: text('a0'), qos: 0 });
    await broker.publish(null, { topic: 't', payload: text('b1'), qos: 1 });
    await broker.publish(null, { topic: 't', payload: text('c0'), qos: 0 });
    await broker.publish(null, { topic: 't', payload: text('d1'), qos: 1 }); // drops a0
    await broker.publish(null, { topic: 't', payload: text('e1'), qos: 1 }); // drops c0
    await broker.publish(null, { topic: 't', payload: text('f1'), qos: 1 }); // no QoS 0 left: f1 dropped
    const back = await connect(broker, 'a', persistent);
    assert.deepEqual(back.sink.texts(), ['t=b1', 't=d1', 't=e1']);
    assert.equal(broker.stats().dropped.queue_full, 3);
  });

  test('expired entries make room before anything else is dropped', async () => {
    const { broker, clock } = harness({ limits: { maxQueuedMessages: 2 } });
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    await broker.disconnect(a.conn, { publishWill: false });
    await broker.publish(null, { topic: 't', payload: text('short'), qos: 1, messageExpiryInterval: 5 });
    await broker.publish(null, { topic: 't', payload: text('keep'), qos: 1 });
    clock.advance(5_000);
    await broker.publish(null, { topic: 't', payload: text('new'), qos: 1 });
    const back = await connect(broker, 'a', persistent);
    assert.deepEqual(back.sink.texts(), ['t=keep', 't=new']);
    assert.equal(broker.stats().dropped.expired, 1);
    assert.equal(broker.stats().dropped.queue_full, 0);
  });

  test('the byte bound holds too', async () => {
    const { broker } = harness({ limits: { maxQueuedBytes: 3000 } });
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    await broker.disconnect(a.conn, { publishWill: false });
    for (let i = 0; i < 5; i++) await broker.publish(null, { topic: 't', payload: Buffer.alloc(1000), qos: 1 });
    assert.equal(broker.session('a')?.queued, 2);
  });

  test('Message Expiry: dropped while queued; on delivery the remaining interval is what is left (§3.3.2.3.3)', async () => {
    const { broker, clock } = harness();
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1 }]);
    await broker.disconnect(a.conn, { publishWill: false });
    await broker.publish(null, { topic: 't', payload: text('gone'), qos: 1, messageExpiryInterval: 10 });
    await broker.publish(null, { topic: 't', payload: text('left'), qos: 1, messageExpiryInterval: 60 });
    clock.advance(15_000);
    const back = await connect(broker, 'a', persistent);
    const [d, ...rest] = back.sink.take();
    assert.equal(rest.length, 0);
    assert.equal(d.message.payload.toString(), 'left');
    assert.equal(remainingExpirySeconds(d.message, clock.t), 45);
  });
});

describe('restart', () => {
  test('a new broker on the same store resumes sessions: subscriptions, queued, in-flight (DUP), state', async () => {
    const { broker, store } = harness();
    const a = await connect(broker, 'a', persistent);
    await broker.subscribe(a.conn, [{ filter: 't', qos: 1, subscriptionId: 3 }]);
    await broker.setState(a.conn, 'feed', '7');
    await broker.publish(null, { topic: 't', payload: text('inflight'), qos: 1 });
    const [d] = a.sink.take();
    await broker.disconnect(a.conn, { publishWill: false });
    await broker.publish(null, { topic: 't', payload: text('queued'), qos: 1 });

    const clock = new Clock();
    const again = new Broker({ store, acl: allowAllAcl, clock: clock.now });
    await again.restore();
    await again.publish(null, { topic: 't', payload: text('after restart'), qos: 1 });
    const b = await connect(again, 'a', persistent);
    assert.equal(b.present, true);
    assert.equal(b.conn.state.get('feed'), '7');
    const ds = b.sink.take();
    assert.deepEqual(ds.map((x) => [x.message.payload.toString(), x.dup]), [['inflight', true], ['queued', false], ['after restart', false]]);
    assert.equal(ds[0].packetId, d.packetId);
    assert.ok(ds.every((x) => x.subscriptionIds[0] === 3));
    assert.ok(!ds.slice(1).some((x) => x.packetId === d.packetId), 'new packet ids avoid the in-flight one');
  });
});
