// The subscription trie: one node per filter level, with `+` and `#` as their own branches, so
// matching a topic costs O(depth × wildcard branches), not O(subscriptions). Matching reports the
// nodes that matched (their subscription arrays are not copied) into a caller-owned array, so a
// publish allocates nothing here. Hand-written because no maintained JS matcher does MQTT 5 shared
// groups and the `$` rule with zero per-match allocation (qlobber allocates its result set).

/** What the trie needs of a subscription. */
export interface TrieEntry {
  /** Levels of the inner (non-shared) filter. */
  readonly levels: readonly string[];
  /** Share name (`$share/{share}/...`), or null. */
  readonly share: string | null;
}

/** A shared subscription group at one filter: one member gets each message (§4.8.2). */
export interface SharedGroup<T> {
  readonly name: string;
  readonly members: T[];
  /** Round-robin cursor. */
  next: number;
}

export class TrieNode<T> {
  children: Map<string, TrieNode<T>> | null = null;
  plus: TrieNode<T> | null = null;
  hash: TrieNode<T> | null = null;
  /** Non-shared subscriptions whose filter ends at this node. */
  subs: T[] | null = null;
  /** Shared groups whose filter ends at this node, by share name. */
  groups: Map<string, SharedGroup<T>> | null = null;

  empty(): boolean {
    return !this.subs && !this.groups && !this.plus && !this.hash && (!this.children || this.children.size === 0);
  }
}

export class SubscriptionTrie<T extends TrieEntry> {
  private readonly root = new TrieNode<T>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(entry: T): void {
    let n = this.root;
    for (const level of entry.levels) n = this.child(n, level);
    if (entry.share === null) {
      (n.subs ??= []).push(entry);
    } else {
      const groups = (n.groups ??= new Map());
      let g = groups.get(entry.share);
      if (!g) groups.set(entry.share, (g = { name: entry.share, members: [], next: 0 }));
      g.members.push(entry);
    }
    this.count++;
  }

  remove(entry: T): boolean {
    const path: TrieNode<T>[] = [this.root];
    for (const level of entry.levels) {
      const next = this.lookup(path[path.length - 1], level);
      if (!next) return false;
      path.push(next);
    }
    const n = path[path.length - 1];
    if (!removeFrom(n, entry)) return false;
    this.count--;
    // Prune nodes left empty, bottom-up, so churn does not grow the trie.
    for (let i = entry.levels.length; i > 0; i--) {
      if (!path[i].empty()) break;
      this.unlink(path[i - 1], entry.levels[i - 1]);
    }
    return true;
  }

  /**
   * Pushes every node holding subscriptions that match `levels` (a topic name's levels) onto `out`.
   * §4.7.1.2: `#` matches the parent level and everything below; §4.7.1.3: `+` one level, possibly
   * empty; §4.7.2: at the first level, `+` and `#` do not match a topic starting with `$`.
   */
  match(levels: readonly string[], out: TrieNode<T>[]): void {
    const dollar = levels[0].charCodeAt(0) === 0x24;
    this.walk(this.root, levels, 0, out, dollar);
  }

  private walk(n: TrieNode<T>, levels: readonly string[], i: number, out: TrieNode<T>[], dollar: boolean): void {
    const wild = !(dollar && i === 0);
    if (wild && n.hash) out.push(n.hash);
    if (i === levels.length) {
      if (n.subs || n.groups) out.push(n);
      return;
    }
    const child = n.children?.get(levels[i]);
    if (child) this.walk(child, levels, i + 1, out, dollar);
    if (wild && n.plus) this.walk(n.plus, levels, i + 1, out, dollar);
  }

  private child(n: TrieNode<T>, level: string): TrieNode<T> {
    if (level === '+') return (n.plus ??= new TrieNode<T>());
    if (level === '#') return (n.hash ??= new TrieNode<T>());
    const children = (n.children ??= new Map());
    let c = children.get(level);
    if (!c) children.set(level, (c = new TrieNode<T>()));
    return c;
  }

  private lookup(n: TrieNode<T>, level: string): TrieNode<T> | null {
    if (level === '+') return n.plus;
    if (level === '#') return n.hash;
    return n.children?.get(level) ?? null;
  }

  private unlink(parent: TrieNode<T>, level: string): void {
    if (level === '+') parent.plus = null;
    else if (level === '#') parent.hash = null;
    else {
      parent.children?.delete(level);
      if (parent.children?.size === 0) parent.children = null;
    }
  }
}

function removeFrom<T extends TrieEntry>(n: TrieNode<T>, entry: T): boolean {
  if (entry.share === null) {
    const subs = n.subs;
    const i = subs ? subs.indexOf(entry) : -1;
    if (!subs || i === -1) return false;
    // Order inside a node carries no meaning: swap-remove.
    subs[i] = subs[subs.length - 1];
    subs.pop();
    if (subs.length === 0) n.subs = null;
    return true;
  }
  const g = n.groups?.get(entry.share);
  const i = g ? g.members.indexOf(entry) : -1;
  if (!g || i === -1) return false;
  g.members.splice(i, 1); // keep the round-robin order of the others
  if (g.next > i) g.next--;
  if (g.members.length === 0) {
    n.groups!.delete(entry.share);
    if (n.groups!.size === 0) n.groups = null;
  }
  return true;
}
