// End to end from a real browser: headless Chromium logs in (session cookie) and opens the TLM stream
// with its native EventSource. Skips, saying why, when /usr/bin/chromium is not installed (fails under CI=true).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser } from '../helpers/server.js';
import { api } from './tracim-helpers.js';
import { CHROMIUM, requireServices } from '../helpers/services.js';

const skip = await requireServices('chromium');

test('tracim: headless Chromium native EventSource receives TLMs over the session cookie', { skip }, async () => {
  const { chromium } = await import('playwright-core');
  const srv = await startTestServer();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const alice = await newUser(srv.url, 'alice');
    const wid = (await api<{ workspace_id: number }>(srv.url, 'POST', '/api/workspaces', alice.token, { label: 'browser space' })).body.workspace_id;
    const page = await browser.newPage();
    await page.goto(`${srv.url}/api/auth/whoami`);
    const opened = await page.evaluate(
      async ({ email, userId }) => {
        const login = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'correct horse battery' }) });
        if (login.status !== 200) return `login ${login.status}`;
        const w = window as unknown as { tlms: { id: string; data: unknown }[]; es: EventSource };
        w.tlms = [];
        w.es = new EventSource(`/api/users/${userId}/live_messages`);
        w.es.onmessage = (e) => w.tlms.push({ id: e.lastEventId, data: JSON.parse(e.data as string) });
        return new Promise<string>((resolve) => {
          w.es.onopen = () => resolve('open');
          w.es.onerror = () => resolve('error');
        });
      },
      { email: alice.email, userId: alice.id },
    );
    assert.equal(opened, 'open');

    const r = await api<{ content_id: number }>(srv.url, 'POST', `/api/workspaces/${wid}/contents`, alice.token, { content_type: 'thread', label: 'from node' });
    assert.equal(r.status, 200);
    await page.waitForFunction(() => (window as unknown as { tlms: unknown[] }).tlms.length >= 1, undefined, { timeout: 5000 });
    const got = await page.evaluate(() => (window as unknown as { tlms: { id: string; data: { event_id: number; event_type: string; read_date: null; fields: { content: { content_id: number } } } }[] }).tlms);
    assert.equal(got.length, 1);
    assert.equal(got[0].data.event_type, 'content.created.thread');
    assert.equal(got[0].data.fields.content.content_id, r.body.content_id);
    assert.equal(got[0].id, String(got[0].data.event_id));
    assert.equal(got[0].data.read_date, null);

    // Another user's stream is refused to the browser session (403: EventSource fails, no reconnect loop).
    const bob = await newUser(srv.url, 'bob');
    const status = await page.evaluate(async (id) => (await fetch(`/api/users/${id}/live_messages`)).status, bob.id);
    assert.equal(status, 403);
    await page.evaluate(() => (window as unknown as { es: EventSource }).es.close());
  } finally {
    await browser.close();
    await srv.stop();
  }
});
