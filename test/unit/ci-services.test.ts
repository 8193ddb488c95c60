// The rule that makes a green CI mean every test ran: a test needing a missing service skips locally but
// fails under CI=true (requireServices in test/helpers/services.ts), checked on a throwaway test file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVICES = new URL('../helpers/services.js', import.meta.url).href;

function runWith(env: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'herald-ci-'));
  const file = join(dir, 'needs-chromium.test.mjs');
  writeFileSync(file, `import { test } from 'node:test';\nimport { requireServices } from '${SERVICES}';\nconst skip = await requireServices('chromium');\ntest('uses chromium', { skip }, () => {});\n`);
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && k !== 'NODE_TEST_CONTEXT') base[k] = v;
  const r = spawnSync(process.execPath, ['--test', file], { env: { ...base, HERALD_TEST_CHROMIUM: join(dir, 'no-such-browser'), ...env }, encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('a missing service skips the test outside CI', () => {
  const r = runWith({});
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /# skipped 1/);
});

test('under CI=true a missing service fails the run, naming the service', () => {
  const r = runWith({ CI: 'true' });
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /required service available under CI=true: chromium/);
  assert.match(r.out, /no-such-browser is missing/);
});
