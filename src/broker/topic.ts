// Topic names and topic filters with MQTT 5 rules (§4.7, §4.8.2): validation, shared-subscription
// parsing and a standalone matcher (the trie is the fast path; this one serves stores and checks).

/** Limits that bound the work one topic can cost. MQTT caps strings at 65,535 bytes (§1.5.4). */
export interface TopicLimits {
  /** Maximum UTF-8 length of a topic name or filter, in bytes. */
  maxBytes: number;
  /** Maximum number of levels (separators + 1); bounds trie depth and matching recursion. */
  maxLevels: number;
}

export const DEFAULT_TOPIC_LIMITS: TopicLimits = { maxBytes: 65_535, maxLevels: 128 };

export type TopicError = { ok: false; message: string };

/** A parsed subscription filter: `$share/{group}/{filter}` gives `share` and the inner filter. */
export interface ParsedFilter {
  ok: true;
  /** The inner filter (what is matched); for a shared subscription, without `$share/{group}/`. */
  filter: string;
  /** Its levels, split on `/`. */
  levels: readonly string[];
  /** The share name of a shared subscription, or null. */
  share: string | null;
  /** True when the inner filter contains `+` or `#`. */
  wildcard: boolean;
}

const SHARE_PREFIX = '$share/';

function checkString(s: string, what: string, limits: TopicLimits): TopicError | null {
  // §4.7.3: at least one character. §1.5.4: UTF-8, no U+0000, at most 65,535 bytes.
  if (s.length === 0) return { ok: false, message: `${what} is empty` };
  if (s.length * 3 > limits.maxBytes && Buffer.byteLength(s, 'utf8') > limits.maxBytes) {
    return { ok: false, message: `${what} is longer than ${limits.maxBytes} bytes` };
  }
  if (s.includes('\u0000')) return { ok: false, message: `${what} contains U+0000` };
  // A lone surrogate cannot be encoded as UTF-8 (§1.5.4 forbids U+D800..U+DFFF).
  if (!isWellFormed(s)) return { ok: false, message: `${what} is not valid UTF-8` };
  return null;
}

/** False when the string holds a lone surrogate (not encodable as UTF-8); with `u`, pairs never match. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function countLevels(s: string): number {
  let n = 1;
  for (let i = s.indexOf('/'); i !== -1; i = s.indexOf('/', i + 1)) n++;
  return n;
}

/** Validates a topic name as used in PUBLISH (§4.7.1: no wildcards in topic names; §4.7.3). */
export function validateTopicName(topic: string, limits: TopicLimits = DEFAULT_TOPIC_LIMITS): TopicError | null {
  const bad = checkString(topic, 'topic name', limits);
  if (bad) return bad;
  if (topic.includes('+') || topic.includes('#')) return { ok: false, message: 'topic name contains a wildcard (+ or #)' };
  if (countLevels(topic) > limits.maxLevels) return { ok: false, message: `topic name has more than ${limits.maxLevels} levels` };
  return null;
}

/** Checks the wildcard placement of a (non-shared) filter's levels (§4.7.1.2, §4.7.1.3). */
function checkFilterLevels(levels: readonly string[]): string | null {
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (l === '#') {
      if (i !== levels.length - 1) return "'#' must be the last level of a topic filter";
    } else if (l === '+') {
      continue;
    } else if (l.includes('#') || l.includes('+')) {
      return 'a wildcard (+ or #) must occupy a whole level';
    }
  }
  return null;
}

/**
 * Parses and validates a topic filter from SUBSCRIBE / UNSUBSCRIBE, including the shared form
 * `$share/{ShareName}/{filter}` (§4.8.2: ShareName non-empty, without `/`, `+` or `#`).
 */
export function parseFilter(raw: string, limits: TopicLimits = DEFAULT_TOPIC_LIMITS): ParsedFilter | TopicError {
  const bad = checkString(raw, 'topic filter', limits);
  if (bad) return bad;
  let share: string | null = null;
  let filter = raw;
  if (raw.startsWith(SHARE_PREFIX)) {
    const slash = raw.indexOf('/', SHARE_PREFIX.length);
    if (slash === -1) return { ok: false, message: 'shared subscription lacks a topic filter ($share/{group}/{filter})' };
    share = raw.slice(SHARE_PREFIX.length, slash);
    filter = raw.slice(slash + 1);
    if (share.length === 0) return { ok: false, message: 'shared subscription has an empty share name' };
    if (share.includes('+') || share.includes('#')) return { ok: false, message: 'share name contains a wildcard' };
    if (filter.length === 0) return { ok: false, message: 'shared subscription has an empty topic filter' };
  } else if (raw === '$share') {
    return { ok: false, message: 'shared subscription lacks a share name' };
  }
  const levels = filter.split('/');
  if (levels.length > limits.maxLevels) return { ok: false, message: `topic filter has more than ${limits.maxLevels} levels` };
  const misplaced = checkFilterLevels(levels);
  if (misplaced) return { ok: false, message: misplaced };
  const wildcard = levels.some((l) => l === '+' || l === '#');
  return { ok: true, filter, levels, share, wildcard };
}

/**
 * True when `filter` (a non-shared filter, already valid) matches `topic` (a valid topic name).
 * §4.7.1.2 `#` also matches the parent level; §4.7.1.3 `+` matches one level, possibly empty;
 * §4.7.2 a filter starting with a wildcard does not match a topic starting with `$`.
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.charCodeAt(0) === 0x24 /* $ */) {
    const c = filter.charCodeAt(0);
    if (c === 0x2b /* + */ || c === 0x23 /* # */) return false;
  }
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true; // matches this level and everything below, or the parent alone
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
