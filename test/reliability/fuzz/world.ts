// The fuzzed Herald: a child process with three users and real objects (a space with a message, a file
// and an action; a Tracim workspace with a thread, a file, a comment and a tag), a liveness check (a
// member of another space keeps receiving its messages), and repair of the fuzzer's own session.
import assert from 'node:assert/strict';
import { API_KEY } from '../../helpers/constants.js';
import { HeraldProcess } from '../../helpers/child.js';
import { NativeClient, api } from '../../helpers/server.js';
import type { Fixtures, FuzzUser, OpenApi, Target } from './harness.js';

const PASSWORD = 'correct horse battery';

export interface World extends Target {
  child: HeraldProcess;
  /** Carol posts in a space alice is not in; resolves with how long bob's connection took to get it. */
  liveness(label: string): Promise<number>;
  close(): Promise<void>;
}

async function register(base: string, name: string): Promise<FuzzUser> {
  const email = `${name}@example.test`;
  const r = await api<{ token: string; user: { id: number; username: string } }>(base, 'POST', '/api/v1/users', undefined, { email, password: PASSWORD, username: name });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.user.id, token: r.body.token, email, username: r.body.user.username };
}

async function upload(base: string, path: string, field: string, token: string): Promise<Record<string, unknown>> {
  const form = new FormData();
  form.append(field, new Blob(['fixture file'], { type: 'text/plain' }), 'fixture.txt');
  const res = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  assert.ok(res.status === 200 || res.status === 201, `upload ${path}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

export async function startWorld(): Promise<World> {
  const child = await HeraldProcess.start();
  const base = child.url;
  try {
    const alice = await register(base, 'alice');
    const bob = await register(base, 'bob');
    const carol = await register(base, 'carol');
    const ok = <T>(r: { status: number; body: T }, what: string): T => {
      assert.ok(r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const space = ok(await api<{ space: { id: number } }>(base, 'POST', '/api/v1/spaces', alice.token, { name: 'fuzz', member_ids: [bob.id, carol.id] }), 'space').space.id;
    const message = ok(await api<{ message: { id: number } }>(base, 'POST', `/api/v1/spaces/${space}/messages`, alice.token, { content: 'fixture' }), 'message').message.id;
    const file = ((await upload(base, `/api/v1/spaces/${space}/files`, 'file', alice.token)).file as { id: number }).id;
    const action = ok(await api<{ action: { id: number } }>(base, 'POST', `/api/v1/spaces/${space}/actions`, alice.token, { name: 'fixture' }), 'action').action.id;
    const workspace = ok(await api<{ workspace_id: number }>(base, 'POST', '/api/workspaces', alice.token, { label: 'fuzz workspace' }), 'workspace').workspace_id;
    ok(await api(base, 'POST', `/api/workspaces/${workspace}/members`, alice.token, { user_id: bob.id }), 'member');
    const content = ok(await api<{ content_id: number }>(base, 'POST', `/api/workspaces/${workspace}/contents`, alice.token, { content_type: 'thread', label: 'fixture' }), 'content').content_id;
    const fileContent = (await upload(base, `/api/workspaces/${workspace}/files`, 'files', alice.token)).content_id as number;
    const comment = ok(await api<{ content_id: number }>(base, 'POST', `/api/workspaces/${workspace}/contents/${content}/comments`, alice.token, { raw_content: 'fixture' }), 'comment').content_id;
    const tag = ok(await api<{ tag_id: number }>(base, 'POST', `/api/workspaces/${workspace}/tags`, alice.token, { tag_name: 'fixture' }), 'tag').tag_id;
    const ids: Fixtures = { space, message, file, action, workspace, content, fileContent, comment, tag };

    // Liveness: carol's space with bob, out of alice's reach; bob listens on a native WebSocket.
    const live = ok(await api<{ space: { id: number } }>(base, 'POST', '/api/v1/spaces', carol.token, { name: 'liveness', member_ids: [bob.id] }), 'liveness space').space.id;
    const observer = await NativeClient.connect(base, bob.token);
    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as OpenApi;

    let token = alice.token;
    return {
      child,
      base,
      wsBase: base.replace('http', 'ws'),
      apiKey: API_KEY,
      alice,
      bob,
      carol,
      ids,
      openapi,
      token: () => token,
      async repair() {
        if ((await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status === 200) return;
        await fetch(`${base}/api/users/${alice.id}/trashed/restore`, { method: 'PUT', headers: { authorization: `Bearer ${API_KEY}` } });
        const r = await api<{ token: string }>(base, 'POST', '/api/v1/user.login', undefined, { email: alice.email, password: PASSWORD });
        assert.equal(r.status, 200, `alice cannot log in again: ${JSON.stringify(r.body)}`);
        token = r.body.token;
      },
      async liveness(label: string) {
        const t0 = Date.now();
        const r = await api<{ message: { id: number } }>(base, 'POST', `/api/v1/spaces/${live}/messages`, carol.token, { content: `alive ${label}` });
        assert.equal(r.status, 201, `carol could not post after ${label}: ${JSON.stringify(r.body)}`);
        await observer.next((f) => f.type === 'message.created' && (f.data.message as { id: number }).id === r.body.message.id, 10_000);
        // Forget what bob recorded so far (alice's fuzzing reaches him too): the test's memory stays flat.
        observer.frames.length = 0;
        return Date.now() - t0;
      },
      async close() {
        observer.ws.terminate();
        await child.stop();
      },
    };
  } catch (e) {
    await child.stop();
    throw e;
  }
}
