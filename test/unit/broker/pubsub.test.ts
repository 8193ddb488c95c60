// Publish and fan-out through the Broker facade: QoS, overlapping subscriptions (§3.3.4), No Local
// and Retain As Published (§3.8.3.1, §3.3.1.3), subscription identifiers (§3.3.2.3.8), shared
// subscriptions (§4.8.2), `$` topics (§4.7.2), STOMP-style per-subscription copies, isolation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, harness, text } from './helpers.js';
import type { Delivery } from '../../../src/broker/index.js';

describe('fan-out', () => {
  test('each subscriber gets the message at min(published QoS, subscription QoS)', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a');
    const b = await connect(broker, 'b');
    const c = await connect(broker, 'c');
    await broker.subscribe(a.conn, [{ filter: 'x/y', qos: 0 }]);
    await broker.subscribe(b.conn, [{ filter: 'x/y', qos: 1 }]);
    await broker.subscribe(c.conn, [{ filter: 'x/y', qos: 2 }]);
    const pub = await connect(broker, 'p');
    const r = await broker.publish(pub.conn, { topic: 'x/y', payload: text('hi'), qos: 1 });
    assert.deepEqual(r, { ok: true, matched: 3, duplicate: false });
    const [da] = a.sink.take();
    const [db] = b.sink.take();
    const [dc] = c.sink.take();
    assert.equal(da.qos, 0);
    assert.equal(da.packetId, 0);
    assert.equal(db.qos, 1);
    assert.ok(db.packetId > 0);
    assert.equal(dc.qos, 1, 'QoS 2 subscription, QoS 1 publish: 1');
    assert.equal(da.message, db.message, 'one shared message object for every delivery');
    assert.equal(da.message.payload.toString(), 'hi');
    assert.equal(pub.sink.take().length, 0);
  });

  test('no subscribers: ok with matched 0 (MQTT PUBACK 0x10)', async () => {
    const { broker } = harness();
    const p = await connect(broker, 'p');
    assert.deepEqual(await broker.publish(p.conn, { topic: 'nobody/here', payload: text('x'), qos: 1 }), { ok: true, matched: 0, duplicate: false });
  });

  test('invalid topic names are refused with topic_name_invalid', async () => {
    const { broker } = harness();
    const p = await connect(broker, 'p');
    for (const topic of ['', 'a/+', 'a/#', 'a\u0000']) {
      const r = await broker.publish(p.conn, { topic, payload: text('x'), qos: 0 });
      assert.ok(!r.ok && r.reason === 'topic_name_invalid', JSON.stringify(topic));
    }
  });

  test('overlapping subscriptions: one copy, max QoS, every subscription identifier (§3.3.4)', async () => {
    const { broker } = harness();
    const s = await connect(broker, 's');
    await broker.subscribe(s.conn, [
      { filter: 'home/+/temp', qos: 0, subscriptionId: 7 },
      { filter: 'home/#', qos: 2, subscriptionId: 9 },
      { filter: 'home/kitchen/temp', qos: 1 },
    ]);
    await broker.publish(null, { topic: 'home/kitchen/temp', payload: text('21'), qos: 2 });
    const ds = s.sink.take();
    assert.equal(ds.length, 1);
    assert.equal(ds[0].qos, 2);
    assert.deepEqual([...ds[0].subscriptionIds].sort(), [7, 9]);
    await broker.publish(null, { topic: 'home/hall/temp', payload: text('19'), qos: 2 });
    const [d2] = s.sink.take();
    assert.equal(d2.qos, 2);
    assert.deepEqual([...d2.subscriptionIds].sort(), [7, 9]);
    await broker.publish(null, { topic: 'home/hall', payload: text('x'), qos: 1 });
    const [d3] = s.sink.take();
    assert.deepEqual(d3.subscriptionIds, [9], 'only the matching subscription’s identifier');
  });

  test("'each' overlap mode (STOMP): one copy per matching subscription, keyed", async () => {
    const { broker } = harness();
    const s = await connect(broker, 's', { overlap: 'each' });
    await broker.subscribe(s.conn, [
      { filter: 'a/+', qos: 0, key: 'sub-1' },
      { filter: 'a/#', qos: 0, key: 'sub-2' },
      { filter: 'a/b', qos: 0, key: 'sub-3' },
    ]);
    await broker.publish(null, { topic: 'a/b', payload: text('x'), qos: 0 });
    assert.deepEqual(s.sink.take().map((d) => d.key).sort(), ['sub-1', 'sub-2', 'sub-3']);
    await broker.publish(null, { topic: 'a/c', payload: text('y'), qos: 0 });
    assert.deepEqual(s.sink.take().map((d) => d.key).sort(), ['sub-1', 'sub-2']);
  });

  test('No Local: not sent back to the publishing session; other sessions still get it (§3.8.3.1)', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a');
    const b = await connect(broker, 'b');
    await broker.subscribe(a.conn, [{ filter: 'chat', qos: 0, noLocal: true }]);
    await broker.subscribe(b.conn, [{ filter: 'chat', qos: 0, noLocal: true }]);
    await broker.publish(a.conn, { topic: 'chat', payload: text('from a'), qos: 0 });
    assert.deepEqual(a.sink.texts(), []);
    assert.deepEqual(b.sink.texts(), ['chat=from a']);
    // An overlapping subscription without No Local still delivers to the publisher.
    await broker.subscribe(a.conn, [{ filter: '#', qos: 0 }]);
    await broker.publish(a.conn, { topic: 'chat', payload: text('again'), qos: 0 });
    assert.deepEqual(a.sink.texts(), ['chat=again']);
  });

  test('Retain As Published: RETAIN flag kept only for RAP subscriptions on live delivery (§3.3.1.3)', async () => {
    const { broker } = harness();
    const rap = await connect(broker, 'rap');
    const plain = await connect(broker, 'plain');
    await broker.subscribe(rap.conn, [{ filter: 't', qos: 0, retainAsPublished: true }]);
    await broker.subscribe(plain.conn, [{ filter: 't', qos: 0 }]);
    await broker.publish(null, { topic: 't', payload: text('r'), qos: 0, retain: true });
    assert.equal(rap.sink.take()[0].retain, true);
    assert.equal(plain.sink.take()[0].retain, false);
    await broker.publish(null, { topic: 't', payload: text('n'), qos: 0, retain: false });
    assert.equal(rap.sink.take()[0].retain, false);
  });

  test("'$' topics are not matched by filters starting with a wildcard (§4.7.2)", async () => {
    const { broker } = harness();
    const wild = await connect(broker, 'w');
    const sys = await connect(broker, 's');
    await broker.subscribe(wild.conn, [{ filter: '#', qos: 0 }, { filter: '+/info', qos: 0 }]);
    await broker.subscribe(sys.conn, [{ filter: '$SYS/#', qos: 0 }]);
    await broker.publish(null, { topic: '$SYS/info', payload: text('x'), qos: 0 });
    assert.deepEqual(wild.sink.texts(), []);
    assert.deepEqual(sys.sink.texts(), ['$SYS/info=x']);
  });

  test('shared subscription: each message to one member, round-robin (§4.8.2)', async () => {
    const { broker } = harness();
    const members = await Promise.all(['m1', 'm2', 'm3'].map((id) => connect(broker, id)));
    for (const m of members) await broker.subscribe(m.conn, [{ filter: '$share/workers/jobs/+', qos: 1 }]);
    for (let i = 0; i < 9; i++) await broker.publish(null, { topic: `jobs/${i}`, payload: text(String(i)), qos: 0 });
    const counts = members.map((m) => m.sink.take().map((d) => d.message.payload.toString()));
    assert.deepEqual(counts.map((c) => c.length), [3, 3, 3]);
    assert.deepEqual(counts.flat().sort(), ['0', '1', '2', '3', '4', '5', '6', '7', '8']);
    assert.deepEqual(counts[0], ['0', '3', '6'], 'round-robin order');
  });

  test('shared and non-shared subscriptions of one session: a copy for each (§4.8.2)', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a');
    await broker.subscribe(a.conn, [{ filter: '$share/g/t', qos: 0 }, { filter: 't', qos: 0 }]);
    await broker.publish(null, { topic: 't', payload: text('x'), qos: 0 });
    assert.deepEqual(a.sink.texts(), ['t=x', 't=x']);
  });

  test('two share groups on one filter each get the message once', async () => {
    const { broker } = harness();
    const g1 = [await connect(broker, 'a'), await connect(broker, 'b')];
    const g2 = [await connect(broker, 'c')];
    for (const m of g1) await broker.subscribe(m.conn, [{ filter: '$share/one/t', qos: 0 }]);
    for (const m of g2) await broker.subscribe(m.conn, [{ filter: '$share/two/t', qos: 0 }]);
    await broker.publish(null, { topic: 't', payload: text('x'), qos: 0 });
    assert.equal(g1[0].sink.take().length + g1[1].sink.take().length, 1);
    assert.equal(g2[0].sink.take().length, 1);
  });

  test('shared group prefers a member that can take the message now (offline member skipped)', async () => {
    const { broker } = harness();
    const off = await connect(broker, 'off', { cleanStart: true, sessionExpiryInterval: 3600 });
    const on = await connect(broker, 'on');
    await broker.subscribe(off.conn, [{ filter: '$share/g/t', qos: 1 }]);
    await broker.subscribe(on.conn, [{ filter: '$share/g/t', qos: 1 }]);
    await broker.disconnect(off.conn, { publishWill: false });
    for (let i = 0; i < 4; i++) await broker.publish(null, { topic: 't', payload: text(String(i)), qos: 1 });
    assert.equal(on.sink.take().length, 4);
    assert.equal(broker.session('off')?.queued, 0);
  });

  test('No Local on a shared subscription is a protocol error (§3.8.3.1)', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a');
    const { results } = await broker.subscribe(a.conn, [{ filter: '$share/g/t', qos: 0, noLocal: true }]);
    assert.equal(results[0].ok, false);
    assert.equal(!results[0].ok && results[0].reason, 'protocol_error');
  });

  test('invalid filters and out-of-range subscription identifiers are refused per filter', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a');
    const { results } = await broker.subscribe(a.conn, [
      { filter: 'a/#/b', qos: 0 },
      { filter: 'ok/+', qos: 1 },
      { filter: 'x', qos: 0, subscriptionId: 268_435_456 },
    ]);
    assert.deepEqual(results.map((r) => (r.ok ? `ok:${r.qos}` : r.reason)), ['topic_filter_invalid', 'ok:1', 'protocol_error']);
  });

  test('re-subscribing the same filter replaces the subscription (§3.8.4)', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a');
    const first = await broker.subscribe(a.conn, [{ filter: 't', qos: 0, subscriptionId: 1 }]);
    const second = await broker.subscribe(a.conn, [{ filter: 't', qos: 1, subscriptionId: 2 }]);
    assert.deepEqual(first.results[0], { ok: true, qos: 0, existed: false });
    assert.deepEqual(second.results[0], { ok: true, qos: 1, existed: true });
    await broker.publish(null, { topic: 't', payload: text('x'), qos: 1 });
    const ds = a.sink.take();
    assert.equal(ds.length, 1);
    assert.equal(ds[0].qos, 1);
    assert.deepEqual(ds[0].subscriptionIds, [2]);
  });

  test('unsubscribe reports which keys existed (MQTT 0x11) and stops delivery', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a');
    await broker.subscribe(a.conn, [{ filter: 't', qos: 0 }, { filter: 'u/#', qos: 0 }]);
    assert.deepEqual(await broker.unsubscribe(a.conn, ['t', 'nope']), [true, false]);
    await broker.publish(null, { topic: 't', payload: text('1'), qos: 0 });
    await broker.publish(null, { topic: 'u/v', payload: text('2'), qos: 0 });
    assert.deepEqual(a.sink.texts(), ['u/v=2']);
  });

  test('subscriptions per session are bounded (quota_exceeded)', async () => {
    const { broker } = harness({ limits: { maxSubscriptions: 2 } });
    const a = await connect(broker, 'a');
    const { results } = await broker.subscribe(a.conn, [{ filter: 'a', qos: 0 }, { filter: 'b', qos: 0 }, { filter: 'c', qos: 0 }, { filter: 'a', qos: 1 }]);
    assert.deepEqual(results.map((r) => (r.ok ? 'ok' : r.reason)), ['ok', 'ok', 'quota_exceeded', 'ok']);
  });

  test('a throwing sink does not stop delivery to the other subscribers', async () => {
    const { broker } = harness();
    const bad = await connect(broker, 'bad');
    const good = await connect(broker, 'good');
    bad.sink.deliver = () => {
      throw new Error('broken socket');
    };
    await broker.subscribe(bad.conn, [{ filter: 't', qos: 0 }]);
    await broker.subscribe(good.conn, [{ filter: 't', qos: 0 }]);
    await broker.publish(null, { topic: 't', payload: text('x'), qos: 0 });
    assert.deepEqual(good.sink.texts(), ['t=x']);
    assert.equal(broker.stats().dropped.sink_error, 1);
  });

  test('a sink that publishes while taking a delivery (re-entrant fan-out) gets both messages in order', async () => {
    const { broker } = harness();
    const echo = await connect(broker, 'echo');
    const watcher = await connect(broker, 'w');
    const seen: Delivery[] = [];
    echo.sink.deliver = (d) => {
      seen.push(d);
      if (d.message.topic === 'ping') void broker.publish(null, { topic: 'pong', payload: text('back'), qos: 0 });
    };
    await broker.subscribe(echo.conn, [{ filter: 'ping', qos: 0 }]);
    await broker.subscribe(watcher.conn, [{ filter: '#', qos: 0 }]);
    await broker.publish(null, { topic: 'ping', payload: text('go'), qos: 0 });
    await broker.publish(null, { topic: 'fence', payload: text('f'), qos: 0 });
    assert.deepEqual(watcher.sink.texts(), ['ping=go', 'pong=back', 'fence=f']);
  });

  test('message properties travel unchanged, user properties in order with repeats', async () => {
    const { broker } = harness();
    const s = await connect(broker, 's');
    await broker.subscribe(s.conn, [{ filter: 'req', qos: 0 }]);
    const properties = {
      payloadFormatIndicator: 1 as const,
      contentType: 'application/json',
      responseTopic: 'resp/1',
      correlationData: Buffer.from([1, 2, 3]),
      userProperties: [['a', '1'], ['b', '2'], ['a', '3']] as [string, string][],
    };
    await broker.publish(null, { topic: 'req', payload: text('{}'), qos: 0, properties });
    const [d] = s.sink.take();
    assert.deepEqual(d.message.properties, properties);
  });
});
