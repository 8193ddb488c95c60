// The web chat app (/) and the operator page (/admin) in headless Chromium: two browser contexts as two
// users who sign up through the page, create a group, chat both ways, react, upload and download a file, see
// typing and presence, read markers and mentions, edit and delete; one context goes offline (network emulation) while the other posts,
// and after it comes back every message is there exactly once. Chromium's offline emulation fails new
// requests but leaves an open WebSocket alone, so Ben's traffic also goes through a TCP proxy that cuts his
// connections and refuses new ones while he is offline: the drop a real network makes. Screenshots go to HERALD_TEST_OUTPUT (or a
// temp dir printed in the log). Skips, saying why, when /usr/bin/chromium is missing (fails under CI=true).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { API_KEY, api, newUser, startTestServer } from '../helpers/server.js';
import { CHROMIUM, requireServices } from '../helpers/services.js';
import { FaultyProxy } from '../unit/client/proxy.js';

const skip = await requireServices('chromium');
const OUT = process.env.HERALD_TEST_OUTPUT ?? join(tmpdir(), `herald-webapp-${process.pid}`);
const TIMEOUT = 10_000;

/** What the app exposes for tests on window.herald (web/src/app.ts). */
interface AppState {
  me: { id: number };
  current: number | null;
  created: Map<number, number>;
  client: { stats: { connections: number; duplicates: number }; state: string };
}

async function signUp(browser: Browser, base: string, name: string): Promise<{ ctx: BrowserContext; page: Page; id: number }> {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`# ${name} page error: ${e.message}`));
  page.on('console', (m) => void (m.type() === 'error' && console.log(`# ${name} console: ${m.text()}`)));
  await page.goto(base + '/');
  const form = page.getByRole('form', { name: 'Sign up' });
  await form.getByLabel('Email').fill(`${name}@example.test`);
  await form.getByLabel('Username').fill(name);
  await form.getByLabel('Display name').fill(name[0].toUpperCase() + name.slice(1));
  await form.getByLabel('Password').fill('correct horse battery');
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('status').filter({ hasText: 'online' }).waitFor({ timeout: TIMEOUT });
  const id = await page.evaluate(() => (window as unknown as { herald: AppState }).herald.me.id);
  return { ctx, page, id };
}

const messages = (p: Page) => p.getByRole('list', { name: 'Messages' });
const say = async (p: Page, text: string) => {
  await p.getByLabel('Message', { exact: true }).fill(text);
  await p.getByLabel('Message', { exact: true }).press('Enter');
};
const shot = (p: Page, name: string) => p.screenshot({ path: join(OUT, name), fullPage: false });

test('webapp: two users chat in Chromium through the SDK, survive going offline, and /admin shows live connections', { skip, timeout: 120_000 }, async () => {
  assert.ok(existsSync('dist/web/app.js') && existsSync('client/dist/client/src/index.js'), 'the web app is not built: run npm run build');
  mkdirSync(OUT, { recursive: true });
  console.log(`# screenshots in ${OUT}`);
  const { chromium } = await import('playwright-core');
  const srv = await startTestServer();
  const proxy = await FaultyProxy.start(Number(new URL(srv.url).port));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const ana = await signUp(browser, srv.url, 'ana');
    const ben = await signUp(browser, proxy.url, 'ben');

    // Ana creates a group with Ben; it appears in Ben's list by itself (a realtime event).
    const create = ana.page.getByRole('form', { name: 'New conversation' });
    await create.getByLabel('Name (groups)').fill('Launch crew');
    await create.getByLabel('Member user ids').fill(String(ben.id));
    await create.getByRole('button', { name: 'Create' }).click();
    await ana.page.getByRole('heading', { name: 'Launch crew' }).waitFor({ timeout: TIMEOUT });
    const benSpace = ben.page.getByRole('navigation', { name: 'Spaces' }).getByRole('button', { name: /Launch crew/ });
    await benSpace.waitFor({ timeout: TIMEOUT });

    // Ana writes first: Ben's list shows an unread count until he opens the group.
    await say(ana.page, 'hello Ben');
    await benSpace.getByLabel('1 unread').waitFor({ timeout: TIMEOUT });
    await benSpace.click();
    await messages(ben.page).getByText('hello Ben').waitFor({ timeout: TIMEOUT });
    await benSpace.getByLabel('1 unread').waitFor({ state: 'detached', timeout: TIMEOUT });

    // Presence: each sees the other's dot as online.
    await ben.page.locator(`li.member.online[data-user="${ana.id}"]`).waitFor({ timeout: TIMEOUT });
    await ana.page.locator(`li.member.online[data-user="${ben.id}"]`).waitFor({ timeout: TIMEOUT });

    // Typing: Ben types, Ana sees it; Ben sends, Ana gets the message and the indicator goes.
    await ben.page.getByLabel('Message', { exact: true }).pressSequentially('hi A', { delay: 20 });
    await ana.page.getByText('Ben is typing…').waitFor({ timeout: TIMEOUT });
    await ben.page.getByLabel('Message', { exact: true }).press('Enter');
    await messages(ana.page).getByText('hi A', { exact: true }).waitFor({ timeout: TIMEOUT });
    await ana.page.getByText('Ben is typing…').waitFor({ state: 'detached', timeout: TIMEOUT });

    // Reactions: Ben reacts to Ana's message; Ana sees the count.
    await messages(ben.page).getByRole('listitem').filter({ hasText: 'hello Ben' }).getByRole('button', { name: 'React with 👍' }).click();
    await messages(ana.page).getByRole('listitem').filter({ hasText: 'hello Ben' }).getByRole('button', { name: '👍 1' }).waitFor({ timeout: TIMEOUT });

    // A file: Ana attaches one; Ben sees it and downloads the same bytes.
    const bytes = Buffer.from('launch checklist\n1. fuel\n2. go\n');
    await ana.page.getByLabel('Attach a file').setInputFiles({ name: 'checklist.txt', mimeType: 'text/plain', buffer: bytes });
    await say(ana.page, 'the checklist');
    const fileButton = messages(ben.page).getByRole('button', { name: /checklist\.txt/ });
    await fileButton.waitFor({ timeout: TIMEOUT });
    const [download] = await Promise.all([ben.page.waitForEvent('download', { timeout: TIMEOUT }), fileButton.click()]);
    assert.equal(download.suggestedFilename(), 'checklist.txt');
    assert.deepEqual(readFileSync((await download.path())!), bytes);

    // Read markers: Ben has the group open, so Ana's message shows as seen by him.
    await messages(ana.page).getByRole('listitem').filter({ hasText: 'the checklist' }).getByText('Seen by Ben').waitFor({ timeout: TIMEOUT });
    // A mention of Ana is highlighted on her side.
    await say(ben.page, '@ana can you check the fuel?');
    await messages(ana.page).locator('li.msg.mention').filter({ hasText: 'can you check the fuel?' }).waitFor({ timeout: TIMEOUT });

    // Edit and delete through the page's own dialogs; Ben sees both.
    ana.page.once('dialog', (d) => void d.accept('hello Ben, welcome aboard'));
    await messages(ana.page).getByRole('listitem').filter({ hasText: 'hello Ben' }).getByRole('button', { name: 'Edit' }).click();
    await messages(ben.page).getByRole('listitem').filter({ hasText: 'hello Ben, welcome aboard' }).getByText('(edited)').waitFor({ timeout: TIMEOUT });
    await say(ana.page, 'oops, wrong group');
    await messages(ben.page).getByText('oops, wrong group').waitFor({ timeout: TIMEOUT });
    ana.page.once('dialog', (d) => void d.accept());
    await messages(ana.page).getByRole('listitem').filter({ hasText: 'oops, wrong group' }).getByRole('button', { name: 'Delete' }).click();
    await messages(ben.page).getByText('This message was deleted.').waitFor({ timeout: TIMEOUT });
    await shot(ana.page, 'webapp-ana.png');
    await shot(ben.page, 'webapp-ben.png');

    // Ben goes offline while Ana posts; back online, each of Ana's messages is there exactly once.
    const before = await ben.page.evaluate(() => (window as unknown as { herald: AppState }).herald.client.stats.connections);
    await ben.ctx.setOffline(true);
    proxy.refuse = true;
    assert.ok(proxy.cut() >= 1, "Ben's WebSocket went through the proxy");
    await ben.page.getByRole('status').filter({ hasText: 'reconnecting' }).waitFor({ timeout: 60_000 });
    const offline = Array.from({ length: 5 }, (_, i) => `while you were away ${i + 1}`);
    for (const t of offline) await say(ana.page, t);
    await messages(ana.page).getByText(offline[4]).waitFor({ timeout: TIMEOUT });
    proxy.refuse = false;
    await ben.ctx.setOffline(false);
    await ben.page.getByRole('status').filter({ hasText: 'online' }).waitFor({ timeout: 60_000 });
    for (const t of offline) await messages(ben.page).getByText(t, { exact: true }).waitFor({ timeout: TIMEOUT });
    for (const t of offline) assert.equal(await messages(ben.page).getByText(t, { exact: true }).count(), 1, `"${t}" shown once`);
    const after = await ben.page.evaluate(() => {
      const h = (window as unknown as { herald: AppState }).herald;
      return { connections: h.client.stats.connections, counts: [...h.created.values()], duplicates: h.client.stats.duplicates };
    });
    assert.ok(after.connections > before, `Ben reconnected (${before} → ${after.connections} connections)`);
    assert.ok(after.counts.length >= 10, `Ben received the message events (${after.counts.length})`);
    assert.ok(after.counts.every((n) => n === 1), `every message.created arrived once: ${JSON.stringify(after.counts)}`);

    // A phone-sized screen: the space list, then the room with a back button.
    const phone = await browser.newContext({ viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true });
    const mobile = await phone.newPage();
    await mobile.goto(srv.url + '/');
    const login = mobile.getByRole('form', { name: 'Log in' });
    await login.getByLabel('Email or username').fill('ben');
    await login.getByLabel('Password').fill('correct horse battery');
    await login.getByRole('button', { name: 'Log in' }).click();
    await mobile.getByRole('navigation', { name: 'Spaces' }).getByRole('button', { name: /Launch crew/ }).click();
    await messages(mobile).getByText(offline[4]).waitFor({ timeout: TIMEOUT });
    await mobile.getByRole('button', { name: 'Back to spaces' }).waitFor({ timeout: TIMEOUT });
    await shot(mobile, 'webapp-phone.png');

    // The operator page: the API key entered in the page; at least the three open sessions are counted.
    const ops = await browser.newPage({ viewport: { width: 1000, height: 760 } });
    await ops.goto(srv.url + '/admin');
    await ops.getByLabel(/^API key/).fill(API_KEY);
    await ops.getByRole('button', { name: 'Show live numbers' }).click();
    await ops.getByRole('status').filter({ hasText: 'live' }).waitFor({ timeout: TIMEOUT });
    await ops.waitForFunction(() => Number(document.getElementById('connections')?.textContent) >= 3, undefined, { timeout: TIMEOUT });
    const row = ops.getByRole('row').filter({ hasText: 'native' });
    assert.ok((await row.count()) >= 1, 'a native row in the connections table');
    await ops.waitForTimeout(4500); // a few samples for the chart
    await shot(ops, 'webapp-admin.png');
    // A wrong key is refused in the page.
    await ops.getByLabel(/^API key/).fill('not-the-key-0123456789');
    await ops.getByRole('button', { name: 'Show live numbers' }).click();
    await ops.getByText('That is not the server API key.').waitFor({ timeout: TIMEOUT });
  } finally {
    await browser.close();
    await proxy.stop();
    await srv.stop();
  }
});

// Without a browser: the operator numbers need the server API key, and the static routes serve only their
// exact files without hiding any API, dialect or ops route.
test('webapp: /api/v1/admin/stats is for the server API key only; static paths are exact', async () => {
  const srv = await startTestServer();
  try {
    const ana = await newUser(srv.url, 'ana');
    assert.equal((await api(srv.url, 'GET', '/api/v1/admin/stats')).status, 401);
    assert.equal((await api(srv.url, 'GET', '/api/v1/admin/stats', 'not-a-token')).status, 401);
    const asUser = await api<{ code: string }>(srv.url, 'GET', '/api/v1/admin/stats', ana.token);
    assert.equal(asUser.status, 403);
    assert.equal(asUser.body.code, 'forbidden');
    const ws = new WebSocket(`${srv.url.replace('http', 'ws')}/api/v1/ws?access_token=${ana.token}`);
    await new Promise((resolve, reject) => ws.once('message', resolve).once('error', reject));
    const stats = await api<{ connections: { total: number; by: { dialect: string; transport: string; count: number }[] }; resumes: Record<string, number>; events_total: number }>(srv.url, 'GET', '/api/v1/admin/stats', API_KEY);
    assert.equal(stats.status, 200);
    assert.equal(stats.body.connections.total, 1);
    assert.deepEqual(stats.body.connections.by, [{ dialect: 'native', transport: 'websocket', count: 1 }]);
    assert.equal(typeof stats.body.events_total, 'number');
    ws.close();

    const get = async (path: string) => {
      const res = await fetch(srv.url + path);
      await res.arrayBuffer();
      return { status: res.status, type: res.headers.get('content-type') ?? '' };
    };
    assert.match((await get('/')).type, /^text\/html/);
    // The page's only inline script (the import map) is allowed by hash; nothing else inline runs.
    assert.match((await fetch(srv.url + '/')).headers.get('content-security-policy') ?? '', /script-src 'self' 'sha256-[A-Za-z0-9+/=]{44}'; /);
    assert.match((await get('/admin')).type, /^text\/html/);
    assert.match((await get('/app/app.css')).type, /^text\/css/);
    for (const path of ['/app/..%2Fpackage.json', '/app/%2e%2e%2f%2e%2e%2fpackage.json', '/app/sdk/..%2F..%2F..%2Fpackage.json', '/app/nope.js', '/app/.env', '/index.html', '/app/app.ts']) {
      assert.equal((await get(path)).status, 404, path);
    }
    assert.equal((await get('/healthz')).status, 200);
    assert.match((await get('/metrics')).type, /^text\/plain/);
    const doc = (await (await fetch(`${srv.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    assert.ok('/api/v1/admin/stats' in doc.paths);
    assert.ok(!('/' in doc.paths) && !('/admin' in doc.paths), 'static pages stay out of the API description');
  } finally {
    await srv.stop();
  }
});
