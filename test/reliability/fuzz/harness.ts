// The fuzzing harness's shared parts: what a surface is (one file per input surface in ./surfaces/, found
// by fuzz.test.ts; a new dialect adds its frames by adding one file), what it is given (a running Herald
// child with fixtures), how outcomes are tallied, and the value generators and mutators surfaces share.
import type { Rng } from '../../helpers/rng.js';

export interface FuzzUser {
  id: number;
  token: string;
  email: string;
  username: string;
}

/** Ids of objects the fuzzer's user (alice) owns or sees, used to fill id parameters with real ids. */
export interface Fixtures {
  space: number;
  message: number;
  file: number;
  action: number;
  workspace: number;
  content: number;
  fileContent: number;
  comment: number;
  tag: number;
}

export interface OpenApiOperation {
  parameters?: { in: string; name: string; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApi {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  nullable?: boolean;
  additionalProperties?: boolean | JsonSchema;
};

export interface Target {
  base: string;
  /** ws://host:port */
  wsBase: string;
  apiKey: string;
  alice: FuzzUser;
  bob: FuzzUser;
  carol: FuzzUser;
  ids: Fixtures;
  openapi: OpenApi;
  /** Alice's current token (a case may have revoked the previous one; repair() renews it). */
  token(): string;
  /** Logs alice in again, restoring her account if a case deleted it. */
  repair(): Promise<void>;
}

/**
 * One input surface. A file in ./surfaces/ exports it as `surface` (`export const surface: Surface = ...`);
 * fuzz.test.ts finds every such file, so MQTT, STOMP or Moobius frames are one new file each.
 */
export interface Surface {
  /** Shown in the report as fuzz[<name>]. */
  name: string;
  /** Cases per run: fixed, so a run is reproducible from its seed. */
  budget: number;
  /** Surfaces run by (last, name); `last` for one whose cases may delete the shared fixtures. */
  last?: boolean;
  /** Runs about `budget` cases (the test passes `budget`, or a tenth of it to warm up). */
  run(target: Target, rng: Rng, tally: Tally, budget: number): Promise<void>;
}

/** Outcome counts of one surface, and every failure (5xx, `internal`, a crash-like close, no answer). */
export class Tally {
  cases = 0;
  readonly outcomes = new Map<string, number>();
  failed = 0;
  readonly failures: string[] = [];

  saw(outcome: string): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  fail(what: string): void {
    this.failed++;
    if (this.failures.length < 20) this.failures.push(what.slice(0, 600));
  }

  /** The most frequent outcomes, for the report line. */
  summary(top = 8): string {
    return [...this.outcomes].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${k}:${v}`).join(',');
  }
}

// ---- generators ---------------------------------------------------------------------------------------

export const WEIRD_STRINGS: readonly string[] = [
  '',
  ' ',
  'x'.repeat(70_000),
  '\u0000',
  '%zz',
  '%00',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  "' or 1=1 --",
  '😀\u200d👩\u200d👩',
  '\u202e\u0301',
  '\ud800',
  'null',
  'NaN',
  '-1',
  '1e309',
  '__proto__',
  'constructor',
  'toString',
  '{}',
  '\\',
  '"',
  '\r\n\r\n',
];

export const WEIRD_NUMBERS: readonly number[] = [0, -1, 1, 1.5, -0, 2 ** 31, 2 ** 31 - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, 5e-324];

/** encodeURIComponent that turns a lone surrogate into invalid UTF-8 percent-bytes instead of throwing. */
export function uriEncode(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
  }
}

/** Text nested `levels` deep, as arrays or objects. */
export function deepJson(levels: number, objects = false): string {
  return objects ? '{"a":'.repeat(levels) + '1' + '}'.repeat(levels) : '['.repeat(levels) + ']'.repeat(levels);
}

/** Any JSON value, biased to the kinds of values that break parsers and validators. */
export function anyJson(rng: Rng, depth = 3): unknown {
  const k = rng.int(0, depth > 0 ? 9 : 5);
  switch (k) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(WEIRD_NUMBERS);
    case 3:
      return rng.int(-5, 50);
    case 4:
      return rng.pick(WEIRD_STRINGS);
    case 5:
      return `s${rng.int(0, 999)}`;
    case 6:
    case 7: {
      const n = rng.int(0, 4);
      return Array.from({ length: n }, () => anyJson(rng, depth - 1));
    }
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--) o[rng.chance(0.3) ? rng.pick(WEIRD_STRINGS).slice(0, 20) : `k${rng.int(0, 9)}`] = anyJson(rng, depth - 1);
      return o;
    }
  }
}

/** An id for a property or parameter name: usually a real fixture id of a plausible kind, sometimes junk. */
export function idFor(name: string, ids: Fixtures, users: FuzzUser[], rng: Rng): unknown {
  if (rng.chance(0.15)) return rng.pick([0, -1, 2 ** 31, 2 ** 53, 'abc', '1e3', 1.5, null, '']);
  const n = name.toLowerCase();
  if (/user|assignee|owner|member|callee/.test(n)) return rng.pick(users).id;
  if (n.includes('workspace')) return ids.workspace;
  if (n.includes('content') || n.includes('parent')) return rng.pick([ids.content, ids.fileContent, ids.comment]);
  if (n.includes('child')) return rng.pick([ids.comment, ids.tag, ids.content]);
  if (n.includes('tag')) return ids.tag;
  if (n.includes('file') || n.includes('attachment')) return ids.file;
  if (n.includes('message')) return ids.message;
  if (n.includes('space')) return ids.space;
  if (n.includes('event') || n.includes('call')) return rng.int(1, 40);
  return rng.pick([ids.space, ids.message, ids.file, ids.action, rng.int(1, 60)]);
}

/** A valid-looking value for a JSON schema (the generator every HTTP body and frame starts from). */
export function sample(schema: JsonSchema | undefined, rng: Rng, ctx: { name: string; ids: Fixtures; users: FuzzUser[] }, depth = 0): unknown {
  if (!schema || depth > 6) return anyJson(rng, 1);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rng.pick(schema.enum);
  if (schema.anyOf) return sample(rng.pick(schema.anyOf), rng, ctx, depth + 1);
  if (schema.nullable && rng.chance(0.1)) return null;
  switch (schema.type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(schema.properties ?? {})) {
        if ((schema.required ?? []).includes(k) || rng.chance(0.5)) o[k] = sample(s, rng, { ...ctx, name: k }, depth + 1);
      }
      if (schema.additionalProperties !== false && Object.keys(schema.properties ?? {}).length === 0 && rng.chance(0.7)) {
        o[`k${rng.int(0, 9)}`] = anyJson(rng, 2);
      }
      return o;
    }
    case 'array':
      return Array.from({ length: rng.int(0, Math.min(3, schema.maxItems ?? 3)) }, () => sample(schema.items, rng, ctx, depth + 1));
    case 'integer':
    case 'number':
      if (/id$/i.test(ctx.name)) return idFor(ctx.name, ctx.ids, ctx.users, rng);
      return rng.int(schema.minimum ?? 0, Math.min(schema.maximum ?? 100, (schema.minimum ?? 0) + 100));
    case 'boolean':
      return rng.chance(0.5);
    case 'string': {
      if (schema.format === 'email') return `fuzz${rng.int(0, 1e6)}@example.test`;
      if (/ids?$/i.test(ctx.name)) return String(idFor(ctx.name, ctx.ids, ctx.users, rng));
      if (/emoji|value/i.test(ctx.name)) return rng.pick(['U 1F600', '👍', ':smile:', 'U 1F44D']);
      if (schema.pattern) return rng.pick(['abc', 'a_b', 'fuzz' + rng.int(0, 1e6), 'x.y-z']);
      const len = Math.max(schema.minLength ?? 0, Math.min(schema.maxLength ?? 12, rng.int(1, 12)));
      return 'f'.repeat(len);
    }
    default:
      return anyJson(rng, 2);
  }
}

/** One structural mutation of a value: a wrong type, a missing or extra key, an extreme, deep nesting. */
export function mutateValue(v: unknown, rng: Rng): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && rng.chance(0.7)) {
    const o = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(o);
    const k = keys.length ? rng.pick(keys) : 'x';
    switch (rng.int(0, 5)) {
      case 0:
        delete o[k];
        break;
      case 1:
        o[k] = anyJson(rng, 2);
        break;
      case 2:
        o[rng.pick(WEIRD_STRINGS).slice(0, 30) || 'extra'] = anyJson(rng, 1);
        break;
      case 3:
        o[k] = rng.pick([...WEIRD_NUMBERS, ...WEIRD_STRINGS]);
        break;
      case 4:
        o[k] = JSON.parse(deepJson(rng.int(10, 60))) as unknown;
        break;
      default:
        o[k] = [o[k], o[k]];
    }
    return o;
  }
  return anyJson(rng, 3);
}

/** One textual mutation of serialised JSON: cut short, a byte changed, garbage, extreme nesting. */
export function mutateText(text: string, rng: Rng): string {
  switch (rng.int(0, 7)) {
    case 0:
      return text.slice(0, rng.int(0, Math.max(0, text.length - 1)));
    case 1: {
      const i = rng.int(0, Math.max(0, text.length - 1));
      return text.slice(0, i) + String.fromCharCode(rng.int(0, 255)) + text.slice(i + 1);
    }
    case 2:
      return text + rng.pick(['}', ']', ',', '"', '\\', 'garbage']);
    case 3:
      return deepJson(rng.pick([65, 500, 5000, 50_000]), rng.chance(0.5));
    case 4:
      return rng.pick(['', ' ', 'null', 'true', '0', '"str"', '[]', '{}', '{"a":1,"a":2}', '\ufeff{}', 'NaN', '1e99999']);
    case 5:
      return `{"${'k'.repeat(rng.int(1, 20_000))}":1}`;
    case 6:
      return text.replace(/"/g, "'");
    default:
      return `[${Array.from({ length: rng.int(100, 20_000) }, () => '0').join(',')}]`;
  }
}
