// A first-in first-out list with O(1) push and shift (an array with a moving head, compacted when
// half of it is consumed). Arrays' shift() is O(n), which would make draining a long queue quadratic.

/** The items of every empty Fifo until its first push (frozen: writing to it would be a bug). An idle
 * connection holds several Fifos, and an array costs 32 bytes before it holds anything. */
const NONE = Object.freeze([]) as never[];

export class Fifo<T> {
  private items: T[] = NONE;
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.items === NONE) this.items = [item];
    else this.items.push(item);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined as T; // let it be collected
    this.head++;
    if (this.head === this.items.length) {
      // Drained: drop the backing store too (an idle connection's queues would otherwise keep theirs).
      this.items = NONE;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns the first item satisfying `pred` (O(n); used only by drop policies). */
  removeFirst(pred: (item: T) => boolean): T | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (pred(item)) {
        this.items.splice(i, 1);
        return item;
      }
    }
    return undefined;
  }

  /** Inserts keeping the list sorted by `key` ascending, searching from the front (requeues go near it). */
  insertSorted(item: T, key: (x: T) => number): void {
    const k = key(item);
    if (this.items === NONE) this.items = [];
    let i = this.head;
    while (i < this.items.length && key(this.items[i]) < k) i++;
    this.items.splice(i, 0, item);
  }

  /** Keeps only the items satisfying `pred`, returning the removed ones. */
  retain(pred: (item: T) => boolean): T[] {
    const kept: T[] = [];
    const removed: T[] = [];
    for (let i = this.head; i < this.items.length; i++) (pred(this.items[i]) ? kept : removed).push(this.items[i]);
    this.items = kept;
    this.head = 0;
    return removed;
  }

  clear(): T[] {
    const all = this.items.slice(this.head);
    this.items = NONE;
    this.head = 0;
    return all;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i];
  }
}
