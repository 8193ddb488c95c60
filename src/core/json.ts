// The one JSON parser for client input on every transport (HTTP bodies, WebSocket frames, later MQTT and
// STOMP payloads): a nesting-depth limit, so validators and serialisers never recurse past the stack,
// and prototype-poisoning keys (`__proto__`, `constructor.prototype`) refused as fastify refuses them.
import secureJson from 'secure-json-parse';
import { badRequest } from './errors.js';

/** Deepest nesting of objects and arrays Herald accepts; no Herald input needs more than a few levels. */
export const MAX_JSON_DEPTH = 64;

export interface ParseJsonOptions {
  /** Deepest nesting of objects and arrays accepted (default MAX_JSON_DEPTH). */
  maxDepth?: number;
  /** Names the input in error messages ("body", "frame", "payload"). */
  label?: string;
}

/**
 * True when `text` nests objects/arrays deeper than `max`. One pass over the characters, skipping strings;
 * done before JSON.parse because it is the recursion after parsing (schema checks, JSON.stringify) that
 * overflows, and no JSON library offers a depth limit.
 */
export function deeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Parses client JSON; throws `bad_request` with what is wrong (invalid, too deep, forbidden key). */
export function parseJson(text: string, opts: ParseJsonOptions = {}): unknown {
  const label = opts.label ?? 'body';
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  if (text.trim() === '') throw badRequest(`${label} is empty; send JSON`);
  if (deeperThan(text, maxDepth)) throw badRequest(`${label} nests objects or arrays deeper than ${maxDepth} levels`);
  try {
    return secureJson.parse(text, null, { protoAction: 'error', constructorAction: 'error' });
  } catch (e) {
    const poisoned = e instanceof SyntaxError && /prototype/i.test(e.message);
    throw badRequest(poisoned ? `${label} contains a forbidden key (__proto__ or constructor.prototype)` : `${label} is not valid JSON`);
  }
}
