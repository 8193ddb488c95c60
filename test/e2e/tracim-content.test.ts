// Table rows content (every sub-type × copied/created/deleted/modified/moved/undeleted), mention and
// reaction: each action over HTTP, exactly the space members receive it (mentions: the mentioned).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { API_KEY, api, assertContent, assertFields, assertUser, assertWorkspace, expectTlm, world, type Tlm, type World } from './tracim-helpers.js';

async function teamSpace(w: World): Promise<number> {
  const wid = (await api<{ workspace_id: number }>(w.srv.url, 'POST', '/api/workspaces', w.alice.token, { label: 'content space' })).body.workspace_id;
  await api(w.srv.url, 'POST', `/api/workspaces/${wid}/members`, w.alice.token, { user_id: w.bob.id, role: 'contributor' });
  await expectTlm(w, (t) => t.event_type === 'workspace_member.created', ['admin', 'alice', 'bob']);
  return wid;
}

async function upload(base: string, token: string, wid: number, name: string, body: string, type: string, parentId?: number) {
  const form = new FormData();
  if (parentId !== undefined) form.append('parent_id', String(parentId));
  form.append('files', new Blob([body], { type }), name);
  const res = await fetch(`${base}/api/workspaces/${wid}/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const MEMBERS = ['alice', 'bob'] as const;

test('tracim content: every sub-type is created, modified, deleted and undeleted; space members only receive it', async () => {
  const srv = await startTestServer();
  const w = await world(srv);
  try {
    const wid = await teamSpace(w);
    const base = `/api/workspaces/${wid}`;
    const folder = await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents`, w.alice.token, { content_type: 'folder', label: 'Docs' });
    assert.equal(folder.status, 200, JSON.stringify(folder.body));
    const thread = await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents`, w.bob.token, { content_type: 'thread', label: 'Topic', parent_id: folder.body.content_id });
    const note = await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents`, w.alice.token, { content_type: 'html-document', label: 'Note', raw_content: '<p>hi</p>' });
    const kanban = await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents`, w.alice.token, { content_type: 'kanban', label: 'Board', raw_content: '{"columns":[]}' });
    const file = await upload(srv.url, w.alice.token, wid, 'report.txt', 'hello file', 'text/plain', folder.body.content_id);
    assert.equal(file.status, 200, JSON.stringify(file.body));
    const comment = await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents/${thread.body.content_id}/comments`, w.alice.token, { raw_content: 'first!' });
    const todo = await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents/${note.body.content_id}/todos`, w.alice.token, { raw_content: 'do it', assignee_id: w.bob.id });
    assert.equal(todo.status, 200, JSON.stringify(todo.body));

    const ids: Record<string, number> = {
      folder: folder.body.content_id,
      thread: thread.body.content_id,
      'html-document': note.body.content_id,
      kanban: kanban.body.content_id,
      file: file.body.content_id as number,
      comment: comment.body.content_id,
      todo: todo.body.content_id,
    };
    for (const [type, id] of Object.entries(ids)) {
      const t = await expectTlm(w, (x) => x.event_type === `content.created.${type}` && x.fields.content.content_id === id, [...MEMBERS]);
      assertFields(t, ['author', 'workspace', 'content']);
      assertWorkspace(t.fields.workspace, wid);
      assertContent(t.fields.content, type);
      assertUser(t.fields.author, type === 'thread' ? w.bob.id : w.alice.id);
    }
    const createdFile = w.clients.alice.frames.find((t) => t.event_type === 'content.created.file')!;
    assert.equal(createdFile.fields.content.mimetype, 'text/plain');
    assert.equal(createdFile.fields.content.size, 10);
    assert.equal(createdFile.fields.content.filename, 'report.txt');
    assert.equal(createdFile.fields.content.parent_id, folder.body.content_id);
    const createdKanban = w.clients.alice.frames.find((t) => t.event_type === 'content.created.kanban')!;
    assert.equal(createdKanban.fields.content.size, '{"columns":[]}'.length);
    const createdTodo = w.clients.bob.frames.find((t) => t.event_type === 'content.created.todo')!;
    assert.equal(createdTodo.fields.content.assignee_id, String(w.bob.id));
    assert.equal(createdTodo.fields.content.parent_label, 'Note');
    // (the chat's bot messages are comments of the workspace's chat thread too: pick this one)
    const createdComment = w.clients.bob.frames.find((t) => t.event_type === 'content.created.comment' && t.fields.content.content_id === ids.comment)!;
    assert.equal(createdComment.fields.content.parent_id, thread.body.content_id);
    assert.equal(createdComment.fields.content.author.user_id, w.alice.id);

    // modified: label/raw_content, todo status, comment text, file new revision
    const rev0 = (await api<Tlm['fields']>(srv.url, 'GET', `${base}/contents/${ids['html-document']}`, w.bob.token)).body.current_revision_id as number;
    for (const type of ['folder', 'thread', 'html-document', 'kanban', 'file']) {
      const r = await api(srv.url, 'PUT', `${base}/contents/${ids[type]}`, w.bob.token, { label: `${type} v2`, ...(type === 'kanban' ? { raw_content: '{"columns":[1]}' } : {}) });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const t = await expectTlm(w, (x) => x.event_type === `content.modified.${type}`, [...MEMBERS]);
      assertContent(t.fields.content, type);
      assert.equal(t.fields.content.label, `${type} v2`);
      assert.equal(t.fields.content.current_revision_type, 'edition');
      assertUser(t.fields.author, w.bob.id);
    }
    const noteMod = w.clients.alice.ofType('content.modified.html-document')[0];
    assert.ok(noteMod.fields.content.current_revision_id > rev0);
    const revs = await api<{ revision_id: number; revision_type: string }[]>(srv.url, 'GET', `${base}/contents/${ids['html-document']}/revisions`, w.bob.token);
    assert.deepEqual(revs.body.map((r) => r.revision_type), ['creation', 'edition']);
    assert.equal(revs.body[revs.body.length - 1].revision_id, noteMod.fields.content.current_revision_id);
    assert.equal(w.clients.bob.ofType('content.modified.kanban')[0].fields.content.size, '{"columns":[1]}'.length);

    await api(srv.url, 'PUT', `${base}/contents/${ids.thread}/comments/${ids.comment}`, w.alice.token, { raw_content: 'edited' });
    const cm = await expectTlm(w, (x) => x.event_type === 'content.modified.comment', [...MEMBERS]);
    assert.equal(cm.fields.content.raw_content, 'edited');
    assertContent(cm.fields.content, 'comment');
    await api(srv.url, 'PUT', `${base}/contents/${ids['html-document']}/todos/${ids.todo}`, w.bob.token, { status: 'closed-validated' });
    const td = await expectTlm(w, (x) => x.event_type === 'content.modified.todo', [...MEMBERS]);
    assert.equal(td.fields.content.status, 'closed-validated');
    assertContent(td.fields.content, 'todo');

    // deleted / undeleted for every type (the server API key: author null)
    for (const [type, id] of Object.entries(ids)) {
      const key = type === 'thread' ? API_KEY : w.alice.token;
      assert.equal((await api(srv.url, 'PUT', `${base}/contents/${id}/trashed`, key)).status, 204);
      const d = await expectTlm(w, (x) => x.event_type === `content.deleted.${type}`, [...MEMBERS]);
      assertContent(d.fields.content, type);
      if (type === 'thread') assert.equal(d.fields.author, null);
      if (type !== 'comment' && type !== 'todo') assert.equal(d.fields.content.is_deleted, true);
      assert.equal((await api(srv.url, 'PUT', `${base}/contents/${id}/trashed/restore`, w.alice.token)).status, 204);
      const u = await expectTlm(w, (x) => x.event_type === `content.undeleted.${type}`, [...MEMBERS]);
      assertContent(u.fields.content, type);
    }
  } finally {
    w.close();
    await srv.stop();
  }
});

test('tracim content: moved and copied (each movable sub-type) reach space members', async () => {
  const srv = await startTestServer();
  const w = await world(srv);
  try {
    const wid = await teamSpace(w);
    const base = `/api/workspaces/${wid}`;
    const folder = (await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents`, w.alice.token, { content_type: 'folder', label: 'Target' })).body.content_id;
    const made: Record<string, number> = {};
    for (const type of ['thread', 'html-document', 'folder', 'kanban']) {
      made[type] = (await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents`, w.alice.token, { content_type: type, label: `m-${type}` })).body.content_id;
    }
    made.file = (await upload(srv.url, w.alice.token, wid, 'data.csv', 'a,b\n1,2\n', 'text/csv')).body.content_id as number;
    for (const [type, id] of Object.entries(made)) {
      const r = await api(srv.url, 'PUT', `${base}/contents/${id}/move`, w.bob.token, { new_parent_id: folder });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const mv = await expectTlm(w, (x) => x.event_type === `content.moved.${type}`, [...MEMBERS]);
      assertContent(mv.fields.content, type);
      assert.equal(mv.fields.content.parent_id, folder);
      assert.equal(mv.fields.content.current_revision_type, 'move');
      assertUser(mv.fields.author, w.bob.id);

      const c = await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents/${id}/copy`, w.bob.token, { new_label: `copy of ${type}`, new_parent_id: null });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      const co = await expectTlm(w, (x) => x.event_type === `content.copied.${type}`, [...MEMBERS]);
      assertContent(co.fields.content, type);
      assert.equal(co.fields.content.content_id, c.body.content_id);
      assert.notEqual(co.fields.content.content_id, id);
      assert.equal(co.fields.content.label, `copy of ${type}`);
      assert.equal(co.fields.content.parent_id, null);
      if (type === 'file') assert.deepEqual([co.fields.content.mimetype, co.fields.content.size], ['text/csv', 8]);
    }
    // a folder cannot move into itself; comments do not move alone
    assert.equal((await api(srv.url, 'PUT', `${base}/contents/${folder}/move`, w.bob.token, { new_parent_id: folder })).status, 400);
    assert.equal((await api(srv.url, 'PUT', `${base}/contents/${folder}/move`, w.carol.token, { new_parent_id: null })).status, 404);
  } finally {
    w.close();
    await srv.stop();
  }
});

test('tracim mention: only the mentioned user, every member for @all; reaction: space members', async () => {
  const srv = await startTestServer();
  const w = await world(srv);
  try {
    const wid = await teamSpace(w);
    const base = `/api/workspaces/${wid}`;
    const note = (await api<{ content_id: number }>(srv.url, 'POST', `${base}/contents`, w.alice.token, { content_type: 'html-document', label: 'Plan' })).body.content_id;
    await api(srv.url, 'POST', `${base}/contents/${note}/comments`, w.alice.token, { raw_content: `<p>ping @${w.bob.username} and @${w.carol.username}</p>` });
    const m = await expectTlm(w, (t) => t.event_type === 'mention.created', ['bob']);
    assertFields(m, ['author', 'workspace', 'content', 'mention']);
    assert.equal(m.fields.mention.recipient, w.bob.username);
    assertUser(m.fields.author, w.alice.id);
    assertContent(m.fields.content, 'comment');
    assertWorkspace(m.fields.workspace, wid);

    // a note mentioning @all: every member (author included)
    await api(srv.url, 'PUT', `${base}/contents/${note}`, w.bob.token, { raw_content: '<p>hello @all</p>' });
    const all = await expectTlm(w, (t) => t.event_type === 'mention.created' && t.fields.mention.recipient === 'all', [...MEMBERS]);
    assertContent(all.fields.content, 'html-document');
    // an unchanged mention is not repeated on edit
    await api(srv.url, 'PUT', `${base}/contents/${note}`, w.bob.token, { raw_content: '<p>hello again @all</p>' });
    await expectTlm(w, (t) => t.event_type === 'content.modified.html-document' && t.fields.content.raw_content.includes('again'), [...MEMBERS]);
    assert.equal(w.clients.alice.ofType('mention.created').length, 1);

    // reactions
    const r = await api<{ reaction_id: number }>(srv.url, 'POST', `${base}/contents/${note}/reactions`, w.bob.token, { value: '👍' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const rc = await expectTlm(w, (t) => t.event_type === 'reaction.created', [...MEMBERS]);
    assertFields(rc, ['author', 'workspace', 'content', 'reaction', 'user']);
    assertUser(rc.fields.user, w.bob.id);
    assertUser(rc.fields.author, w.bob.id);
    assert.equal(rc.fields.reaction.value, '👍');
    assert.equal(rc.fields.reaction.reaction_id, r.body.reaction_id);
    assert.equal(typeof rc.fields.reaction.content_id, 'number');
    assertContent(rc.fields.content, 'html-document');
    assert.equal((await api(srv.url, 'POST', `${base}/contents/${note}/reactions`, w.bob.token, { value: '👍' })).status, 409);
    assert.equal((await api(srv.url, 'DELETE', `${base}/contents/${note}/reactions/${r.body.reaction_id}`, w.alice.token)).status, 403);
    assert.equal((await api(srv.url, 'DELETE', `${base}/contents/${note}/reactions/${r.body.reaction_id}`, w.bob.token)).status, 204);
    const rd = await expectTlm(w, (t) => t.event_type === 'reaction.deleted', [...MEMBERS]);
    assert.equal(rd.fields.reaction.reaction_id, r.body.reaction_id);
  } finally {
    w.close();
    await srv.stop();
  }
});
