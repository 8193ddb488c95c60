// An insertion-ordered list with numeric keys, for state that churns once per delivery (in-flight
// windows, unacked queue deliveries, stored queues). A long-lived Map used this way is slow: V8
// rehashes its table every few set/delete pairs, and for a Map in old space each of those costs
// about a microsecond (measured in bench/broker-match.ts: 1.8 µs per QoS 1 delivery with Maps,
// 0.2 µs with this). Lookups scan from the oldest entry, which is where acknowledgements land.

/** The arrays of every empty KeyedList until its first set (frozen: writing to them would be a bug). */
const NONE = Object.freeze([]) as never[];

export class KeyedList<T> {
  private keys: number[] = NONE;
  private items: (T | undefined)[] = NONE;
  private head = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  private indexOf(key: number): number {
    const keys = this.keys;
    const items = this.items;
    for (let i = this.head; i < keys.length; i++) if (keys[i] === key && items[i] !== undefined) return i;
    return -1;
  }

  has(key: number): boolean {
    return this.live > 0 && this.indexOf(key) !== -1;
  }

  get(key: number): T | undefined {
    if (this.live === 0) return undefined;
    const i = this.indexOf(key);
    return i === -1 ? undefined : this.items[i];
  }

  /** Replaces the item under `key` in place, or appends it (items must not be undefined). */
  set(key: number, item: T): void {
    const i = this.live > 0 ? this.indexOf(key) : -1;
    if (i !== -1) {
      this.items[i] = item;
      return;
    }
    if (this.keys === NONE) {
      this.keys = [key];
      this.items = [item];
    } else {
      this.keys.push(key);
      this.items.push(item);
    }
    this.live++;
  }

  delete(key: number): boolean {
    if (this.live === 0) return false;
    const i = this.indexOf(key);
    if (i === -1) return false;
    this.items[i] = undefined;
    this.live--;
    if (this.live === 0) {
      this.keys = NONE;
      this.items = NONE;
      this.head = 0;
      return true;
    }
    while (this.items[this.head] === undefined) this.head++;
    // Compact when the consumed prefix or the holes behind a straggler outweigh the live entries.
    if ((this.head > 64 && this.head * 2 > this.keys.length) || this.keys.length - this.head > 2 * this.live + 64) this.compact();
    return true;
  }

  clear(): void {
    this.keys = NONE;
    this.items = NONE;
    this.head = 0;
    this.live = 0;
  }

  *entries(): IterableIterator<[number, T]> {
    for (let i = this.head; i < this.keys.length; i++) {
      const item = this.items[i];
      if (item !== undefined) yield [this.keys[i], item];
    }
  }

  /** A snapshot of the items, oldest first (safe to mutate the list while walking it). */
  values(): T[] {
    const out: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item !== undefined) out.push(item);
    }
    return out;
  }

  private compact(): void {
    const keys: number[] = [];
    const items: T[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      const item = this.items[i];
      if (item !== undefined) {
        keys.push(this.keys[i]);
        items.push(item);
      }
    }
    this.keys = keys;
    this.items = items;
    this.head = 0;
  }
}
