// Ephemeral traffic: typing and presence. Never stored, never replayed, carries no position; published
// straight on the bus to the space's members.
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
  now?: () => number;
}

export class Ephemeral {
  private readonly typingThrottle: Throttle;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly opts: EphemeralOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.typingThrottle = new Throttle(opts.typingBurst, opts.typingIntervalMs, this.now);
  }

  private async publish(ev: HeraldEvent, spaceId: number): Promise<void> {
    const recipients = await this.store.read((r) => r.memberIds(spaceId));
    this.bus.publish([{ ...ev, id: null, at: this.now(), space_id: spaceId, recipients, exclude: excludedFrom(ev) }]);
  }

  /** Returns false when the typing event was dropped by the throttle. */
  async typing(actor: Actor, spaceId: number): Promise<boolean> {
    const userId = userOf(actor);
    await this.opts.checkPost(actor, spaceId);
    const user = (await this.store.read((r) => r.userRefs([userId]))).get(userId)!;
    if (!this.typingThrottle.take(`${userId}:${spaceId}`)) return false;
    await this.publish({ type: 'typing.started', data: { space_id: spaceId, user } }, spaceId);
    return true;
  }

  /** Called by the gateway on a user's first connection and after their last one closes (cluster-wide). */
  async presenceChanged(userId: number, online: boolean): Promise<void> {
    const now = this.now();
    await this.store.write((tx) => tx.touchUser(userId, now));
    const { user, spaces } = await this.store.read(async (r) => ({ user: (await r.userRefs([userId])).get(userId), spaces: await r.spaceIdsOf(userId) }));
    if (!user) return;
    for (const space_id of spaces) {
      await this.publish({ type: online ? 'presence.online' : 'presence.offline', data: { space_id, user } }, space_id);
    }
  }

  async online(userIds: readonly number[]): Promise<Set<number>> {
    return this.bus.presence.online(userIds);
  }
}
