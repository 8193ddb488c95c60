// Shared setup of the chat end-to-end tests (chat.test.ts, chat-activity.test.ts): one test server per file,
// started by useChatServer(), and the HTTP calls most cases begin with (a group space, a post, an upload).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api, type TestServer, type TestUser, type Frame } from '../helpers/server.js';

export interface Msg {
  id: number;
  content: string;
  is_edited: boolean;
  attachments: { id: number; name: string; size: number; mimetype: string }[];
  reactions: { emoji: string; user: { id: number } }[];
  read_by: { user: { id: number } }[];
  mentions?: number[];
  parent_id?: number | null;
}
export const msgOf = (f: Frame) => f.data.message as Msg;

/** This file's test server (an ES module live binding: set by the before hook useChatServer registers). */
export let srv: TestServer;

/** Starts the server before the file's tests and stops it after; call once, at the top of a test file. */
export function useChatServer(): void {
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.stop();
  });
}

export async function group(owner: TestUser, members: TestUser[], name = 'team'): Promise<number> {
  const r = await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', owner.token, { name, member_ids: members.map((m) => m.id) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.space.id;
}

export async function post(user: TestUser, spaceId: number, body: Record<string, unknown>): Promise<Msg> {
  const r = await api<{ message: Msg }>(srv.url, 'POST', `/api/v1/spaces/${spaceId}/messages`, user.token, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.message;
}

export async function upload(user: TestUser, spaceId: number, name: string, content: string | Uint8Array, type = 'text/plain') {
  const form = new FormData();
  form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)], { type }), name);
  const res = await fetch(`${srv.url}/api/v1/spaces/${spaceId}/files`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: form });
  return { status: res.status, body: (await res.json()) as { file: { id: number; name: string; size: number; mimetype: string }; code?: string } };
}
