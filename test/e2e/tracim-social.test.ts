// Table rows tag, content_tag, workspace_subscription and user_call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { API_KEY, api, assertContent, assertFields, assertUser, assertWorkspace, expectTlm, world, ISO_MS } from './tracim-helpers.js';

test('tracim tag (same receivers as the workspace) and content_tag (space members)', async () => {
  const srv = await startTestServer();
  const w = await world(srv);
  try {
    const { alice, bob } = w;
    const wid = (await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'tagged' })).body.workspace_id;
    await api(srv.url, 'POST', `/api/workspaces/${wid}/members`, alice.token, { user_id: bob.id, role: 'contributor' });
    await expectTlm(w, (t) => t.event_type === 'workspace_member.created', ['admin', 'alice', 'bob']);
    const base = `/api/workspaces/${wid}`;

    const tag = await api<{ tag_id: number }>(srv.url, 'POST', `${base}/tags`, bob.token, { tag_name: 'urgent' });
    assert.equal(tag.status, 200, JSON.stringify(tag.body));
    const cr = await expectTlm(w, (t) => t.event_type === 'tag.created', ['admin', 'alice', 'bob']);
    assertFields(cr, ['author', 'workspace', 'tag']);
    assert.deepEqual(cr.fields.tag, { tag_name: 'urgent', tag_id: tag.body.tag_id, workspace_id: wid });
    assertUser(cr.fields.author, bob.id);
    assertWorkspace(cr.fields.workspace, wid);

    assert.equal((await api(srv.url, 'PUT', `${base}/tags/${tag.body.tag_id}`, bob.token, { tag_name: 'x' })).status, 403);
    await api(srv.url, 'PUT', `${base}/tags/${tag.body.tag_id}`, alice.token, { tag_name: 'very urgent' });
    const md = await expectTlm(w, (t) => t.event_type === 'tag.modified', ['admin', 'alice', 'bob']);
    assert.equal(md.fields.tag.tag_name, 'very urgent');

    // content_tag
    const note = (await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents`, alice.token, { content_type: 'html-document', label: 'N' })).body.content_id;
    await api(srv.url, 'POST', `${base}/contents/${note}/tags`, bob.token, { tag_id: tag.body.tag_id });
    const ct = await expectTlm(w, (t) => t.event_type === 'content_tag.created', ['alice', 'bob']);
    assertFields(ct, ['author', 'workspace', 'tag', 'content']);
    assert.equal(ct.fields.tag.tag_id, tag.body.tag_id);
    assertContent(ct.fields.content, 'html-document');
    assert.equal((await api(srv.url, 'DELETE', `${base}/contents/${note}/tags/${tag.body.tag_id}`, bob.token)).status, 204);
    const cd = await expectTlm(w, (t) => t.event_type === 'content_tag.deleted', ['alice', 'bob']);
    assert.equal(cd.fields.content.content_id, note);

    // tag by name on an open workspace: tag.created reaches everyone, content_tag only members
    await api(srv.url, 'PUT', base, alice.token, { access_type: 'open' });
    await api(srv.url, 'POST', `${base}/contents/${note}/tags`, API_KEY, { tag_name: 'fresh' });
    const fresh = await expectTlm(w, (t) => t.event_type === 'tag.created' && t.fields.tag.tag_name === 'fresh', ['admin', 'alice', 'bob', 'carol']);
    assert.equal(fresh.fields.author, null);
    await expectTlm(w, (t) => t.event_type === 'content_tag.created' && t.fields.tag.tag_name === 'fresh', ['alice', 'bob']);

    await api(srv.url, 'DELETE', `${base}/tags/${tag.body.tag_id}`, alice.token);
    const del = await expectTlm(w, (t) => t.event_type === 'tag.deleted', ['admin', 'alice', 'bob', 'carol']);
    assert.equal(del.fields.tag.tag_id, tag.body.tag_id);
  } finally {
    w.close();
    await srv.stop();
  }
});

test('tracim workspace_subscription: pending, rejected, accepted reach administrators, the author and the managers', async () => {
  const srv = await startTestServer();
  const w = await world(srv);
  try {
    const { alice, bob, carol } = w;
    const wid = (await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'club', access_type: 'on_request' })).body.workspace_id;
    await api(srv.url, 'POST', `/api/workspaces/${wid}/members`, alice.token, { user_id: bob.id, role: 'contributor' });
    await expectTlm(w, (t) => t.event_type === 'workspace_member.created', ['admin', 'alice', 'bob']);
    const to = ['admin', 'carol', 'alice'] as const; // bob is a member but not a manager

    const sub = await api(srv.url, 'PUT', `/api/users/${carol.id}/workspace_subscriptions`, carol.token, { workspace_id: wid });
    assert.equal(sub.status, 200, JSON.stringify(sub.body));
    const cr = await expectTlm(w, (t) => t.event_type === 'workspace_subscription.created', [...to]);
    assertFields(cr, ['author', 'workspace', 'subscription', 'user']);
    const s = cr.fields.subscription;
    assert.equal(s.state, 'pending');
    assert.match(s.created_date, ISO_MS);
    assertWorkspace(s.workspace, wid);
    assert.equal(s.author.user_id, carol.id);
    assert.equal(typeof s.author.public_name, 'string');
    assert.equal(typeof s.author.username, 'string');
    assert.equal(s.evaluation_date, null);
    assert.equal(s.evaluator, null);
    assertUser(cr.fields.author, carol.id);
    assertUser(cr.fields.user, carol.id);
    assert.equal((await api(srv.url, 'PUT', `/api/users/${carol.id}/workspace_subscriptions`, carol.token, { workspace_id: wid })).status, 409);

    // withdraw → deleted
    assert.equal((await api(srv.url, 'DELETE', `/api/users/${carol.id}/workspace_subscriptions/${wid}`, carol.token)).status, 204);
    await expectTlm(w, (t) => t.event_type === 'workspace_subscription.deleted', [...to]);

    // again, then rejected by a manager
    await api(srv.url, 'PUT', `/api/users/${carol.id}/workspace_subscriptions`, carol.token, { workspace_id: wid });
    await expectTlm(w, (t) => t.event_type === 'workspace_subscription.created' && t.event_id > cr.event_id, [...to]);
    assert.equal((await api(srv.url, 'PUT', `/api/workspaces/${wid}/subscriptions/${carol.id}/reject`, bob.token)).status, 403);
    assert.equal((await api(srv.url, 'PUT', `/api/workspaces/${wid}/subscriptions/${carol.id}/reject`, alice.token)).status, 200);
    const rej = await expectTlm(w, (t) => t.event_type === 'workspace_subscription.modified' && t.fields.subscription.state === 'rejected', [...to]);
    assert.equal(rej.fields.subscription.evaluator.user_id, alice.id);
    assert.match(rej.fields.subscription.evaluation_date, ISO_MS);

    // renewed (pending again), then accepted: carol joins
    await api(srv.url, 'PUT', `/api/users/${carol.id}/workspace_subscriptions`, carol.token, { workspace_id: wid });
    await expectTlm(w, (t) => t.event_type === 'workspace_subscription.modified' && t.fields.subscription.state === 'pending', [...to]);
    assert.equal((await api(srv.url, 'PUT', `/api/workspaces/${wid}/subscriptions/${carol.id}/accept`, alice.token, { role: 'contributor' })).status, 200);
    const acc = await expectTlm(w, (t) => t.event_type === 'workspace_subscription.modified' && t.fields.subscription.state === 'accepted', [...to]);
    assertUser(acc.fields.author, alice.id);
    const joined = await expectTlm(w, (t) => t.event_type === 'workspace_member.created' && t.fields.user.user_id === carol.id, ['admin', 'alice', 'bob', 'carol']);
    assert.equal(joined.fields.member.role, 'contributor');
  } finally {
    w.close();
    await srv.stop();
  }
});

test('tracim user_call: created, state changes and deletion reach only caller and callee; user is the callee', async () => {
  const srv = await startTestServer();
  const w = await world(srv);
  try {
    const { alice, carol } = w;
    const call = await api<{ call_id: number }>(srv.url, 'POST', `/api/users/${alice.id}/outgoing_calls`, alice.token, { callee_id: carol.id });
    assert.equal(call.status, 200, JSON.stringify(call.body));
    const cr = await expectTlm(w, (t) => t.event_type === 'user_call.created', ['alice', 'carol']);
    assertFields(cr, ['author', 'user_call', 'user']);
    const c = cr.fields.user_call;
    assert.equal(c.call_id, call.body.call_id);
    for (const [who, u] of [
      [alice.id, c.caller],
      [carol.id, c.callee],
    ]) {
      assert.equal(u.user_id, who);
      assert.equal(typeof u.public_name, 'string');
      assert.equal(typeof u.username, 'string');
      assert.equal(typeof u.has_avatar, 'boolean');
      assert.equal(typeof u.has_cover, 'boolean');
    }
    assert.equal(c.state, 'in_progress');
    assert.equal(typeof c.created, 'string');
    assert.equal(typeof c.modified, 'string');
    assert.match(c.url, /^https:\/\//);
    assertUser(cr.fields.user, carol.id);
    assertUser(cr.fields.author, alice.id);

    assert.equal((await api(srv.url, 'PUT', `/api/users/${carol.id}/incoming_calls/${call.body.call_id}/state`, alice.token, { state: 'accepted' })).status, 403);
    assert.equal((await api(srv.url, 'PUT', `/api/users/${carol.id}/incoming_calls/${call.body.call_id}/state`, carol.token, { state: 'accepted' })).status, 200);
    const md = await expectTlm(w, (t) => t.event_type === 'user_call.modified', ['alice', 'carol']);
    assert.equal(md.fields.user_call.state, 'accepted');
    assertUser(md.fields.user, carol.id);
    assertUser(md.fields.author, carol.id);

    const call2 = await api<{ call_id: number }>(srv.url, 'POST', `/api/users/${alice.id}/outgoing_calls`, alice.token, { callee_id: carol.id });
    await api(srv.url, 'PUT', `/api/users/${alice.id}/outgoing_calls/${call2.body.call_id}/state`, alice.token, { state: 'cancelled' });
    const cancel = await expectTlm(w, (t) => t.event_type === 'user_call.modified' && t.fields.user_call.state === 'cancelled', ['alice', 'carol']);
    assertUser(cancel.fields.user, carol.id);

    assert.equal((await api(srv.url, 'DELETE', `/api/users/${alice.id}/outgoing_calls/${call.body.call_id}`, alice.token)).status, 204);
    const del = await expectTlm(w, (t) => t.event_type === 'user_call.deleted', ['alice', 'carol']);
    assert.equal(del.fields.user_call.call_id, call.body.call_id);
  } finally {
    w.close();
    await srv.stop();
  }
});
