// One typed configuration, read from the environment (and overrides for tests), validated at start. Each
// dialect declares its own section (a TypeBox object whose properties name their variable in `env`);
// readSection validates it here, so a bad value stops the server before it listens.
import { randomBytes } from 'node:crypto';
import type { TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { NamespaceTableSchema, type NamespaceSpec } from './broker/index.js';

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
  /** Live events a connection holds while it replays; past this it drops them and re-reads the store. */
  maxHeldEvents: number;
  /** Presence lease: a node that stops renewing it counts as gone after this long (its users go offline). */
  presenceLeaseSeconds: number;
  /** Broker namespaces beyond the dialects' event topics (HERALD_BROKER_NAMESPACES, JSON; see docs/broker.md). */
  brokerNamespaces: NamespaceSpec[];
  /** The `interop` namespace: every topic, no ACL. Off by default; for outside conformance suites only. */
  brokerPermissive: boolean;
  /** Bounds of each persistent broker session's offline queue (QoS 1/2 messages waiting for its client). */
  brokerMaxQueuedMessages: number;
  brokerMaxQueuedBytes: number;
  /** NATS server(s) of a cluster (HERALD_NATS_URL); null: one node, in-process bus. */
  natsUrl: string | null;
  /** Subject and KV bucket prefix: the nodes sharing it (and one database) form one cluster. */
  natsPrefix: string;
  /** Cluster only: how often a node compares its position with the log head (events lost in transit). */
  headCheckMs: number;
  logLevel: string;
  /** The environment the config was read from: dialects read their own sections from it (readSection). */
  env: Env;
}

export class ConfigError extends Error {}

export type Env = Record<string, string | undefined>;

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

/** Default broker namespace: `public/#`, any signed-in user may publish and subscribe. */
const DEFAULT_NAMESPACES: NamespaceSpec[] = [{ name: 'public', pattern: 'public/#', kind: 'broker', access: 'public', queues: true }];
const checkNamespaces = TypeCompiler.Compile(NamespaceTableSchema);

function namespaces(env: Env): NamespaceSpec[] {
  const raw = env.HERALD_BROKER_NAMESPACES;
  if (raw === undefined || raw === '') return DEFAULT_NAMESPACES;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError('HERALD_BROKER_NAMESPACES must be a JSON array of namespaces (docs/broker.md)');
  }
  if (!checkNamespaces.Check(value)) {
    const e = checkNamespaces.Errors(value).First();
    throw new ConfigError(`HERALD_BROKER_NAMESPACES: ${e ? `${e.path} ${e.message}` : 'not a namespace list'}`);
  }
  return value;
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
  const natsUrl = env.HERALD_NATS_URL || null;
  if (natsUrl !== null && !natsUrl.split(',').every((u) => /^(nats|tls):\/\/[^\s/]+$/.test(u.trim()))) {
    throw new ConfigError(`HERALD_NATS_URL must be nats://host:port (or a comma-separated list), got "${natsUrl}"`);
  }
  const natsPrefix = env.HERALD_NATS_PREFIX || 'herald';
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(natsPrefix) || natsPrefix.length > 64) {
    throw new ConfigError(`HERALD_NATS_PREFIX must be NATS subject tokens ([A-Za-z0-9_-], dot-separated, at most 64 characters), got "${natsPrefix}"`);
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
    maxHeldEvents: int(env, 'HERALD_MAX_HELD_EVENTS', 5000, 10, 10_000_000),
    presenceLeaseSeconds: int(env, 'HERALD_PRESENCE_LEASE_SECONDS', 30, 1, 3600),
    brokerNamespaces: namespaces(env),
    brokerPermissive: bool(env, 'HERALD_BROKER_PERMISSIVE', false),
    brokerMaxQueuedMessages: int(env, 'HERALD_BROKER_MAX_QUEUED_MESSAGES', 1000, 1, 10_000_000),
    brokerMaxQueuedBytes: int(env, 'HERALD_BROKER_MAX_QUEUED_BYTES', 8 * 1024 * 1024, 1024, 2 ** 40),
    natsUrl,
    natsPrefix,
    headCheckMs: int(env, 'HERALD_HEAD_CHECK_MS', 1000, 50, 600_000),
    logLevel: env.HERALD_LOG_LEVEL || 'info',
    env,
    ...rest,
  };
}

/**
 * Reads one dialect's section: each property of `schema` names its variable in `env` and has a default.
 * Values are converted from text as the schema says (integers, booleans) and checked; a bad value throws
 * a ConfigError naming the variable.
 */
export function readSection(name: string, schema: TObject, env: Env): unknown {
  const raw: Record<string, unknown> = {};
  const vars: Record<string, string> = {};
  for (const [key, prop] of Object.entries(schema.properties)) {
    const variable = (prop as { env?: unknown }).env;
    if (typeof variable !== 'string') throw new ConfigError(`dialect ${name}: setting ${key} names no environment variable (env)`);
    vars[key] = variable;
    const v = env[variable];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const value = Value.Convert(schema, Value.Default(schema, raw));
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    const key = first?.path.split('/')[1] ?? '';
    const variable = vars[key] ?? key;
    throw new ConfigError(`${variable} ${first ? first.message.toLowerCase() : 'is invalid'}, got "${env[variable] ?? ''}"`);
  }
  return value;
}
