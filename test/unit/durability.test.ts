// The SQLite durability setting: synchronous=FULL unless HERALD_SQLITE_SYNCHRONOUS=normal, as SQLite itself
// reports it (read back after opening), and the setting validated at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openStore } from '../../src/store/store.js';
import { ConfigError, loadConfig } from '../../src/config.js';

async function openedWith(sqliteSynchronous: 'normal' | 'full' | undefined): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-durability-'));
  const lines: { msg: string; synchronous?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string; synchronous?: string }) });
  const store = await openStore(`sqlite:${join(dir, 'h.db')}`, { sqliteSynchronous, log });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return lines.find((l) => l.msg.startsWith('sqlite store opened'))?.synchronous;
}

test('SQLite commits with synchronous=FULL by default (acknowledged writes survive power loss)', async () => {
  assert.equal(loadConfig({}, { dataDir: mkdtempSync(join(tmpdir(), 'herald-cfg-')) }).sqliteSynchronous, 'full');
  assert.equal(await openedWith(undefined), 'full');
  assert.equal(await openedWith('full'), 'full');
});

test('HERALD_SQLITE_SYNCHRONOUS=normal selects NORMAL; any other value stops the start', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-cfg-'));
  assert.equal(loadConfig({ HERALD_SQLITE_SYNCHRONOUS: 'normal' }, { dataDir }).sqliteSynchronous, 'normal');
  assert.equal(loadConfig({ HERALD_SQLITE_SYNCHRONOUS: 'FULL' }, { dataDir }).sqliteSynchronous, 'full');
  assert.throws(() => loadConfig({ HERALD_SQLITE_SYNCHRONOUS: 'off' }, { dataDir }), (e: unknown) => e instanceof ConfigError && /HERALD_SQLITE_SYNCHRONOUS/.test(e.message));
  assert.equal(await openedWith('normal'), 'normal');
  rmSync(dataDir, { recursive: true, force: true });
});
