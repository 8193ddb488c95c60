// Table rows user, workspace and workspace_member: each action over HTTP, received by exactly the
// document's receivers through real SSE clients, with the document's fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { API_KEY, api, assertFields, assertUser, assertWorkspace, expectTlm, world } from './tracim-helpers.js';

test('tracim user: created / modified / deleted / undeleted reach administrators, the user and users sharing a space', async () => {
  const srv = await startTestServer();
  const w = await world(srv);
  try {
    const { alice, bob, carol } = w;
    // bob shares a space with alice; carol shares none.
    const wid = (await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'shared' })).body.workspace_id;
    await api(srv.url, 'POST', `/api/workspaces/${wid}/members`, alice.token, { user_id: bob.id });
    await expectTlm(w, (t) => t.event_type === 'workspace_member.created', ['admin', 'alice', 'bob']);

    // user.created with the server API key: author null (the "tracimcli" case); administrators receive it.
    const created = await api<{ user_id: number }>(srv.url, 'POST', '/api/users', API_KEY, { email: 'dave@example.test', password: 'correct horse battery', public_name: 'Dave', username: 'dave' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const cr = await expectTlm(w, (t) => t.event_type === 'user.created' && t.fields.user.user_id === created.body.user_id, ['admin']);
    assertFields(cr, ['author', 'user']);
    assert.equal(cr.fields.author, null);
    assertUser(cr.fields.user, created.body.user_id);
    assert.equal(cr.fields.user.public_name, 'Dave');

    // user.modified by the user themself
    const md = await api(srv.url, 'PUT', `/api/users/${alice.id}`, alice.token, { public_name: 'Alice Liddell' });
    assert.equal(md.status, 200);
    const mod = await expectTlm(w, (t) => t.event_type === 'user.modified' && t.fields.user.user_id === alice.id, ['admin', 'alice', 'bob']);
    assertUser(mod.fields.author, alice.id);
    assert.equal(mod.fields.user.public_name, 'Alice Liddell');

    // user.modified with the API key: author null
    await api(srv.url, 'PUT', `/api/users/${bob.id}`, API_KEY, { public_name: 'Bobby' });
    const mod2 = await expectTlm(w, (t) => t.event_type === 'user.modified' && t.fields.user.user_id === bob.id, ['admin', 'alice', 'bob']);
    assert.equal(mod2.fields.author, null);

    // user.deleted / undeleted by an administrator (carol alone: admin and carol herself)
    assert.equal((await api(srv.url, 'PUT', `/api/users/${carol.id}/trashed`, carol.token)).status, 403);
    assert.equal((await api(srv.url, 'PUT', `/api/users/${bob.id}/trashed`, w.admin.token)).status, 204);
    const del = await expectTlm(w, (t) => t.event_type === 'user.deleted', ['admin', 'alice', 'bob']);
    assertUser(del.fields.user, bob.id);
    assert.equal(del.fields.user.is_deleted, true);
    assertUser(del.fields.author, w.admin.id);
    assert.equal((await api(srv.url, 'PUT', `/api/users/${bob.id}/trashed/restore`, API_KEY)).status, 204);
    const und = await expectTlm(w, (t) => t.event_type === 'user.undeleted', ['admin', 'alice', 'bob']);
    assert.equal(und.fields.user.is_deleted, false);
    assert.equal(und.fields.author, null);
  } finally {
    w.close();
    await srv.stop();
  }
});

test('tracim workspace: confidential → members (and administrators); open and on-request → all users', async () => {
  const srv = await startTestServer();
  const w = await world(srv);
  try {
    const { alice, bob } = w;
    const conf = await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'Secret', description: 'hush' });
    assert.equal(conf.status, 200);
    const wid = conf.body.workspace_id;
    const cr = await expectTlm(w, (t) => t.event_type === 'workspace.created' && t.fields.workspace.workspace_id === wid, ['admin', 'alice']);
    assertFields(cr, ['author', 'workspace']);
    assertUser(cr.fields.author, alice.id);
    assertWorkspace(cr.fields.workspace, wid);
    assert.equal(cr.fields.workspace.label, 'Secret');
    assert.equal(cr.fields.workspace.is_deleted, false);

    await api(srv.url, 'POST', `/api/workspaces/${wid}/members`, alice.token, { user_id: bob.id, role: 'reader' });
    await api(srv.url, 'PUT', `/api/workspaces/${wid}`, alice.token, { label: 'Secret 2' });
    const md = await expectTlm(w, (t) => t.event_type === 'workspace.modified' && t.fields.workspace.label === 'Secret 2', ['admin', 'alice', 'bob']);
    assertWorkspace(md.fields.workspace, wid);

    // access mode change to open: now every user learns about it
    await api(srv.url, 'PUT', `/api/workspaces/${wid}`, alice.token, { access_type: 'open' });
    const open = await expectTlm(w, (t) => t.event_type === 'workspace.modified' && t.fields.workspace.access_type === 'open', ['admin', 'alice', 'bob', 'carol']);
    assertWorkspace(open.fields.workspace, wid);

    // an on-request space created by the server API key: all users, author null
    const onreq = await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', API_KEY, { label: 'Ask me', access_type: 'on_request' });
    const cr2 = await expectTlm(w, (t) => t.event_type === 'workspace.created' && t.fields.workspace.workspace_id === onreq.body.workspace_id, ['admin', 'alice', 'bob', 'carol']);
    assert.equal(cr2.fields.author, null);

    // delete / undelete (confidential again first)
    await api(srv.url, 'PUT', `/api/workspaces/${wid}`, alice.token, { access_type: 'confidential' });
    await expectTlm(w, (t) => t.event_type === 'workspace.modified' && t.event_id > open.event_id && t.fields.workspace.access_type === 'confidential', ['admin', 'alice', 'bob']);
    assert.equal((await api(srv.url, 'PUT', `/api/workspaces/${wid}/trashed`, alice.token)).status, 204);
    const del = await expectTlm(w, (t) => t.event_type === 'workspace.deleted', ['admin', 'alice', 'bob']);
    assert.equal(del.fields.workspace.is_deleted, true);
    assert.equal((await api(srv.url, 'PUT', `/api/workspaces/${wid}/trashed/restore`, bob.token)).status, 404);
    assert.equal((await api(srv.url, 'PUT', `/api/workspaces/${wid}/trashed/restore`, alice.token)).status, 200);
    const und = await expectTlm(w, (t) => t.event_type === 'workspace.undeleted', ['admin', 'alice', 'bob']);
    assert.equal(und.fields.workspace.is_deleted, false);
    assertUser(und.fields.author, alice.id);
  } finally {
    w.close();
    await srv.stop();
  }
});

test('tracim workspace_member: add, role change, remove reach administrators, the member and the space members', async () => {
  const srv = await startTestServer();
  const w = await world(srv);
  try {
    const { alice, bob, carol } = w;
    const wid = (await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'team' })).body.workspace_id;
    await expectTlm(w, (t) => t.event_type === 'workspace.created', ['admin', 'alice']);
    const add = await api(srv.url, 'POST', `/api/workspaces/${wid}/members`, alice.token, { user_id: bob.id, role: 'contributor' });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    const cr = await expectTlm(w, (t) => t.event_type === 'workspace_member.created', ['admin', 'alice', 'bob']);
    assertFields(cr, ['author', 'user', 'workspace', 'member']);
    assertUser(cr.fields.author, alice.id);
    assertUser(cr.fields.user, bob.id);
    assertWorkspace(cr.fields.workspace, wid);
    assert.equal(cr.fields.member.role, 'contributor');
    assert.equal(typeof cr.fields.member.email_notification_type, 'string');

    await api(srv.url, 'PUT', `/api/workspaces/${wid}/members/${bob.id}`, alice.token, { role: 'reader' });
    const md = await expectTlm(w, (t) => t.event_type === 'workspace_member.modified', ['admin', 'alice', 'bob']);
    assert.equal(md.fields.member.role, 'reader');
    assertUser(md.fields.user, bob.id);

    await api(srv.url, 'DELETE', `/api/workspaces/${wid}/members/${bob.id}`, alice.token);
    const del = await expectTlm(w, (t) => t.event_type === 'workspace_member.deleted', ['admin', 'alice', 'bob']);
    assertUser(del.fields.user, bob.id);

    // After removal bob no longer receives the space's events; carol never did.
    await api(srv.url, 'PUT', `/api/workspaces/${wid}`, alice.token, { description: 'after' });
    await expectTlm(w, (t) => t.event_type === 'workspace.modified', ['admin', 'alice']);
    void carol;
  } finally {
    w.close();
    await srv.stop();
  }
});
