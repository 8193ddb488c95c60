// This node's open connections per user: its share of each user's presence, which both presence backends
// (in-process and NATS) announce and re-announce after a lost lease.
export class LocalCounts extends Map<number, number> {
  /** One more connection of `userId` here. */
  up(userId: number): void {
    this.set(userId, (this.get(userId) ?? 0) + 1);
  }

  /** One fewer; false (and nothing changes) when this node had none, an unmatched disconnect. */
  down(userId: number): boolean {
    const mine = (this.get(userId) ?? 0) - 1;
    if (mine < 0) return false;
    if (mine === 0) this.delete(userId);
    else this.set(userId, mine);
    return true;
  }
}
