// Will messages (MQTT 5 §3.1.2.5, §3.1.3.2.2, §3.1.4): published on abnormal disconnect, not on a
// normal DISCONNECT (0x00) but on 0x04, after the Will Delay Interval unless the session reconnects
// first, at session end when that comes earlier, and per §3.1.4 on takeover.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WillInput } from '../../../src/broker/index.js';
import { connect, harness, text, type Harness } from './helpers.js';

const will = (delayInterval?: number): WillInput => ({ topic: 'status/a', payload: text('gone'), qos: 1, retain: false, delayInterval });

async function withWatcher(h: Harness) {
  const w = await connect(h.broker, 'watcher');
  await h.broker.subscribe(w.conn, [{ filter: 'status/#', qos: 1 }]);
  return w;
}

describe('wills', () => {
  test('network failure (publishWill) without delay: published at once', async () => {
    const h = harness();
    const w = await withWatcher(h);
    const a = await connect(h.broker, 'a', { will: will() });
    await h.broker.disconnect(a.conn, { publishWill: true });
    assert.deepEqual(w.sink.texts(), ['status/a=gone']);
  });

  test('normal DISCONNECT (0x00) discards the will; 0x04 (with will) publishes it', async () => {
    const h = harness();
    const w = await withWatcher(h);
    const a = await connect(h.broker, 'a', { will: will(), cleanStart: false, sessionExpiryInterval: 60 });
    await h.broker.disconnect(a.conn, { publishWill: false });
    h.clock.advance(120_000);
    await h.broker.tick();
    assert.deepEqual(w.sink.texts(), []);
    const b = await connect(h.broker, 'b', { will: { ...will(), topic: 'status/b' } });
    await h.broker.disconnect(b.conn, { publishWill: true });
    assert.deepEqual(w.sink.texts(), ['status/b=gone']);
  });

  test('Will Delay: published when the delay passes', async () => {
    const h = harness();
    const w = await withWatcher(h);
    const a = await connect(h.broker, 'a', { will: will(30), cleanStart: false, sessionExpiryInterval: 3600 });
    await h.broker.disconnect(a.conn, { publishWill: true });
    assert.equal(h.broker.session('a')?.willPending, true);
    h.clock.advance(29_999);
    await h.broker.tick();
    assert.deepEqual(w.sink.texts(), []);
    h.clock.advance(1);
    await h.broker.tick();
    assert.deepEqual(w.sink.texts(), ['status/a=gone']);
    assert.equal(h.broker.session('a')?.willPending, false);
    assert.ok(h.broker.session('a'), 'the session itself lives on');
  });

  test('Will Delay: reconnecting within the delay cancels it', async () => {
    const h = harness();
    const w = await withWatcher(h);
    const a = await connect(h.broker, 'a', { will: will(30), cleanStart: false, sessionExpiryInterval: 3600 });
    await h.broker.disconnect(a.conn, { publishWill: true });
    h.clock.advance(10_000);
    const back = await connect(h.broker, 'a', { cleanStart: false, sessionExpiryInterval: 3600 });
    assert.equal(back.present, true);
    h.clock.advance(60_000);
    await h.broker.tick();
    assert.deepEqual(w.sink.texts(), []);
  });

  test('the session ends before the Will Delay: the will is published at session end', async () => {
    const h = harness();
    const w = await withWatcher(h);
    const a = await connect(h.broker, 'a', { will: will(300), cleanStart: false, sessionExpiryInterval: 10 });
    await h.broker.disconnect(a.conn, { publishWill: true });
    h.clock.advance(10_000);
    await h.broker.tick();
    assert.deepEqual(w.sink.texts(), ['status/a=gone']);
    assert.equal(h.broker.session('a'), undefined);
  });

  test('session expiry 0 with a will delay: the session ends at disconnect, so the will goes at once', async () => {
    const h = harness();
    const w = await withWatcher(h);
    const a = await connect(h.broker, 'a', { will: will(300), sessionExpiryInterval: 0 });
    await h.broker.disconnect(a.conn, { publishWill: true });
    assert.deepEqual(w.sink.texts(), ['status/a=gone']);
  });

  test('reconnect with Clean Start while a delayed will waits: the old session ends, the will is published', async () => {
    const h = harness();
    const w = await withWatcher(h);
    const a = await connect(h.broker, 'a', { will: will(300), cleanStart: false, sessionExpiryInterval: 3600 });
    await h.broker.disconnect(a.conn, { publishWill: true });
    await connect(h.broker, 'a', { cleanStart: true, sessionExpiryInterval: 3600 });
    assert.deepEqual(w.sink.texts(), ['status/a=gone']);
  });

  test('takeover (§3.1.4): will with delay 0 is published; with a delay and Clean Start 0 it is not', async () => {
    const h = harness();
    const w = await withWatcher(h);
    await connect(h.broker, 'a', { will: will(0), cleanStart: false, sessionExpiryInterval: 3600 });
    await connect(h.broker, 'a', { will: will(60), cleanStart: false, sessionExpiryInterval: 3600 });
    assert.deepEqual(w.sink.texts(), ['status/a=gone'], 'delay 0: sent at the close of the old connection');
    await connect(h.broker, 'a', { cleanStart: false, sessionExpiryInterval: 3600 });
    h.clock.advance(120_000);
    await h.broker.tick();
    assert.deepEqual(w.sink.texts(), [], 'delay 60 and Clean Start 0: not sent');
  });

  test('takeover with Clean Start 1: the will is sent because the session ends (§3.1.4)', async () => {
    const h = harness();
    const w = await withWatcher(h);
    await connect(h.broker, 'a', { will: will(60), cleanStart: false, sessionExpiryInterval: 3600 });
    await connect(h.broker, 'a', { cleanStart: true, sessionExpiryInterval: 3600 });
    assert.deepEqual(w.sink.texts(), ['status/a=gone']);
  });

  test('a will topic the ACL refuses makes CONNECT fail; an invalid one too', async () => {
    const h = harness({
      acl: {
        authorizeSubscribe: () => ({ allow: true, grants: [] }),
        authorizePublish: (_p, topic) => (topic.startsWith('status/') ? { allow: true, grants: [] } : { allow: false, reason: 'not_authorized', message: 'no' }),
      },
    });
    const sink = { deliver: () => undefined, release: () => undefined, closed: () => undefined, revoked: () => undefined };
    const base = { clientId: 'a', principal: { userId: 1, server: false }, cleanStart: true, sessionExpiryInterval: 0, sink };
    const r1 = await h.broker.connect({ ...base, will: { ...will(), topic: 'secret/x' } });
    assert.equal(!r1.ok && r1.reason, 'not_authorized');
    const r2 = await h.broker.connect({ ...base, will: { ...will(), topic: 'status/+' } });
    assert.equal(!r2.ok && r2.reason, 'topic_name_invalid');
    assert.equal(h.broker.session('a'), undefined);
  });

  test('a delayed will survives a broker restart and is published by the new broker', async () => {
    const h = harness();
    const a = await connect(h.broker, 'a', { will: will(30), cleanStart: false, sessionExpiryInterval: 3600 });
    await h.broker.disconnect(a.conn, { publishWill: true });
    const { Broker, allowAllAcl } = await import('../../../src/broker/index.js');
    const again = new Broker({ store: h.store, acl: allowAllAcl, clock: h.clock.now });
    await again.restore();
    const w = await connect(again, 'watcher');
    await again.subscribe(w.conn, [{ filter: 'status/#', qos: 1 }]);
    h.clock.advance(30_000);
    await again.tick();
    assert.deepEqual(w.sink.texts(), ['status/a=gone']);
  });

  test('will properties and retain are kept; the will is retained when asked', async () => {
    const h = harness();
    const a = await connect(h.broker, 'a', { will: { ...will(), retain: true, properties: { contentType: 'text/plain' }, messageExpiryInterval: 100 } });
    await h.broker.disconnect(a.conn, { publishWill: true });
    const late = await connect(h.broker, 'late');
    (await h.broker.subscribe(late.conn, [{ filter: 'status/a', qos: 1 }])).deliverRetained();
    const [d] = late.sink.take();
    assert.equal(d.message.payload.toString(), 'gone');
    assert.equal(d.message.properties.contentType, 'text/plain');
    assert.equal(d.message.expiresAt, h.clock.t + 100_000);
  });
});
