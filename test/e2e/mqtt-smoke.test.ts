// temporary smoke
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newUser, type TestServer } from '../helpers/server.js';
import { dinoClient, eventTopic, group, post, startMqttServer, TRANSPORTS } from './mqtt-harness.js';

let srv: TestServer;
before(async () => { srv = await startMqttServer(); });
after(async () => { await srv.stop(); });

for (const t of TRANSPORTS) test(`smoke ${t}`, async () => {
  const alice = await newUser(srv.url, 'alice');
  const bob = await newUser(srv.url, 'bob');
  const g = await group(srv.url, alice, [bob]);
  const b = await dinoClient(srv, bob, t);
  await post(srv.url, alice, g.id, 'hello');
  const m = await b.json(eventTopic(bob), (j) => j.event_type === 'message');
  assert.equal(m.message_payload, 'hello');
  await b.end();
});
