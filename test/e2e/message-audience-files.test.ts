// A file attached only to restricted messages is as private as they are: its bytes (REST download, Tracim's
// chat-file content) are "not found" for a member outside their audiences, as the messages are; the
// uploader and the audience get it. A file on any unrestricted message stays the space's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, newUser } from '../helpers/server.js';
import { group, post, srv, upload, useChatServer } from './chat-helpers.js';

useChatServer();

const download = (token: string, fid: number) => fetch(`${srv.url}/api/v1/files/${fid}`, { headers: { authorization: `Bearer ${token}` } });
const tracimFile = (token: string, sid: number, fid: number) => api(srv.url, 'GET', `/api/workspaces/${sid}/contents/${1_500_000_000 + fid}`, token);

test('a file attached only to restricted messages: the uploader and the audience download it; other members get 404 on REST and Tracim', async () => {
  const [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((n) => newUser(srv.url, n)));
  const sid = await group(alice, [bob, carol, dave]);
  const secret = await upload(alice, sid, 'plan.txt', 'the secret plan');
  assert.equal(secret.status, 201);
  const fid = secret.body.file.id;
  await post(alice, sid, { content: 'for Bob', attachment_ids: [fid], audience: [bob.id] });

  for (const [who, status] of [[alice, 200], [bob, 200], [carol, 404], [dave, 404]] as const) {
    const res = await download(who.token, fid);
    assert.equal(res.status, status, `${who.username}: REST download`);
    assert.equal(await res.text().then((t) => t === 'the secret plan'), status === 200, `${who.username}: the bytes`);
    assert.equal((await tracimFile(who.token, sid, fid)).status, status, `${who.username}: Tracim chat-file content`);
  }

  // Attached to a second restricted message that names Carol: she gets it too; Dave still does not.
  await post(alice, sid, { content: 'for Carol too', attachment_ids: [fid], audience: [carol.id] });
  assert.equal((await download(carol.token, fid)).status, 200);
  assert.equal((await download(dave.token, fid)).status, 404);

  // A file on an unrestricted message is the space's, even if a restricted one carries it as well.
  const shared = await upload(bob, sid, 'menu.txt', 'lunch');
  await post(bob, sid, { content: 'just us', attachment_ids: [shared.body.file.id], audience: [alice.id] });
  assert.equal((await download(dave.token, shared.body.file.id)).status, 404);
  await post(bob, sid, { content: 'for everyone', attachment_ids: [shared.body.file.id] });
  assert.equal((await download(dave.token, shared.body.file.id)).status, 200);
});
