// The bound on a persistent session's offline queue is the operator's (HERALD_BROKER_MAX_QUEUED_MESSAGES):
// QoS 1 messages published while the session is away are kept up to the bound, in order, and the rest are
// dropped (the new message, never an older QoS 1 one), as docs/broker.md says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newUser, type TestServer } from '../helpers/server.js';
import { connectMqtt, startMqttServer } from './mqtt-harness.js';

let srv: TestServer;
before(async () => {
  srv = await startMqttServer({ HERALD_BROKER_MAX_QUEUED_MESSAGES: '3' });
});
after(async () => {
  await srv.stop();
});

test('a persistent session away keeps the first 3 of 5 QoS 1 messages (HERALD_BROKER_MAX_QUEUED_MESSAGES=3), in order', async () => {
  const [u, p] = [await newUser(srv.url, 'away'), await newUser(srv.url, 'pub')];
  const opts = { username: u.username, password: u.token, clientId: 'bounded', clean: false, properties: { sessionExpiryInterval: 600 } };
  const first = await connectMqtt(srv, 'tcp', opts);
  assert.equal((await first.client.subscribeAsync('public/bounded', { qos: 1 }))[0].qos, 1);
  await first.client.endAsync();

  const publisher = await connectMqtt(srv, 'tcp', { username: p.username, password: p.token });
  for (let i = 1; i <= 5; i++) await publisher.client.publishAsync('public/bounded', `m${i}`, { qos: 1 });
  await publisher.client.endAsync();

  const back = await connectMqtt(srv, 'tcp', opts);
  assert.equal(back.connack?.sessionPresent, true);
  await back.next((m) => m.text === 'm3');
  // Fence: a message published now arrives after whatever was queued; nothing else came before it.
  const again = await connectMqtt(srv, 'tcp', { username: p.username, password: p.token });
  await again.client.publishAsync('public/bounded', 'fence', { qos: 1 });
  await back.next((m) => m.text === 'fence');
  assert.deepEqual(back.frames.map((m) => m.text), ['m1', 'm2', 'm3', 'fence']);
  await again.client.endAsync();
  await back.client.endAsync();
});
