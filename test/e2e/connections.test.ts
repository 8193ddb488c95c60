// Connections across dialects and transports: a deleted user's connections close at once on every
// transport; user objects are shown per audience (stranger, co-member, administrator); the native read
// rate limit; a failing delivery never fails the command that committed the event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, api, NativeClient, type TestServer, type TestUser, type Frame } from '../helpers/server.js';
import { AirSendClient, channel } from './airsend-harness.test.js';
import { TlmClient, adminUser } from './tracim-helpers.js';

/** An SSE stream read raw, to see how it ends. */
async function rawStream(url: string, token: string): Promise<{ text(): string; ended: Promise<string> }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  let text = '';
  const ended = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return text;
      text += new TextDecoder().decode(value);
    }
  })();
  return { text: () => text, ended };
}

const walk = (v: unknown, visit: (o: Record<string, unknown>) => void): void => {
  if (Array.isArray(v)) v.forEach((x) => walk(x, visit));
  else if (typeof v === 'object' && v !== null) {
    visit(v as Record<string, unknown>);
    Object.values(v).forEach((x) => walk(x, visit));
  }
};
/** Every user object (one with a username or display name) in a frame. */
const usersIn = (v: unknown) => {
  const out: Record<string, unknown>[] = [];
  walk(v, (o) => ('username' in o || 'display_name' in o) && out.push(o));
  return out;
};

test('deleting a user closes their connections at once on every transport, with a reason; others stay', async () => {
  const srv = await startTestServer();
  try {
    const admin = await adminUser(srv.url);
    const victim = await newUser(srv.url, 'victim');
    const bystander = await newUser(srv.url, 'bystander');
    const native = await NativeClient.connect(srv.url, victim.token);
    const air = await AirSendClient.connect(srv, victim);
    const sse = await rawStream(`${srv.url}/api/v1/events`, victim.token);
    const tlm = await rawStream(`${srv.url}/api/users/${victim.id}/live_messages`, victim.token);
    const other = await NativeClient.connect(srv.url, bystander.token);
    const before = srv.ctx.gateway.connectionCount();

    assert.equal((await api(srv.url, 'PUT', `/api/users/${victim.id}/trashed`, admin.token)).status, 204);

    await native.closed;
    assert.deepEqual([native.closeCode, native.closeReason], [4009, 'this account was deleted']);
    assert.deepEqual(await air.closedWith(), { code: 4009, reason: 'this account was deleted' });
    for (const stream of [sse, tlm]) assert.match(await stream.ended, /: closed \(4009\): this account was deleted\n\n$/);
    for (let i = 0; i < 200 && srv.ctx.gateway.connectionCount() > before - 4; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(srv.ctx.gateway.connectionCount(), before - 4, 'all four gone (once the close handshakes finish), the bystander kept');
    assert.equal((await other.command('ping', {})).type, 'command.ack', 'the bystander is still served');
    const again = await fetch(`${srv.url}/api/v1/events`, { headers: { authorization: `Bearer ${victim.token}` } });
    assert.equal(again.status, 401, 'and cannot come back');
    await other.close();
  } finally {
    await srv.stop();
  }
});

test('user objects per audience: full to co-members and administrators, a public profile to a stranger (native, AirSend, Tracim)', async () => {
  const srv = await startTestServer();
  try {
    const admin = await adminUser(srv.url);
    const [owner, comember, stranger] = [await newUser(srv.url, 'owner'), await newUser(srv.url, 'comember'), await newUser(srv.url, 'stranger')];
    const clients = {
      comember: await NativeClient.connect(srv.url, comember.token),
      admin: await NativeClient.connect(srv.url, admin.token),
      stranger: await NativeClient.connect(srv.url, stranger.token),
    };
    const airCo = await AirSendClient.connect(srv, comember);
    const airStranger = await AirSendClient.connect(srv, stranger);
    const tlm = { comember: await TlmClient.open(srv.url, comember.id, comember.token), stranger: await TlmClient.open(srv.url, stranger.id, stranger.token) };

    // An open space: every user hears of it (Tracim's rule), its members with it.
    const sid = (await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', owner.token, { name: 'open one', access: 'open', member_ids: [comember.id] })).body.space.id;
    const created = async (c: NativeClient) => (await c.next((f) => f.type === 'space.created' && (f.data.space as { id: number }).id === sid)).data;
    const members = async (c: NativeClient) => ((await created(c)).space as { members: { user: Record<string, unknown> }[] }).members.map((m) => m.user);

    for (const who of ['comember', 'admin'] as const) {
      const users = await members(clients[who]);
      assert.deepEqual(users.map((u) => u.email).sort(), [comember.email, owner.email].sort(), `${who} sees emails`);
      assert.ok(users.every((u) => u.is_admin === false), `${who} sees the admin flag`);
    }
    const seenByStranger = await members(clients.stranger);
    assert.equal(seenByStranger.length, 2, 'the stranger learns of the space and its members');
    for (const u of seenByStranger) {
      assert.deepEqual(Object.keys(u).sort(), ['display_name', 'has_avatar', 'id', 'last_active_at', 'username', 'uuid'], 'a public profile: no email, no admin flag');
    }

    // AirSend: channel events go to members only; the co-member sees the members' emails.
    const ch = await airCo.next((f) => f.event === 'channel.create' && (f.payload.channel as { id: number }).id === sid);
    assert.deepEqual((ch.payload.channel as { members: { email: string }[] }).members.map((m) => m.email).sort(), [comember.email, owner.email].sort());

    // Tracim: the stranger gets workspace.created too; no TLM ever carries an email or the admin flag.
    for (const c of [tlm.comember, tlm.stranger]) {
      const t = await c.next((x) => x.event_type === 'workspace.created' && x.fields.workspace.workspace_id === sid);
      assert.ok(usersIn(t).length > 0);
      for (const u of usersIn(t)) assert.ok(!('email' in u) && !('is_admin' in u) && !('profile' in u), JSON.stringify(u));
    }

    // A message: members get its author's email; the stranger gets nothing (fence: a later broadcast).
    await api(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, owner.token, { content: 'hello members' });
    const msg = await clients.comember.next((f) => f.type === 'message.created');
    assert.equal((msg.data.message as { author: { email: string } }).author.email, owner.email);
    await api(srv.url, 'POST', '/api/v1/events', 'test-api-key-0123456789abcdef', { name: 'fence', payload: {} });
    await clients.stranger.next((f) => f.type === 'custom.fence');
    assert.equal(clients.stranger.ofType('message.created').length, 0);
    await airStranger.next((f) => f.event === 'custom.fence');
    assert.equal(airStranger.of('channel.create').length, 0, 'no AirSend channel event for a non-member');

    for (const c of Object.values(clients)) await c.close();
    await airCo.close();
    await airStranger.close();
    tlm.comember.close();
    tlm.stranger.close();
  } finally {
    await srv.stop();
  }
});

test('native: read and read_all are rate-limited per connection (command.error rate_limited); the connection stays usable', async () => {
  const srv = await startTestServer({}, { HERALD_NATIVE_READ_BURST: '2', HERALD_NATIVE_READ_INTERVAL_MS: '60000' });
  try {
    const u = await newUser(srv.url);
    const sid = (await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', u.token, { name: 'reads' })).body.space.id;
    const c = await NativeClient.connect(srv.url, u.token);
    const answers: Frame[] = [];
    for (let i = 0; i < 3; i++) answers.push(await c.command('read_all', { space_id: sid }));
    assert.deepEqual(answers.map((f) => f.type), ['command.ack', 'command.ack', 'command.error']);
    assert.equal(answers[2].data.code, 'rate_limited');
    assert.equal((await c.command('typing', { space_id: sid })).type, 'command.ack');
    await c.close();
  } finally {
    await srv.stop();
  }
});

test('a failing delivery never fails the command that committed the event, and never starves the other recipients', async () => {
  const srv: TestServer = await startTestServer();
  try {
    const [a, b]: TestUser[] = [await newUser(srv.url), await newUser(srv.url)];
    const sid = await channel(srv.url, a, [b]);
    const wb = await NativeClient.connect(srv.url, b.token);
    srv.ctx.bus.events.subscribe(() => {
      throw new Error('a broken subscriber');
    });
    const r = await api(srv.url, 'POST', `/api/v1/spaces/${sid}/messages`, a.token, { content: 'still delivered' });
    assert.equal(r.status, 201, 'committed, and said so');
    await wb.next((f) => f.type === 'message.created');
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(metrics, /herald_delivery_errors_total\{stage="bus events",dialect=""\} 1/);
    await wb.close();
  } finally {
    await srv.stop();
  }
});
