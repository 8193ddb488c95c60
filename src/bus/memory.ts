// In-process bus: synchronous fan-out to local subscribers and a connection counter for presence.
import type { Delivered } from '../events/types.js';
import type { Bus, Presence } from './bus.js';

class MemoryPresence implements Presence {
  private readonly counts = new Map<number, number>();

  async connect(userId: number): Promise<boolean> {
    const c = (this.counts.get(userId) ?? 0) + 1;
    this.counts.set(userId, c);
    return c === 1;
  }

  async disconnect(userId: number): Promise<boolean> {
    const c = (this.counts.get(userId) ?? 0) - 1;
    if (c <= 0) this.counts.delete(userId);
    else this.counts.set(userId, c);
    return c <= 0;
  }

  async online(userIds: readonly number[]): Promise<Set<number>> {
    return new Set(userIds.filter((id) => this.counts.has(id)));
  }
}

export class MemoryBus implements Bus {
  private readonly handlers = new Set<(e: Delivered) => void>();
  readonly presence: Presence = new MemoryPresence();

  publish(events: readonly Delivered[]): void {
    for (const e of events) for (const h of this.handlers) h(e);
  }

  subscribe(handler: (event: Delivered) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
