// Retained messages indexed by topic level, so a subscription's filter finds its retained messages
// by walking the filter (cost follows the matching part of the tree, not the number of retained).
import type { BrokerMessage } from './message.js';

interface Node {
  children: Map<string, Node>;
  message: BrokerMessage | null;
}

const node = (): Node => ({ children: new Map(), message: null });

export class RetainedTree {
  private root = node();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(topic: string): BrokerMessage | null {
    let n: Node | undefined = this.root;
    for (const level of topic.split('/')) {
      n = n.children.get(level);
      if (!n) return null;
    }
    return n.message;
  }

  set(message: BrokerMessage): void {
    let n = this.root;
    for (const level of message.topic.split('/')) {
      let next = n.children.get(level);
      if (!next) n.children.set(level, (next = node()));
      n = next;
    }
    if (!n.message) this.count++;
    n.message = message;
  }

  delete(topic: string): void {
    const path: Node[] = [this.root];
    const levels = topic.split('/');
    for (const level of levels) {
      const next = path[path.length - 1].children.get(level);
      if (!next) return;
      path.push(next);
    }
    const leaf = path[path.length - 1];
    if (!leaf.message) return;
    leaf.message = null;
    this.count--;
    // Prune empty branches so the tree does not keep dead levels.
    for (let i = levels.length; i > 0; i--) {
      const n = path[i];
      if (n.message || n.children.size > 0) break;
      path[i - 1].children.delete(levels[i - 1]);
    }
  }

  /** Messages matching a valid, non-shared filter (§4.7; `$` topics not matched by a leading wildcard, §4.7.2). */
  match(filter: string): BrokerMessage[] {
    const out: BrokerMessage[] = [];
    this.walk(this.root, filter.split('/'), 0, out);
    return out;
  }

  private walk(n: Node, levels: string[], i: number, out: BrokerMessage[]): void {
    if (i === levels.length) {
      if (n.message) out.push(n.message);
      return;
    }
    const level = levels[i];
    if (level === '#') {
      // §4.7.1.2: '#' matches the parent level too.
      if (n.message && i > 0) out.push(n.message);
      this.collectAll(n, out, i === 0);
    } else if (level === '+') {
      for (const [name, child] of n.children) {
        if (i === 0 && name.startsWith('$')) continue;
        this.walk(child, levels, i + 1, out);
      }
    } else {
      const child = n.children.get(level);
      if (child) this.walk(child, levels, i + 1, out);
    }
  }

  private collectAll(n: Node, out: BrokerMessage[], atRoot: boolean): void {
    for (const [name, child] of n.children) {
      if (atRoot && name.startsWith('$')) continue;
      if (child.message) out.push(child.message);
      this.collectAll(child, out, false);
    }
  }
}
