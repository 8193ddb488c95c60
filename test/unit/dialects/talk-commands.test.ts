// The commands Talk-and-Travel's joinChat / leaveChat run (members.join, members.leave): who may join a
// chat on their own (open spaces), and the refusals the STOMP dialect turns into typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../../src/store/store.js';
import { MemoryBus } from '../../../src/bus/memory.js';
import { Runtime } from '../../../src/service/context.js';
import { Ephemeral } from '../../../src/service/ephemeral.js';
import { checkUpload } from '../../../src/service/files.js';
import { call, commandTable } from '../../../src/commands/index.js';
import { ANONYMOUS, SERVER, asUser } from '../../../src/core/actor.js';
import { HeraldError } from '../../../src/core/errors.js';

const rejects = (p: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof HeraldError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });

test('members.join: open spaces only; members.leave: conflict when not a member of a visible space, not found otherwise', async () => {
  const store = await openStore('sqlite::memory:');
  const bus = new MemoryBus();
  const runtime = new Runtime(store, bus, { openSignup: true, callUrlBase: 'https://meet.example/' }, { appended: { inc: () => undefined } });
  const ephemeral = new Ephemeral(store, bus, { typingBurst: 3, typingIntervalMs: 1000, checkPost: (a, s) => runtime.read(a, (c) => checkUpload(c, s)), spacesOf: () => [] });
  const commands = commandTable({ runtime, ephemeral, issueToken: async (id) => `token-${id}`, closeConnections: () => undefined, audienceSize: () => 0 }, { checkOutput: true });
  const events: string[] = [];
  bus.events.subscribe((ev) => events.push(ev.type));
  try {
    const reg = async (n: string) => (await call(commands, 'users.register', ANONYMOUS, { email: `${n}@example.test`, password: 'long enough', username: n })).user;
    const [owner, u] = [await reg('owner'), await reg('taras')];
    const O = asUser(owner.id);
    const U = asUser(u.id);
    const open = (await call(commands, 'spaces.create', O, { name: 'Ukraine', access: 'open' })).space.id;
    const club = (await call(commands, 'spaces.create', O, { name: 'club', access: 'on_request' })).space.id;
    const secret = (await call(commands, 'spaces.create', O, { name: 'secret' })).space.id;
    const direct = (await call(commands, 'spaces.create', O, { kind: 'direct', member_ids: [u.id] })).space.id;

    events.length = 0;
    const { member } = await call(commands, 'members.join', U, { space_id: open });
    assert.deepEqual([member.user.id, member.role], [u.id, 'member']);
    assert.deepEqual(events, ['member.added']);
    await rejects(call(commands, 'members.join', U, { space_id: open }), 'conflict', /already a member/);
    await rejects(call(commands, 'members.join', U, { space_id: club }), 'forbidden', /join requests/);
    await rejects(call(commands, 'members.join', U, { space_id: secret }), 'not_found');
    await rejects(call(commands, 'members.join', U, { space_id: 999_999 }), 'not_found');
    await rejects(call(commands, 'members.join', U, { space_id: direct }), 'conflict', /already a member/);
    await rejects(call(commands, 'members.join', SERVER, { space_id: open }), 'forbidden');

    events.length = 0;
    await call(commands, 'members.leave', U, { space_id: open });
    assert.deepEqual(events, ['member.removed']);
    await rejects(call(commands, 'members.leave', U, { space_id: open }), 'conflict', /not a member/);
    await rejects(call(commands, 'members.leave', U, { space_id: club }), 'conflict', /not a member/);
    await rejects(call(commands, 'members.leave', U, { space_id: secret }), 'not_found');
    await rejects(call(commands, 'members.leave', U, { space_id: 999_999 }), 'not_found');
    // The last owner of a space with other members cannot leave.
    await call(commands, 'members.join', U, { space_id: open });
    await rejects(call(commands, 'members.leave', O, { space_id: open }), 'conflict', /last owner/);
  } finally {
    await bus.close();
    await store.close();
  }
});
