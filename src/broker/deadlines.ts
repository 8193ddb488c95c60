// A min-heap of deadlines (session expiry, will delay) so tick() costs O(due × log n), not a scan of
// every offline session. Entries are invalidated lazily: rescheduling bumps the owner's version.

interface Entry<T> {
  at: number;
  owner: T;
  version: number;
}

export class Deadlines<T extends { deadlineVersion: number }> {
  private heap: Entry<T>[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** (Re)schedules `owner` at `at` (ms); null only cancels. Earlier entries for it become stale. */
  schedule(owner: T, at: number | null): void {
    owner.deadlineVersion++;
    if (at === null) return;
    this.heap.push({ at, owner, version: owner.deadlineVersion });
    this.up(this.heap.length - 1);
  }

  /** Removes and returns the owners whose live deadline is at or before `now`. */
  due(now: number): T[] {
    const out: T[] = [];
    while (this.heap.length > 0 && this.heap[0].at <= now) {
      const e = this.pop();
      if (e.version === e.owner.deadlineVersion) out.push(e.owner);
    }
    return out;
  }

  private pop(): Entry<T> {
    const top = this.heap[0];
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].at <= h[i].at) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l].at < h[m].at) m = l;
      if (r < h.length && h[r].at < h[m].at) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}
