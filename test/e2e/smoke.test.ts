import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, api, NativeClient } from '../helpers/server.js';

test('a member receives a message posted by another member over the native WebSocket', async () => {
  const srv = await startTestServer();
  try {
    const alice = await newUser(srv.url, 'alice');
    const bob = await newUser(srv.url, 'bob');
    const space = await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', alice.token, { name: 'general', member_ids: [bob.id] });
    assert.equal(space.status, 201);
    const ws = await NativeClient.connect(srv.url, bob.token);
    const posted = await api<{ message: { id: number } }>(srv.url, 'POST', `/api/v1/spaces/${space.body.space.id}/messages`, alice.token, { content: 'hello @' + bob.username });
    assert.equal(posted.status, 201);
    const f = await ws.next((x) => x.type === 'message.created');
    assert.equal((f.data.message as { content: string }).content, 'hello @' + bob.username);
    assert.equal(typeof f.id, 'number');
    const alert = await ws.next((x) => x.type === 'alert.created');
    assert.equal((alert.data.alert as { kind: string }).kind, 'mention');
    await ws.close();
  } finally {
    await srv.stop();
  }
});
