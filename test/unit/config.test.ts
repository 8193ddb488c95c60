// Dialect config sections: read from the variables each setting names, defaults, conversion from text,
// and a clear error naming the variable; every registered dialect's section is valid by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, readSection } from '../../src/config.js';
import { DIALECTS } from '../../src/herald.js';

const Section = Type.Object({
  name: Type.String({ minLength: 1, default: 'Bot', env: 'X_NAME' }),
  ttl: Type.Integer({ minimum: 1, maximum: 60, default: 10, env: 'X_TTL' }),
  on: Type.Boolean({ default: false, env: 'X_ON' }),
});

test('a section takes defaults, converts text, and names the variable of a bad value', () => {
  assert.deepEqual(readSection('x', Section, {}), { name: 'Bot', ttl: 10, on: false });
  assert.deepEqual(readSection('x', Section, { X_NAME: 'Herald', X_TTL: '30', X_ON: 'true' }), { name: 'Herald', ttl: 30, on: true });
  assert.throws(() => readSection('x', Section, { X_TTL: '0' }), (e: unknown) => e instanceof ConfigError && /^X_TTL .*got "0"/.test(e.message));
  assert.throws(() => readSection('x', Section, { X_TTL: 'soon' }), ConfigError);
  assert.throws(() => readSection('x', Type.Object({ a: Type.String() }), {}), /names no environment variable/);
});

test('every registered dialect has a valid section with its defaults, and reads its own variables', () => {
  for (const d of DIALECTS) assert.doesNotThrow(() => readSection(d.name, d.config, {}), d.name);
  const airsend = DIALECTS.find((d) => d.name === 'airsend')!;
  assert.deepEqual(readSection('airsend', airsend.config, { HERALD_AIRSEND_BOT_NAME: 'HeraldBot', HERALD_AIRSEND_TOKEN_TTL_SECONDS: '5' }), { botName: 'HeraldBot', tokenTtlSeconds: 5 });
  assert.throws(() => readSection('airsend', airsend.config, { HERALD_AIRSEND_TOKEN_TTL_SECONDS: '7200' }), /HERALD_AIRSEND_TOKEN_TTL_SECONDS/);
});

test('cluster settings: NATS URL and prefix are checked; without a URL the node runs alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
  try {
    const base = { HERALD_DATA_DIR: dir, HERALD_JWT_SECRET: 'a-secret-of-sixteen+' };
    const alone = loadConfig(base);
    assert.deepEqual([alone.natsUrl, alone.natsPrefix, alone.headCheckMs], [null, 'herald', 1000]);
    const c = loadConfig({ ...base, HERALD_NATS_URL: 'nats://a:4222,nats://b:4222', HERALD_NATS_PREFIX: 'prod.eu-1', HERALD_HEAD_CHECK_MS: '250' });
    assert.deepEqual([c.natsUrl, c.natsPrefix, c.headCheckMs], ['nats://a:4222,nats://b:4222', 'prod.eu-1', 250]);
    assert.throws(() => loadConfig({ ...base, HERALD_NATS_URL: 'http://a:4222' }), (e: unknown) => e instanceof ConfigError && /HERALD_NATS_URL/.test(e.message));
    assert.throws(() => loadConfig({ ...base, HERALD_NATS_PREFIX: 'a.*' }), (e: unknown) => e instanceof ConfigError && /HERALD_NATS_PREFIX/.test(e.message));
    assert.throws(() => loadConfig({ ...base, HERALD_HEAD_CHECK_MS: '10' }), (e: unknown) => e instanceof ConfigError && /HERALD_HEAD_CHECK_MS/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
