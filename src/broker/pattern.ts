// Namespace patterns (`dino/groups/{groupId}/#`): matching a topic name, and intersecting a
// wildcard filter to learn which parameters the filter pins down and which it leaves open.

export type PatternLevel = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'hash' };

export interface Pattern {
  readonly levels: readonly PatternLevel[];
  readonly params: readonly string[];
}

/** Parses a pattern, or returns what is wrong with it. */
export function parsePattern(src: string): Pattern | string {
  const levels: PatternLevel[] = [];
  const params: string[] = [];
  const raw = src.split('/');
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i];
    if (l === '#') {
      if (i !== raw.length - 1) return "'#' must be the last level of a pattern";
      levels.push({ kind: 'hash' });
    } else if (/^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(l)) {
      const name = l.slice(1, -1);
      if (params.includes(name)) return `parameter {${name}} appears twice`;
      params.push(name);
      levels.push({ kind: 'param', name });
    } else if (/[+#{}]/.test(l) || l.includes('\u0000')) {
      return `level "${l}" mixes literal text with a wildcard or brace`;
    } else {
      levels.push({ kind: 'literal', value: l });
    }
  }
  return { levels, params };
}

const isDollar = (s: string) => s.charCodeAt(0) === 0x24;

/**
 * The parameters when the topic name (as levels) lies in the pattern, else null. A parameter takes
 * one non-empty level; `#` takes the rest, including nothing (`a/#` holds `a`, as in MQTT §4.7.1.2).
 * Like MQTT wildcards, a parameter or `#` at the first level does not take a `$` topic (§4.7.2).
 */
export function matchPattern(p: Pattern, levels: readonly string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < p.levels.length; i++) {
    const pl = p.levels[i];
    if (pl.kind === 'hash') return i === 0 && isDollar(levels[0]) ? null : params;
    if (i >= levels.length) return null;
    const l = levels[i];
    if (pl.kind === 'literal') {
      if (l !== pl.value) return null;
    } else {
      if (l === '' || (i === 0 && isDollar(l))) return null;
      params[pl.name] = l;
    }
  }
  return levels.length === p.levels.length ? params : null;
}

export interface Intersection {
  /** Parameters the filter fixes to one literal value. */
  bound: Record<string, string>;
  /** Parameters a wildcard of the filter leaves open (any value could be reached). */
  unbound: Set<string>;
}

/**
 * Whether some topic could match both the MQTT filter (levels) and the pattern; if so, which
 * pattern parameters the filter binds and which it leaves to a wildcard.
 */
export function intersectPattern(p: Pattern, filter: readonly string[]): Intersection | null {
  const bound: Record<string, string> = {};
  const unbound = new Set<string>();
  for (let i = 0; i < p.levels.length; i++) {
    const pl = p.levels[i];
    const fl = filter[i];
    if (pl.kind === 'hash') {
      // A pattern starting with '#' holds no '$' topic; a filter starting with '$' reaches only those.
      if (i === 0 && fl !== undefined && isDollar(fl)) return null;
      return { bound, unbound };
    }
    if (fl === undefined) return null; // the filter's topics are shorter than the pattern's
    if (fl === '#') {
      // Reaches everything below: every remaining parameter is open.
      if (i === 0 && pl.kind === 'literal' && isDollar(pl.value)) return null;
      for (let j = i; j < p.levels.length; j++) {
        const r = p.levels[j];
        if (r.kind === 'param') unbound.add(r.name);
      }
      return { bound, unbound };
    }
    if (fl === '+') {
      if (pl.kind === 'literal') {
        if (i === 0 && isDollar(pl.value)) return null;
      } else {
        unbound.add(pl.name);
      }
      continue;
    }
    if (pl.kind === 'literal') {
      if (fl !== pl.value) return null;
    } else {
      if (fl === '' || (i === 0 && isDollar(fl))) return null;
      bound[pl.name] = fl;
    }
  }
  // Pattern exhausted without '#': the filter must end here too, or continue with '#' alone
  // (which also matches the parent level, §4.7.1.2).
  if (filter.length === p.levels.length) return { bound, unbound };
  if (filter.length === p.levels.length + 1 && filter[p.levels.length] === '#') return { bound, unbound };
  return null;
}
