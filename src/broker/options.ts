// The broker's configuration: storage, ACL, clock, limits (every queue is bounded) and metrics hooks.
import type { BrokerAcl } from './acl.js';
import type { BrokerStore } from './store.js';
import type { BrokerMessage } from './message.js';
import { DEFAULT_TOPIC_LIMITS, type TopicLimits } from './topic.js';

/** Why a delivery or a queued message was dropped. */
export type DropReason =
  /** A session's queue was full (see `maxQueuedMessages` / `maxQueuedBytes`). */
  | 'queue_full'
  /** Message Expiry Interval passed while queued (§3.3.2.3.3). */
  | 'expired'
  /** QoS 0 for an offline session and `queueQos0` is off. */
  | 'qos0_offline'
  /** The ACL's authorizeForward refused it. */
  | 'forward_denied'
  /** A STOMP queue entry reached `maxQueueDeliveries`. */
  | 'redelivery_limit'
  /** Queued for a subscription that a revocation removed. */
  | 'revoked'
  /** The protocol session's sink threw while taking it. */
  | 'sink_error';

/** Optional observers; called synchronously, so keep them cheap (counter increments). */
export interface BrokerMetrics {
  published?(matched: number): void;
  delivered?(count: number): void;
  dropped?(reason: DropReason, count: number): void;
  sessionOpened?(): void;
  sessionEnded?(): void;
  storeError?(err: unknown): void;
}

export interface BrokerLimits {
  topic: TopicLimits;
  /** Queued deliveries per session (offline, or beyond the client's Receive Maximum). */
  maxQueuedMessages: number;
  /** Payload bytes queued per session. */
  maxQueuedBytes: number;
  /** QoS 1/2 deliveries in flight per session, whatever the client's Receive Maximum. */
  maxInflight: number;
  /** Subscriptions (topic + queue) per session. */
  maxSubscriptions: number;
  /** Client id length in UTF-16 units (MQTT allows up to 65,535 bytes; we need far less). */
  maxClientIdLength: number;
  /** Ready entries per STOMP queue. */
  maxQueueLength: number;
  /** Deliveries of one STOMP queue entry before it is dropped (NACK loops); 0 = unlimited. */
  maxQueueDeliveries: number;
  /** Session Expiry Interval cap in seconds (a client asking more gets this); NEVER_EXPIRES = no cap. */
  maxSessionExpiry: number;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  topic: DEFAULT_TOPIC_LIMITS,
  maxQueuedMessages: 1000,
  maxQueuedBytes: 8 * 1024 * 1024,
  maxInflight: 1024,
  maxSubscriptions: 1000,
  maxClientIdLength: 256,
  maxQueueLength: 10_000,
  maxQueueDeliveries: 100,
  maxSessionExpiry: 0xffff_ffff,
};

export interface BrokerOptions {
  store: BrokerStore;
  acl: BrokerAcl;
  /** Milliseconds since the epoch; injected so expiries and will delays are testable. */
  clock?: () => number;
  limits?: Partial<BrokerLimits>;
  /** Queue QoS 0 messages for offline persistent sessions (§3.1.2.4 makes it optional). Default false. */
  queueQos0?: boolean;
  metrics?: BrokerMetrics;
  /** Client id for an empty CONNECT client id (MQTT Assigned Client Identifier). */
  assignClientId?: () => string;
  /**
   * A cluster: every message routed here from a publisher on this node (client PUBLISH / SEND to a topic,
   * a will) is also handed over for the other nodes, which route it with `deliverRemote`.
   */
  relay?: (message: BrokerMessage) => void;
  /** A cluster's STOMP queue routing (see bus/bus.ts QueueRouter). */
  queueRoute?: {
    /** Hands a message to ONE other node that has consumers of the queue; false when none took it. */
    offer(queue: string, message: BrokerMessage): Promise<boolean>;
    /** This node's first consumer of `queue` arrived (true) or its last one left (false). */
    serving(queue: string, on: boolean): void;
  };
  /** A cluster: which node holds which session (so a dead node's sessions are adopted by a live one). */
  holders?: { hold(clientId: string): void; release(clientId: string): void };
  /** The store is shared by the nodes of a cluster (retained messages relayed from another node are stored already). */
  sharedStore?: boolean;
}
