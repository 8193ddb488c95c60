// The command table: declarations, the anonymous/internal rules, results matching their schemas, and
// events counted once at commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kind, type TObject, type TSchema } from '@sinclair/typebox';
import { openStore } from '../../src/store/store.js';
import { MemoryBus } from '../../src/bus/memory.js';
import { Runtime } from '../../src/service/context.js';
import { Ephemeral } from '../../src/service/ephemeral.js';
import { checkUpload } from '../../src/service/files.js';
import { call, commandTable } from '../../src/commands/index.js';
import { ANONYMOUS, SERVER, asUser } from '../../src/core/actor.js';
import { HeraldError } from '../../src/core/errors.js';

async function setup() {
  const store = await openStore('sqlite::memory:');
  const bus = new MemoryBus();
  const counted: string[] = [];
  const runtime = new Runtime(store, bus, { openSignup: true, callUrlBase: 'https://meet.example/' }, { appended: { inc: ({ type }) => counted.push(type) } });
  const ephemeral = new Ephemeral(store, bus, { typingBurst: 3, typingIntervalMs: 1000, checkPost: (a, s) => runtime.read(a, (c) => checkUpload(c, s)) , spacesOf: () => [] });
  const closes: { userId: number; reason: string; tokens?: readonly string[] }[] = [];
  const commands = commandTable(
    { runtime, ephemeral, issueToken: async (id, generation) => `token-${id}-gen${generation}`, closeConnections: (o) => void closes.push(o), audienceSize: () => 0 },
    { checkOutput: true },
  );
  return { store, bus, commands, counted, closes, close: async () => (await bus.close(), await store.close()) };
}

const rejects = async (p: Promise<unknown>, code: string) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof HeraldError, String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });

test('every command is declared once, as aggregate.verb, with an object input, a result schema and a summary', async () => {
  const { commands, close } = await setup();
  try {
    const names = commands.list().map((d) => d.name);
    assert.equal(new Set(names).size, names.length);
    for (const d of commands.list()) {
      assert.match(d.name, /^[a-z_]+\.[a-z_]+$/);
      assert.ok(d.summary.length > 10, d.name);
      assert.equal((d.input as TObject)[Kind], 'Object', `${d.name} input is an object`);
      assert.ok(Kind in d.output && (d.output as TSchema)[Kind] !== 'Unknown', `${d.name} declares its result`);
    }
    // Names other engineers' dialect code runs.
    for (const n of ['typing.start', 'reads.mark', 'reads.mark_all', 'reactions.add', 'reactions.remove']) assert.ok(commands.has(n), n);
  } finally {
    await close();
  }
});

test('anonymous callers run only sign-up and login; internal commands need server code', async () => {
  const { commands, close } = await setup();
  try {
    await rejects(commands.run('spaces.list', ANONYMOUS, {}), 'unauthenticated');
    const { user, token } = await call(commands, 'users.register', ANONYMOUS, { email: 'a@example.test', password: 'long enough', username: 'ab' });
    assert.equal(token, `token-${user.id}-gen0`);
    const { space } = await call(commands, 'spaces.create', asUser(user.id), { name: 'x' });
    // files.add takes a storage key: a client-facing run of it is an unknown command.
    const add = { space_id: space.id, name: 'f', mimetype: 'text/plain', size: 1, storage_key: 'k-1' };
    await rejects(commands.run('files.add', asUser(user.id), add), 'bad_request');
    assert.equal(((await commands.run('files.add', asUser(user.id), add, { internal: true })) as { file: { name: string } }).file.name, 'f');
    await rejects(commands.run('content.purge_files', asUser(user.id), { before: 1 }, { internal: true }), 'forbidden');
    await rejects(commands.run('constructor', asUser(user.id), {}), 'bad_request');
    await rejects(commands.run('messages.post', asUser(user.id), { space_id: space.id }), 'bad_request');
    // Login for an unknown account and a wrong password fail alike.
    await rejects(commands.run('users.login', ANONYMOUS, { email: 'nobody@example.test', password: 'whatever' }), 'unauthenticated');
    await rejects(commands.run('users.login', ANONYMOUS, { email: 'a@example.test', password: 'wrong one' }), 'unauthenticated');
  } finally {
    await close();
  }
});

test('results match their schemas across the aggregates, and events are counted once, at commit', async () => {
  const { commands, counted, close } = await setup();
  try {
    const reg = async (n: string) => (await call(commands, 'users.register', ANONYMOUS, { email: `${n}@example.test`, password: 'long enough', username: n })).user;
    const [a, b, c] = [await reg('ann'), await reg('ben'), await reg('cid')];
    const A = asUser(a.id);
    const B = asUser(b.id);
    counted.length = 0;

    const { space } = await call(commands, 'spaces.create', A, { name: 'team', member_ids: [b.id], access: 'on_request' });
    await call(commands, 'members.add', A, { space_id: space.id, user_id: c.id, role: 'reader' });
    await call(commands, 'members.set_role', A, { space_id: space.id, user_id: c.id, role: 'member' });
    const { message } = await call(commands, 'messages.post', A, { space_id: space.id, content: `hi @${b.username}` });
    await call(commands, 'messages.edit', A, { message_id: message.id, content: 'edited @all' });
    await call(commands, 'reactions.add', B, { message_id: message.id, emoji: '👍' });
    const unread = await call(commands, 'reads.mark', B, { message_id: message.id });
    assert.equal(unread.user_id, b.id);
    await call(commands, 'reads.mark_all', B, { space_id: space.id });
    await call(commands, 'reads.unread', B, {});
    await call(commands, 'alerts.list', B, {});
    await call(commands, 'messages.list', B, { space_id: space.id });
    await call(commands, 'spaces.list', B, {});
    assert.equal((await call(commands, 'users.get', asUser(c.id), { user_id: a.id })).user.id, a.id);
    await call(commands, 'users.update', A, { display_name: 'Ann' });
    const { action } = await call(commands, 'actions.create', A, { space_id: space.id, name: 'do', due_at: 5, assignee_id: b.id });
    await call(commands, 'actions.update', B, { action_id: action.id, status: 1 });
    await call(commands, 'actions.list', A, { space_id: space.id });
    const { file } = await call(commands, 'files.add', A, { space_id: space.id, name: 'n.txt', mimetype: 'text/plain', size: 3, storage_key: 'key-1' }, { internal: true });
    await call(commands, 'locks.acquire', B, { file_id: file.id });
    await call(commands, 'locks.release', B, { file_id: file.id });
    await call(commands, 'files.download', B, { file_id: file.id }, { internal: true });
    assert.deepEqual(await call(commands, 'typing.start', B, { space_id: space.id }), { delivered: true });
    const published = await call(commands, 'custom.publish', SERVER, { name: 'build.done', space_id: space.id, payload: { ok: true } });
    assert.equal(published.type, 'custom.build.done');

    // The content tree, tags, subscriptions, calls, and the inbox's read state.
    const { content: folder } = await call(commands, 'content.create', A, { space_id: space.id, content_type: 'folder', label: 'Docs' });
    const { content: thread } = await call(commands, 'content.create', B, { space_id: space.id, content_type: 'thread', label: 'Topic', parent_id: folder.id });
    await call(commands, 'comments.add', A, { space_id: space.id, content_id: thread.id, raw_content: `@${b.username} look` });
    await call(commands, 'todos.add', A, { space_id: space.id, content_id: thread.id, raw_content: 'todo', assignee_id: b.id });
    await call(commands, 'content.update', B, { space_id: space.id, content_id: thread.id, label: 'Topic 2', status: 'closed-validated' });
    await call(commands, 'content_reactions.add', B, { space_id: space.id, content_id: thread.id, emoji: '🎉' });
    await call(commands, 'content_tags.add', A, { space_id: space.id, content_id: thread.id, tag_name: 'urgent' });
    const got = await call(commands, 'content.get', B, { space_id: space.id, content_id: thread.id });
    assert.deepEqual([got.reactions.length, got.tags.map((t) => t.name)], [1, ['urgent']]);
    await call(commands, 'content.revisions', B, { space_id: space.id, content_id: thread.id });
    await call(commands, 'content.list', B, { space_id: space.id, parent_id: 0 });
    await call(commands, 'content.copy', A, { space_id: space.id, content_id: thread.id, new_parent_id: null });
    await call(commands, 'content.move', A, { space_id: space.id, content_id: thread.id, new_parent_id: null });
    await call(commands, 'content.delete', A, { space_id: space.id, content_id: thread.id });
    await call(commands, 'content.undelete', A, { space_id: space.id, content_id: thread.id });
    await call(commands, 'tags.list', A, { space_id: space.id });
    const { content: upload } = await call(commands, 'content.upload', A, { space_id: space.id, label: 'r', file_extension: '.txt', mimetype: 'text/plain', size: 1, storage_key: 'key-2' }, { internal: true });
    assert.deepEqual((await call(commands, 'content.upload_revision', A, { space_id: space.id, content_id: upload.id, mimetype: 'text/plain', size: 2, storage_key: 'key-3' }, { internal: true })).released, 'key-2');

    const outsider = await reg('dot');
    const D = asUser(outsider.id);
    await call(commands, 'subscriptions.request', D, { user_id: outsider.id, space_id: space.id });
    await call(commands, 'subscriptions.list', A, { space_id: space.id });
    await call(commands, 'subscriptions.accept', A, { space_id: space.id, user_id: outsider.id });
    const { call: ring } = await call(commands, 'calls.create', A, { user_id: a.id, callee_id: b.id });
    await call(commands, 'calls.set_state', B, { user_id: b.id, call_id: ring.id, side: 'callee', state: 'accepted' });
    await call(commands, 'calls.list', B, { user_id: b.id, side: 'callee' });
    const state = await call(commands, 'tlm.read_state', B, { user_id: b.id, event_ids: [1, 2, 3] });
    assert.equal(state.all_read_through, 0);
    await call(commands, 'tlm.mark_read', B, { user_id: b.id, event_ids: [state.head] });
    await call(commands, 'tlm.mark_all_read', B, { user_id: b.id });
    await rejects(call(commands, 'tlm.read_state', A, { user_id: b.id, event_ids: [] }), 'forbidden');

    // Each appended event was counted once, by type; custom.* events as "custom"; a refused command counts nothing.
    assert.ok(counted.includes('space.created') && counted.includes('message.created') && counted.includes('content.created'));
    assert.equal(counted.filter((t) => t === 'custom').length, 1);
    assert.ok(!counted.some((t) => t.startsWith('custom.')));
    const before = counted.length;
    await rejects(call(commands, 'spaces.delete', B, { space_id: space.id }), 'forbidden');
    assert.equal(counted.length, before);
  } finally {
    await close();
  }
});

test('logout is internal (a client cannot name the token to revoke); password changes close the user’s connections and hand a token only to the user themself', async () => {
  const { commands, store, closes, close } = await setup();
  try {
    const reg = async (n: string) => (await call(commands, 'users.register', ANONYMOUS, { email: `${n}@example.test`, password: 'long enough', username: n })).user;
    const alice = await reg('alice');
    const bob = await reg('bob');
    await rejects(commands.run('users.logout', asUser(alice.id), { token_id: 'j1', expires_at: Date.now() + 60_000 }), 'bad_request');
    await call(commands, 'users.logout', asUser(alice.id), { token_id: 'j1', expires_at: Date.now() + 60_000 }, { internal: true });
    assert.equal(await store.read((r) => r.users.isRevoked('j1')), true);
    assert.deepEqual(closes.splice(0), [{ userId: alice.id, tokens: ['j1'], reason: 'logged out' }]);
    await rejects(commands.run('users.logout', SERVER, { token_id: 'j2', expires_at: Date.now() + 60_000 }, { internal: true }), 'bad_request');

    await rejects(call(commands, 'users.change_password', asUser(alice.id), { current_password: 'wrong one', new_password: 'new enough' }), 'forbidden');
    await rejects(call(commands, 'users.change_password', asUser(alice.id), { new_password: 'new enough' }), 'bad_request');
    await rejects(call(commands, 'users.change_password', asUser(bob.id), { user_id: alice.id, current_password: 'long enough', new_password: 'new enough' }), 'forbidden');
    assert.deepEqual(closes, [], 'nothing closed by a refused change');
    const own = await call(commands, 'users.change_password', asUser(alice.id), { current_password: 'long enough', new_password: 'new enough' });
    assert.equal(own.token, `token-${alice.id}-gen1`, 'a fresh token of the new generation');
    assert.deepEqual(closes.splice(0), [{ userId: alice.id, reason: 'the password was changed: log in again' }]);
    const byKey = await call(commands, 'users.change_password', SERVER, { user_id: alice.id, new_password: 'newer enough' });
    assert.equal(byKey.token, undefined);
    assert.equal((await call(commands, 'users.login', ANONYMOUS, { email: 'alice@example.test', password: 'newer enough' })).token, `token-${alice.id}-gen2`);
    await rejects(call(commands, 'users.change_password', SERVER, { new_password: 'newer enough' }), 'bad_request');
  } finally {
    await close();
  }
});
