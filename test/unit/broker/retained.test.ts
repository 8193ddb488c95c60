// Retained messages (MQTT 5 §3.3.1.3): set, replace, clear with an empty payload, delivery on
// subscribe per Retain Handling (§3.8.3.1), RETAIN flag 1 on those, shared subscriptions get none
// (§4.8.2), Message Expiry Interval honoured (§3.3.2.3.3).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, harness, text } from './helpers.js';

describe('retained messages', () => {
  test('a new subscriber gets the last retained message of each matching topic, RETAIN=1', async () => {
    const { broker } = harness();
    await broker.publish(null, { topic: 'dev/1/state', payload: text('on'), qos: 1, retain: true });
    await broker.publish(null, { topic: 'dev/1/state', payload: text('off'), qos: 1, retain: true });
    await broker.publish(null, { topic: 'dev/2/state', payload: text('on'), qos: 0, retain: true });
    await broker.publish(null, { topic: 'dev/3/state', payload: text('live only'), qos: 0 });
    const s = await connect(broker, 's');
    const { results, deliverRetained } = await broker.subscribe(s.conn, [{ filter: 'dev/+/state', qos: 1, subscriptionId: 5 }]);
    assert.ok(results[0].ok);
    assert.equal(s.sink.take().length, 0, 'nothing before deliverRetained (SUBACK goes first)');
    assert.equal(deliverRetained(), 2);
    const ds = s.sink.take().sort((a, b) => a.message.topic.localeCompare(b.message.topic));
    assert.deepEqual(ds.map((d) => `${d.message.topic}=${d.message.payload}`), ['dev/1/state=off', 'dev/2/state=on']);
    assert.ok(ds.every((d) => d.retain), 'RETAIN flag 1 for retained-on-subscribe');
    assert.deepEqual(ds.map((d) => d.qos), [1, 0], 'min(retained QoS, subscription QoS)');
    assert.ok(ds.every((d) => d.subscriptionIds.length === 1 && d.subscriptionIds[0] === 5));
  });

  test('an empty payload clears the retained message, and is itself delivered live', async () => {
    const { broker } = harness();
    const live = await connect(broker, 'live');
    await broker.subscribe(live.conn, [{ filter: 't', qos: 0 }]);
    await broker.publish(null, { topic: 't', payload: text('keep'), qos: 0, retain: true });
    await broker.publish(null, { topic: 't', payload: Buffer.alloc(0), qos: 0, retain: true });
    assert.deepEqual(live.sink.texts(), ['t=keep', 't=']);
    const late = await connect(broker, 'late');
    const { deliverRetained } = await broker.subscribe(late.conn, [{ filter: 't', qos: 0 }]);
    assert.equal(deliverRetained(), 0);
    assert.deepEqual(late.sink.texts(), []);
  });

  test('Retain Handling 0: sent at every subscribe; 1: only if the subscription is new; 2: never', async () => {
    const { broker } = harness();
    await broker.publish(null, { topic: 'r', payload: text('v'), qos: 0, retain: true });
    const s = await connect(broker, 's');
    const count = async (rh: 0 | 1 | 2, key: string) => {
      const o = await broker.subscribe(s.conn, [{ filter: 'r', qos: 0, retainHandling: rh, key }]);
      o.deliverRetained();
      return s.sink.take().length;
    };
    assert.equal(await count(0, 'k0'), 1);
    assert.equal(await count(0, 'k0'), 1, 'rh 0 again: sent again');
    assert.equal(await count(1, 'k1'), 1, 'rh 1, new subscription');
    assert.equal(await count(1, 'k1'), 0, 'rh 1, existing subscription');
    assert.equal(await count(2, 'k2'), 0, 'rh 2');
  });

  test('a shared subscription gets no retained messages (§4.8.2)', async () => {
    const { broker } = harness();
    await broker.publish(null, { topic: 'r', payload: text('v'), qos: 0, retain: true });
    const s = await connect(broker, 's');
    const o = await broker.subscribe(s.conn, [{ filter: '$share/g/r', qos: 0 }]);
    assert.equal(o.deliverRetained(), 0);
  });

  test('$ retained topics are not reached by a leading wildcard (§4.7.2)', async () => {
    const { broker } = harness();
    await broker.publish(null, { topic: '$SYS/uptime', payload: text('5'), qos: 0, retain: true });
    await broker.publish(null, { topic: 'a', payload: text('1'), qos: 0, retain: true });
    const s = await connect(broker, 's');
    (await broker.subscribe(s.conn, [{ filter: '#', qos: 0 }])).deliverRetained();
    assert.deepEqual(s.sink.texts(), ['a=1']);
    (await broker.subscribe(s.conn, [{ filter: '$SYS/#', qos: 0 }])).deliverRetained();
    assert.deepEqual(s.sink.texts(), ['$SYS/uptime=5']);
  });

  test('an expired retained message is not delivered and is removed; a fresh one is', async () => {
    const { broker, store, clock } = harness();
    await broker.publish(null, { topic: 'short', payload: text('x'), qos: 0, retain: true, messageExpiryInterval: 10 });
    await broker.publish(null, { topic: 'long', payload: text('y'), qos: 0, retain: true, messageExpiryInterval: 100 });
    clock.advance(10_000);
    const s = await connect(broker, 's');
    (await broker.subscribe(s.conn, [{ filter: '+', qos: 0 }])).deliverRetained();
    assert.deepEqual(s.sink.texts(), ['long=y']);
    await broker.tick();
    assert.deepEqual((await store.matchRetained('#')).map((m) => m.topic), ['long']);
  });

  test('No Local also holds for the session’s own retained message', async () => {
    const { broker } = harness();
    const a = await connect(broker, 'a');
    await broker.publish(a.conn, { topic: 'mine', payload: text('x'), qos: 0, retain: true });
    (await broker.subscribe(a.conn, [{ filter: 'mine', qos: 0, noLocal: true }])).deliverRetained();
    assert.deepEqual(a.sink.texts(), []);
  });
});
