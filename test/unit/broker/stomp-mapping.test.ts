// STOMP destinations and headers ↔ internal topics and properties, and the point of it: a STOMP
// `/topic` SEND reaches an MQTT subscriber of the mapped topic, and an MQTT publish reaches a STOMP
// subscriber, through one broker core.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createMessage,
  messageToStompHeaders,
  queueToStompDestination,
  stompHeadersToMessage,
  stompToAddress,
  topicToStompDestination,
} from '../../../src/broker/index.js';
import { T0, connect, harness, text } from './helpers.js';

describe('STOMP destination mapping', () => {
  test('/topic/{t} ↔ topic {t}, verbatim; dots are ordinary characters', () => {
    assert.deepEqual(stompToAddress('/topic/a/b', 'send'), { kind: 'topic', topic: 'a/b' });
    assert.deepEqual(stompToAddress('/topic/a.b', 'send'), { kind: 'topic', topic: 'a.b' });
    assert.deepEqual(stompToAddress('/topic/a//b/', 'send'), { kind: 'topic', topic: 'a//b/' });
    assert.equal(topicToStompDestination('a/b'), '/topic/a/b');
    assert.equal(topicToStompDestination('a.b'), '/topic/a.b');
  });

  test('/queue/{q} ↔ queue {q}; other destinations name the topic without the leading slash', () => {
    assert.deepEqual(stompToAddress('/queue/jobs/high', 'send'), { kind: 'queue', queue: 'jobs/high' });
    assert.equal(queueToStompDestination('jobs/high'), '/queue/jobs/high');
    assert.deepEqual(stompToAddress('/countries/4/events', 'subscribe'), { kind: 'topic', topic: 'countries/4/events' });
  });

  test('subscriptions: * is one level, a last ** any depth; + and # pass through', () => {
    assert.deepEqual(stompToAddress('/topic/a/*/c', 'subscribe'), { kind: 'topic', topic: 'a/+/c' });
    assert.deepEqual(stompToAddress('/topic/a/**', 'subscribe'), { kind: 'topic', topic: 'a/#' });
    assert.deepEqual(stompToAddress('/topic/a/+/#', 'subscribe'), { kind: 'topic', topic: 'a/+/#' });
    assert.deepEqual(stompToAddress('/topic/a*b', 'subscribe'), { kind: 'topic', topic: 'a*b' }, 'only a whole level is a wildcard');
  });

  test('refusals', () => {
    for (const [dest, op] of [
      ['topic/a', 'send'],
      ['/topic/', 'send'],
      ['/', 'send'],
      ['/queue/', 'subscribe'],
      ['/queue/a/*', 'subscribe'],
      ['/queue/a+', 'send'],
      ['/topic/a/+', 'send'],
      ['/topic/a/#', 'send'],
      ['/topic/**/a', 'subscribe'],
    ] as const) {
      assert.ok('error' in stompToAddress(dest, op), `${dest} (${op})`);
    }
  });
});

describe('STOMP headers ↔ message properties', () => {
  test('SEND headers become properties; frame headers never become user properties', () => {
    const r = stompHeadersToMessage(
      [
        ['destination', '/topic/x'],
        ['content-type', 'application/json'],
        ['content-length', '2'],
        ['correlation-id', 'req-1'],
        ['reply-to', '/topic/answers/1'],
        ['expires', String(T0 + 30_500)],
        ['receipt', '7'],
        ['x-trace', 'abc'],
        ['priority', '5'],
        ['x-trace', 'def'],
      ],
      T0,
    );
    assert.deepEqual(r, {
      properties: {
        contentType: 'application/json',
        correlationData: Buffer.from('req-1'),
        responseTopic: 'answers/1',
        userProperties: [['x-trace', 'abc'], ['priority', '5'], ['x-trace', 'def']],
      },
      messageExpiryInterval: 31,
    });
  });

  test('of repeated frame headers only the first counts (STOMP 1.2)', () => {
    const r = stompHeadersToMessage([['content-type', 'text/plain'], ['content-type', 'application/json']], T0);
    assert.equal(r.properties.contentType, 'text/plain');
  });

  test('a queue reply-to is kept and given back', () => {
    const r = stompHeadersToMessage([['reply-to', '/queue/replies']], T0);
    assert.equal(r.properties.responseTopic, undefined);
    const m = createMessage({ topic: 't', payload: text(''), qos: 0, properties: r.properties }, null, T0);
    assert.deepEqual(messageToStompHeaders(m), [['reply-to', '/queue/replies']]);
  });

  test('message properties become MESSAGE headers', () => {
    const m = createMessage(
      {
        topic: 'a/b',
        payload: text('x'),
        qos: 1,
        messageExpiryInterval: 60,
        properties: { payloadFormatIndicator: 1, correlationData: Buffer.from('c-9'), responseTopic: 'r/1', userProperties: [['k', 'v'], ['subscription', 'spoof'], ['k', 'w']] },
      },
      null,
      T0,
    );
    assert.deepEqual(messageToStompHeaders(m), [
      ['content-type', 'text/plain;charset=utf-8'],
      ['correlation-id', 'c-9'],
      ['reply-to', '/topic/r/1'],
      ['expires', String(T0 + 60_000)],
      ['k', 'v'],
      ['k', 'w'],
    ]);
  });
});

describe('one broker, two protocols', () => {
  test('a STOMP /topic SEND reaches an MQTT subscriber of the mapped topic, and back', async () => {
    const { broker, clock } = harness();
    const mqtt = await connect(broker, 'mqtt-client');
    const stomp = await connect(broker, 'stomp-1', { overlap: 'each' });
    await broker.subscribe(mqtt.conn, [{ filter: 'chat/+/messages', qos: 1, subscriptionId: 4 }]);
    const sub = stompToAddress('/topic/chat/*/messages', 'subscribe');
    assert.ok('kind' in sub && sub.kind === 'topic');
    await broker.subscribe(stomp.conn, [{ filter: sub.topic, qos: 0, key: 'stomp-sub-0', retainHandling: 2 }]);

    // STOMP SEND → MQTT
    const dest = stompToAddress('/topic/chat/42/messages', 'send');
    assert.ok('kind' in dest && dest.kind === 'topic');
    const inbound = stompHeadersToMessage([['content-type', 'text/plain'], ['x-from', 'stomp']], clock.t);
    await broker.publish(stomp.conn, { topic: dest.topic, payload: text('hello from STOMP'), qos: 1, ...inbound });
    const [toMqtt] = mqtt.sink.take();
    assert.equal(toMqtt.message.topic, 'chat/42/messages');
    assert.equal(toMqtt.message.payload.toString(), 'hello from STOMP');
    assert.equal(toMqtt.message.properties.contentType, 'text/plain');
    assert.deepEqual(toMqtt.message.properties.userProperties, [['x-from', 'stomp']]);
    assert.deepEqual(toMqtt.subscriptionIds, [4]);
    assert.equal(toMqtt.qos, 1);
    const [echo] = stomp.sink.take();
    assert.equal(echo.key, 'stomp-sub-0', 'the STOMP subscriber sees its own SEND (no No Local in STOMP)');

    // MQTT PUBLISH → STOMP
    await broker.publish(mqtt.conn, { topic: 'chat/7/messages', payload: text('hello from MQTT'), qos: 1, properties: { contentType: 'application/json' } });
    const [toStomp] = stomp.sink.take();
    assert.equal(toStomp.key, 'stomp-sub-0');
    assert.equal(topicToStompDestination(toStomp.message.topic), '/topic/chat/7/messages');
    assert.equal(toStomp.message.payload.toString(), 'hello from MQTT');
    assert.deepEqual(messageToStompHeaders(toStomp.message), [['content-type', 'application/json']]);
  });
});
