// One typed configuration, read from the environment (and overrides for tests), validated at start.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface HeraldConfig {
  port: number;
  host: string;
  /** Public base URL clients should use (e.g. behind a proxy); derived from the request when absent. */
  publicUrl: string | null;
  dataDir: string;
  /** `sqlite:<path>` / `postgres://...`; default is a SQLite file in the data dir. */
  databaseUrl: string;
  /** SQLite durability: `full` (default) survives power loss, `normal` only a process kill. */
  sqliteSynchronous: 'normal' | 'full';
  apiKey: string | null;
  jwtSecret: string;
  openSignup: boolean;
  tokenTtlSeconds: number;
  /** Events older than this are pruned; a resume from before them gets an explicit reset answer. */
  retentionHours: number;
  maxUploadBytes: number;
  /** Outgoing bytes a connection may have pending before it is closed as a slow consumer. */
  maxConnectionBufferBytes: number;
  heartbeatSeconds: number;
  /** Typing events: burst size and refill interval per (user, space). */
  typingBurst: number;
  typingIntervalMs: number;
  maxFrameBytes: number;
  logLevel: string;
  /** AirSend dialect: display_name of bot messages, and lifetime of rtm.connect's ws_token. */
  airsendBotName: string;
  airsendTokenTtlSeconds: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** Reads the JWT secret from the data dir, creating it on first start so tokens survive restarts. */
function loadOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

export function loadConfig(env: Env = process.env, overrides: Partial<HeraldConfig> = {}): HeraldConfig {
  // These five are resolved and checked below; the other overrides replace their env values as given.
  const { dataDir: _d, databaseUrl: _u, apiKey: _k, jwtSecret: _s, publicUrl: _p, ...rest } = overrides;
  const dataDir = resolve(overrides.dataDir ?? env.HERALD_DATA_DIR ?? './data');
  mkdirSync(dataDir, { recursive: true });
  const databaseUrl = overrides.databaseUrl ?? env.HERALD_DATABASE_URL ?? `sqlite:${join(dataDir, 'herald.db')}`;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError(`HERALD_DATABASE_URL must start with sqlite: or postgres://, got "${databaseUrl}"`);
  }
  const apiKey = overrides.apiKey !== undefined ? overrides.apiKey : env.HERALD_API_KEY || null;
  if (apiKey !== null && apiKey.length < 16) throw new ConfigError('HERALD_API_KEY must be at least 16 characters');
  const jwtSecret = overrides.jwtSecret ?? env.HERALD_JWT_SECRET ?? loadOrCreateSecret(dataDir);
  if (jwtSecret.length < 16) throw new ConfigError('HERALD_JWT_SECRET must be at least 16 characters');
  const publicUrl = overrides.publicUrl !== undefined ? overrides.publicUrl : env.HERALD_PUBLIC_URL || null;
  if (publicUrl !== null && !/^https?:\/\//.test(publicUrl)) {
    throw new ConfigError(`HERALD_PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  }
  const sqliteSynchronous = (env.HERALD_SQLITE_SYNCHRONOUS || 'full').toLowerCase();
  if (sqliteSynchronous !== 'normal' && sqliteSynchronous !== 'full') {
    throw new ConfigError(`HERALD_SQLITE_SYNCHRONOUS must be normal or full, got "${env.HERALD_SQLITE_SYNCHRONOUS}"`);
  }
  return {
    port: int(env, 'HERALD_PORT', 8080, 0, 65535),
    host: env.HERALD_HOST || '0.0.0.0',
    publicUrl,
    dataDir,
    databaseUrl,
    sqliteSynchronous,
    apiKey,
    jwtSecret,
    openSignup: bool(env, 'HERALD_OPEN_SIGNUP', true),
    tokenTtlSeconds: int(env, 'HERALD_TOKEN_TTL_SECONDS', 7 * 24 * 3600, 60, 365 * 24 * 3600),
    retentionHours: int(env, 'HERALD_RETENTION_HOURS', 72, 1, 24 * 365),
    maxUploadBytes: int(env, 'HERALD_MAX_UPLOAD_BYTES', 25 * 1024 * 1024, 1, 2 ** 40),
    maxConnectionBufferBytes: int(env, 'HERALD_MAX_CONNECTION_BUFFER_BYTES', 4 * 1024 * 1024, 1024, 2 ** 31),
    heartbeatSeconds: int(env, 'HERALD_HEARTBEAT_SECONDS', 25, 1, 3600),
    typingBurst: int(env, 'HERALD_TYPING_BURST', 3, 1, 100),
    typingIntervalMs: int(env, 'HERALD_TYPING_INTERVAL_MS', 2000, 10, 60000),
    maxFrameBytes: int(env, 'HERALD_MAX_FRAME_BYTES', 64 * 1024, 256, 16 * 1024 * 1024),
    logLevel: env.HERALD_LOG_LEVEL || 'info',
    airsendBotName: env.HERALD_AIRSEND_BOT_NAME || 'AirBot',
    airsendTokenTtlSeconds: int(env, 'HERALD_AIRSEND_TOKEN_TTL_SECONDS', 120, 1, 3600),
    ...rest,
  };
}
