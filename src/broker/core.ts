// What the broker's parts share: the clock, limits, ACL, metrics, the store write batch and the
// broker-wide sequence that orders queued and in-flight records (and survives restarts via the store).
import type { BrokerAcl } from './acl.js';
import { DEFAULT_LIMITS, type BrokerLimits, type BrokerMetrics, type BrokerOptions, type DropReason } from './options.js';
import { WriteBatcher } from './write-batch.js';

export interface BrokerStats {
  published: number;
  delivered: number;
  dropped: Record<DropReason, number>;
}

export class Core {
  readonly now: () => number;
  readonly limits: BrokerLimits;
  readonly acl: BrokerAcl;
  readonly metrics: BrokerMetrics;
  readonly queueQos0: boolean;
  readonly writes: WriteBatcher;
  readonly stats: BrokerStats = {
    published: 0,
    delivered: 0,
    dropped: { queue_full: 0, expired: 0, qos0_offline: 0, forward_denied: 0, redelivery_limit: 0, revoked: 0, sink_error: 0 },
  };
  private seq = 0;

  constructor(opts: BrokerOptions) {
    this.now = opts.clock ?? Date.now;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits, topic: { ...DEFAULT_LIMITS.topic, ...opts.limits?.topic } };
    this.acl = opts.acl;
    this.metrics = opts.metrics ?? {};
    this.queueQos0 = opts.queueQos0 === true;
    this.writes = new WriteBatcher(opts.store, (err) => this.metrics.storeError?.(err));
    this.holders = opts.holders;
  }

  readonly holders: BrokerOptions['holders'];

  nextSeq(): number {
    return ++this.seq;
  }

  /** After restore: continue above everything stored. */
  seedSequence(atLeast: number): void {
    if (atLeast > this.seq) this.seq = atLeast;
  }

  drop(reason: DropReason, count = 1): void {
    this.stats.dropped[reason] += count;
    this.metrics.dropped?.(reason, count);
  }

  delivered(count: number): void {
    this.stats.delivered += count;
    this.metrics.delivered?.(count);
  }
}
