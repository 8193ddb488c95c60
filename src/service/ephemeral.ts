// Ephemeral traffic: typing and presence. Never stored, never replayed, carries no position; published on
// the bus's ephemeral fan-out with a space audience that each node resolves from its membership index.
// Nothing here takes the writer lock per event: `last_active_at` is written in batches.
import type { Store } from '../store/store.js';
import type { Bus } from '../bus/bus.js';
import type { HeraldEvent } from '../events/types.js';
import type { Actor } from '../core/actor.js';
import { Throttle } from '../core/throttle.js';
import { excludedFrom } from '../core/audience.js';
import { userOf } from './commit.js';

export interface EphemeralOptions {
  typingBurst: number;
  typingIntervalMs: number;
  /** Throws unless the actor may post in the space (typing is a kind of posting). */
  checkPost(actor: Actor, spaceId: number): Promise<void>;
  /** The user's live spaces, from the node's membership index (no store read). */
  spacesOf(userId: number): readonly number[];
  /** How often touched `last_active_at` values are written (one write for all of them). */
  activityFlushMs?: number;
  /** A batched activity write failed (the values are dropped; the next presence change writes again). */
  onError?: (err: unknown) => void;
  now?: () => number;
}

export class Ephemeral {
  private readonly typingThrottle: Throttle;
  private readonly now: () => number;
  /** user id → last activity not yet written. */
  private activity = new Map<number, number>();
  private readonly flusher: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly opts: EphemeralOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.typingThrottle = new Throttle(opts.typingBurst, opts.typingIntervalMs, this.now);
    this.flusher = setInterval(() => void this.flush(), opts.activityFlushMs ?? 5000);
    this.flusher.unref();
  }

  private publish(ev: HeraldEvent, spaceId: number): void {
    this.bus.ephemeral.publish({ ...ev, id: null, at: this.now(), space_id: spaceId, audience: { space: spaceId }, explicit: [], exclude: excludedFrom(ev) });
  }

  /** Returns false when the typing event was dropped by the throttle. */
  async typing(actor: Actor, spaceId: number): Promise<boolean> {
    const userId = userOf(actor);
    await this.opts.checkPost(actor, spaceId);
    const user = (await this.store.read((r) => r.userRefs([userId]))).get(userId)!;
    if (!this.typingThrottle.take(`${userId}:${spaceId}`)) return false;
    this.publish({ type: 'typing.started', data: { space_id: spaceId, user } }, spaceId);
    return true;
  }

  /** The user stopped typing (no throttle: a stop always goes out, so clients never show a stale typist). */
  async stopTyping(actor: Actor, spaceId: number): Promise<void> {
    const userId = userOf(actor);
    await this.opts.checkPost(actor, spaceId);
    const user = (await this.store.read((r) => r.userRefs([userId]))).get(userId)!;
    this.publish({ type: 'typing.stopped', data: { space_id: spaceId, user } }, spaceId);
  }

  /**
   * Called on a user's first connection and after their last one closes, cluster-wide (or when a dead
   * node's lease expired): one presence event per live space of the user.
   */
  async presenceChanged(userId: number, online: boolean): Promise<void> {
    const now = this.now();
    this.activity.set(userId, now);
    const ref = (await this.store.read((r) => r.userRefs([userId]))).get(userId);
    if (!ref) return;
    // The batched write has not happened yet: the snapshot shows the activity it records.
    const user = { ...ref, last_active_at: now };
    for (const space_id of this.opts.spacesOf(userId)) {
      this.publish({ type: online ? 'presence.online' : 'presence.offline', data: { space_id, user } }, space_id);
    }
  }

  async online(userIds: readonly number[]): Promise<Set<number>> {
    return this.bus.presence.online(userIds);
  }

  /** Writes the pending `last_active_at` values in one transaction. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.activity.size === 0) return;
      const batch = this.activity;
      this.activity = new Map();
      await this.store.write(async (tx) => {
        for (const [id, at] of batch) await tx.touchUser(id, at);
      });
    }).catch((err: unknown) => this.opts.onError?.(err));
    return this.flushing;
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.flusher);
    await this.flush();
  }
}
