// Cross-node fan-out and presence. The in-process bus is the default; a NATS JetStream bus implements the
// same interface for a cluster (see docs/architecture.md for what it must guarantee).
import type { Delivered } from '../events/types.js';

export interface Presence {
  /** Records one more connection of the user; true when it is their first anywhere. */
  connect(userId: number): Promise<boolean>;
  /** Records a closed connection; true when it was their last anywhere. */
  disconnect(userId: number): Promise<boolean>;
  online(userIds: readonly number[]): Promise<Set<number>>;
}

export interface Bus {
  /**
   * Publishes events, in the order given. Callers publish logged events in position order (the store's
   * afterCommit hook runs under the writer lock); subscribers receive them in that order.
   */
  publish(events: readonly Delivered[]): void;
  subscribe(handler: (event: Delivered) => void): () => void;
  readonly presence: Presence;
  close(): Promise<void>;
}
