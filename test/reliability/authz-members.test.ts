// Authorisation, membership: an outsider tries every /openapi.json route naming a confidential space's
// objects, every realtime command on them and a replay from 0, while members keep working there. Zero
// successes, no state change, no event leaked to any of the outsider's connections (fence-checked).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, newUser, startTestServer, NativeClient, type TestUser } from '../helpers/server.js';
import { SseStream, WsClient, isRefused } from '../helpers/realtime.js';
import { Rng } from '../helpers/rng.js';
import { sample, type JsonSchema, type OpenApi } from './fuzz/harness.js';
import * as probe from './probes.js';
import { report } from './report.js';

/** Profile reads are open to every logged-in user by design; their e-mail field has its own test below. */
const PROFILE_READS = /^GET \/api(\/v1)?\/users\/\{(id|user_id)\}$/;

/** Does any part of `v` name one of `spaceIds` (space_id, channel_id, workspace_id, or a space/workspace/channel object)? */
function namesSpace(v: unknown, spaceIds: Set<number>, key = ''): boolean {
  if (Array.isArray(v)) return v.some((x) => namesSpace(x, spaceIds, key));
  if (v === null || typeof v !== 'object') return /^(space_id|channel_id|workspace_id)$/.test(key) && spaceIds.has(Number(v));
  return Object.entries(v as Record<string, unknown>).some(([k, x]) => {
    if (/^(space|workspace|channel)$/.test(k) && x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (spaceIds.has(Number(o.id ?? o.workspace_id))) return true;
    }
    return namesSpace(x, spaceIds, k);
  });
}

/** Does any part of `v` name user `id` as the actor (user_id, actor_id, author_id, or a user/author object)? */
function namesUser(v: unknown, id: number, key = ''): boolean {
  if (Array.isArray(v)) return v.some((x) => namesUser(x, id, key));
  if (v === null || typeof v !== 'object') return /^(user_id|actor_id|author_id)$/.test(key) && Number(v) === id;
  return Object.entries(v as Record<string, unknown>).some(([k, x]) => {
    if (/^(user|author)$/.test(k) && x !== null && typeof x === 'object' && Number((x as { id?: unknown; user_id?: unknown }).id ?? (x as { user_id?: unknown }).user_id) === id) return true;
    return namesUser(x, id, k);
  });
}

test('a non-member reaches nothing of a confidential space: every route, every realtime command, no leaked event', async () => {
  const srv = await startTestServer();
  const b = srv.url;
  const closers: (() => void)[] = [];
  try {
    const [alice, carol, mallory] = [await newUser(b, 'alice'), await newUser(b, 'carol'), await newUser(b, 'mallory')];
    const ok = async <T>(p: Promise<{ status: number; body: T }>, what: string): Promise<T> => {
      const r = await p;
      assert.ok(r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    // The confidential space and workspace, with one of everything in them.
    const S = (await ok(api<{ space: { id: number } }>(b, 'POST', '/api/v1/spaces', alice.token, { name: 'secret', access: 'confidential', member_ids: [carol.id] }), 'space')).space.id;
    const M = (await ok(api<{ message: { id: number } }>(b, 'POST', `/api/v1/spaces/${S}/messages`, alice.token, { content: 'secret message' }), 'message')).message.id;
    await ok(api(b, 'POST', `/api/v1/messages/${M}/reactions`, carol.token, { emoji: 'U 1F600' }), 'reaction');
    const form = new FormData();
    form.append('file', new Blob(['secret file'], { type: 'text/plain' }), 'secret.txt');
    const F = ((await (await fetch(`${b}/api/v1/spaces/${S}/files`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form })).json()) as { file: { id: number } }).file.id;
    await ok(api(b, 'POST', `/api/v1/files/${F}/lock`, alice.token), 'lock');
    const A = (await ok(api<{ action: { id: number } }>(b, 'POST', `/api/v1/spaces/${S}/actions`, alice.token, { name: 'secret action' }), 'action')).action.id;
    const W = (await ok(api<{ workspace_id: number }>(b, 'POST', '/api/workspaces', alice.token, { label: 'secret workspace', access_type: 'confidential' }), 'workspace')).workspace_id;
    await ok(api(b, 'POST', `/api/workspaces/${W}/members`, alice.token, { user_id: carol.id }), 'member');
    const C = (await ok(api<{ content_id: number }>(b, 'POST', `/api/workspaces/${W}/contents`, alice.token, { content_type: 'thread', label: 'secret thread' }), 'content')).content_id;
    const comment = (await ok(api<{ content_id: number }>(b, 'POST', `/api/workspaces/${W}/contents/${C}/comments`, alice.token, { raw_content: 'secret comment' }), 'comment')).content_id;
    const todo = (await ok(api<{ content_id: number }>(b, 'POST', `/api/workspaces/${W}/contents/${C}/todos`, alice.token, { raw_content: 'secret todo' }), 'todo')).content_id;
    const reaction = (await ok(api<{ reaction_id: number }>(b, 'POST', `/api/workspaces/${W}/contents/${C}/reactions`, alice.token, { value: '👍' }), 'content reaction')).reaction_id;
    const T = (await ok(api<{ tag_id: number }>(b, 'POST', `/api/workspaces/${W}/tags`, alice.token, { tag_name: 'secret' }), 'tag')).tag_id;
    await ok(api(b, 'POST', `/api/workspaces/${W}/contents/${C}/tags`, alice.token, { tag_id: T }), 'content tag');
    const tform = new FormData();
    tform.append('files', new Blob(['secret'], { type: 'text/plain' }), 'secret.txt');
    const FC = ((await (await fetch(`${b}/api/workspaces/${W}/files`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: tform })).json()) as { content_id: number }).content_id;
    const call = (await ok(api<{ call_id: number }>(b, 'POST', `/api/users/${alice.id}/outgoing_calls`, alice.token, { callee_id: carol.id }), 'call')).call_id;
    const secret = new Set([S, W]);

    // What alice sees before; it must be the same after mallory's attempts.
    const snapshotPaths = [`/api/v1/spaces/${S}`, `/api/v1/spaces/${S}/messages`, `/api/v1/spaces/${S}/actions`, `/api/v1/messages/${M}`, `/api/workspaces/${W}`, `/api/workspaces/${W}/members`, `/api/workspaces/${W}/contents`, `/api/workspaces/${W}/tags`, `/api/workspaces/${W}/contents/${C}/comments`, `/api/users/${alice.id}/outgoing_calls`];
    // Users' last-activity times move with alice's own connections; everything else must stay.
    const snapshot = async () => Promise.all(snapshotPaths.map(async (p) => JSON.stringify((await api(b, 'GET', p, alice.token)).body, (k, v: unknown) => (k.startsWith('last_active') ? undefined : v))));
    const before = await snapshot();

    // Mallory listens everywhere; alice listens too (to see whether mallory's attempts had any effect).
    const mws = await NativeClient.connect(b, mallory.token);
    closers.push(() => mws.ws.terminate());
    const msse = new SseStream(`${b}/api/v1/events`, { authorization: `Bearer ${mallory.token}` });
    closers.push(() => msse.close());
    const rtm = await ok(api<{ rtm: { ws_endpoint: string; ws_token: string } }>(b, 'POST', '/api/v1/rtm.connect', mallory.token), 'rtm.connect');
    const mair = await WsClient.open(rtm.rtm.ws_endpoint);
    assert.ok(!isRefused(mair));
    closers.push(() => mair.terminate());
    mair.sendJson({ command: 'ws_auth', auth_token: rtm.rtm.ws_token });
    const mtlm = new SseStream(`${b}/api/users/${mallory.id}/live_messages`, { authorization: `Bearer ${mallory.token}` });
    closers.push(() => mtlm.close());
    const aws = await NativeClient.connect(b, alice.token);
    closers.push(() => aws.ws.terminate());
    assert.equal(await msse.ready(), 200);
    assert.equal(await mtlm.ready(), 200);

    // ---- every route that names the confidential objects ----
    const doc = (await (await fetch(`${b}/openapi.json`)).json()) as OpenApi;
    const rng = new Rng(7);
    const param = (template: string, name: string): string => {
      switch (name) {
        case 'id':
          if (template.startsWith('/api/v1/spaces/')) return String(S);
          if (template.startsWith('/api/v1/messages/')) return String(M);
          if (template.startsWith('/api/v1/files/')) return String(F);
          if (template.startsWith('/api/v1/actions/')) return String(A);
          return String(alice.id);
        case 'userId':
        case 'user_id':
          return String(alice.id);
        case 'fileId':
          return String(F);
        case 'emoji':
          return encodeURIComponent('U 1F600');
        case 'workspace_id':
          return String(W);
        case 'content_id':
          return String(template.includes('/files/') ? FC : C);
        case 'child_id':
          return String(template.includes('/todos/') ? todo : template.includes('/reactions/') ? reaction : template.includes('/tags/') ? T : comment);
        case 'tag_id':
          return String(T);
        case 'call_id':
          return String(call);
        case 'event_id':
          return '1';
        default:
          throw new Error(`no value for path parameter ${name} of ${template}`);
      }
    };
    const attempts: { route: string; status: number }[] = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      if (!template.includes('{')) continue;
      for (const [method, op] of Object.entries(ops)) {
        const route = `${method.toUpperCase()} ${template}`;
        if (PROFILE_READS.test(route)) continue;
        const path = template.replace(/\{([^}]+)\}/g, (_, n: string) => param(template, n));
        if (template.endsWith('/live_messages')) {
          const v = await probe.tracimStream(b, alice.id, mallory.token);
          attempts.push({ route, status: Number(v.detail) });
          continue;
        }
        const headers: Record<string, string> = { authorization: `Bearer ${mallory.token}` };
        let body: BodyInit | undefined;
        const schema = op.requestBody?.content['application/json']?.schema as JsonSchema | undefined;
        if (/\/files(\/\d+\/raw)?$/.test(path) && method !== 'get') {
          const f = new FormData();
          f.append(template.startsWith('/api/v1') ? 'file' : 'files', new Blob(['intruder'], { type: 'text/plain' }), 'intruder.txt');
          body = f;
        } else if (schema) {
          // A well-formed body, ids pointing into the confidential space; user ids name mallory herself (self-joins).
          const ids = { space: S, message: M, file: F, action: A, workspace: W, content: C, fileContent: FC, comment, tag: T };
          body = JSON.stringify(sample(schema, rng, { name: '', ids, users: [mallory] }));
          headers['content-type'] = 'application/json';
        }
        const res = await fetch(b + path, { method: method.toUpperCase(), headers, body });
        await res.arrayBuffer();
        attempts.push({ route, status: res.status });
      }
    }

    // ---- realtime commands on the confidential objects ----
    const nativeAnswers = [];
    for (const [type, data] of [
      ['typing', { space_id: S }],
      ['read', { message_id: M }],
      ['read_all', { space_id: S }],
      ['react', { message_id: M, emoji: 'U 1F44D' }],
      ['unreact', { message_id: M, emoji: 'U 1F600' }],
    ] as const) {
      nativeAnswers.push({ type, answer: await mws.command(type, data) });
    }
    for (const c of [
      { command: 'ws_ephemeral_typing', channel_id: S },
      { command: 'ws_read_notification', channel_id: S, message_id: M },
      { command: 'ws_all_read_notification', channel_id: S },
      { command: 'ws_add_reaction', channel_id: S, message_id: M, emoji_value: 'U 1F44D' },
      { command: 'ws_remove_reaction', channel_id: S, message_id: M, emoji_value: 'U 1F600' },
    ]) mair.sendJson(c);
    mair.sendJson({ command: 'ws_ping' });
    await mair.next((f) => f.event === 'pong');
    const replay = await NativeClient.connect(b, mallory.token, '?resume=0');
    closers.push(() => replay.ws.terminate());
    const after = await snapshot();

    // The members keep working in the space meanwhile: events that must not leak.
    await ok(api(b, 'POST', `/api/v1/spaces/${S}/messages`, carol.token, { content: 'while mallory tries' }), 'carol posts');
    await ok(api(b, 'POST', `/api/v1/spaces/${S}/typing`, carol.token), 'carol types');
    await ok(api(b, 'POST', `/api/workspaces/${W}/contents`, alice.token, { content_type: 'thread', label: 'another secret' }), 'alice adds content');

    // Fences: a direct message to mallory (native WS, SSE, AirSend, the replay; alice too) and a workspace
    // content (the Tracim stream). Each connection's record is complete once its fence has arrived.
    const dm = (await ok(api<{ space: { id: number } }>(b, 'POST', '/api/v1/spaces', alice.token, { kind: 'direct', member_ids: [mallory.id] }), 'dm')).space.id;
    const fence = (await ok(api<{ message: { id: number } }>(b, 'POST', `/api/v1/spaces/${dm}/messages`, alice.token, { content: 'fence' }), 'fence')).message.id;
    const W2 = (await ok(api<{ workspace_id: number }>(b, 'POST', '/api/workspaces', alice.token, { label: 'shared' }), 'w2')).workspace_id;
    await ok(api(b, 'POST', `/api/workspaces/${W2}/members`, alice.token, { user_id: mallory.id }), 'w2 member');
    const tfence = (await ok(api<{ content_id: number }>(b, 'POST', `/api/workspaces/${W2}/contents`, alice.token, { content_type: 'thread', label: 'fence' }), 'tracim fence')).content_id;
    const isFence = (f: { type: string; data: Record<string, unknown> }) => f.type === 'message.created' && (f.data.message as { id: number }).id === fence;
    await mws.next(isFence, 5000);
    await replay.next(isFence, 5000);
    await aws.next(isFence, 5000);
    await msse.next((r) => r.json?.type === 'message.created' && (r.json.data as { message: { id: number } }).message.id === fence, 5000);
    await mair.next((f) => f.event === 'chat.postMessage' && (f.payload as { message: { id: number } }).message.id === fence, 5000);
    await mtlm.next((r) => r.json?.event_type === 'content.created.thread' && (r.json.fields as { content: { content_id: number } }).content.content_id === tfence, 5000);

    const leaked = [
      ...mws.frames.filter((f) => namesSpace(f, secret)).map((f) => `native-ws ${f.type}`),
      ...replay.frames.filter((f) => namesSpace(f, secret)).map((f) => `replay ${f.type}`),
      ...msse.frames.filter((r) => namesSpace(r.json, secret)).map((r) => `native-sse ${String(r.json?.type)}`),
      ...mair.frames.filter((f) => namesSpace(f, secret)).map((f) => `airsend ${String(f.event)}`),
      ...mtlm.frames.filter((r) => namesSpace(r.json, secret)).map((r) => `tracim ${String(r.json?.event_type)}`),
    ];
    const effects = aws.frames.filter((f) => namesSpace(f, secret) && namesUser(f.data, mallory.id)).map((f) => f.type);
    const successes = attempts.filter((a) => a.status < 400);
    const failures5xx = attempts.filter((a) => a.status >= 500);
    const nativeAccepted = nativeAnswers.filter((n) => n.answer.type !== 'command.error' || !['not_found', 'forbidden'].includes((n.answer.data as { code: string }).code));
    const changed = snapshotPaths.filter((_, i) => before[i] !== after[i]);
    const statuses = new Map<number, number>();
    for (const a of attempts) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);

    report('authz-members', {
      routes_tried: attempts.length,
      successes: successes.length,
      server_errors: failures5xx.length,
      statuses: [...statuses].map(([s, n]) => `${s}:${n}`).join(','),
      native_commands: nativeAnswers.length,
      native_accepted: nativeAccepted.length,
      airsend_commands: 5,
      leaked: leaked.length,
      effects_seen_by_members: effects.length,
      state_changed: changed.length,
      airsend_open: mair.open,
    });
    assert.deepEqual(successes, [], 'no route lets a non-member in');
    assert.deepEqual(failures5xx, []);
    assert.deepEqual(nativeAccepted.map((n) => `${n.type}: ${JSON.stringify(n.answer.data)}`), [], 'native commands refused with not_found / forbidden');
    assert.ok(mair.open, 'AirSend ignores refused commands and keeps the connection');
    assert.ok(aws.frames.filter((f) => namesSpace(f, secret)).length >= 3, "control: the detector finds the members' own events of the space on alice's connection");
    assert.deepEqual(leaked, [], 'no event of the confidential space reached the outsider');
    assert.deepEqual(effects, [], "the members saw no effect of the outsider's attempts");
    assert.deepEqual(changed.map((p) => `${p}\n  before ${before[snapshotPaths.indexOf(p)]}\n  after  ${after[snapshotPaths.indexOf(p)]}`), [], 'nothing changed');
  } finally {
    for (const c of closers) c();
    await srv.stop();
  }
});

test(
  "a stranger does not see a user's e-mail address",
  async () => {
    const srv = await startTestServer();
    try {
      const [alice, stranger]: TestUser[] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'stranger')];
      for (const path of [`/api/v1/users/${alice.id}`, `/api/users/${alice.id}`]) {
        const r = await api(srv.url, 'GET', path, stranger.token);
        assert.ok(!JSON.stringify(r.body).includes(alice.email), `${path} shows ${alice.email} to a stranger`);
      }
    } finally {
      await srv.stop();
    }
  },
);
