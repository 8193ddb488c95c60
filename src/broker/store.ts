// BrokerStore: the durable record of the broker's state (sessions, subscriptions, retained messages,
// wills, queued and in-flight deliveries, incoming QoS 2 ids, STOMP queues). The broker keeps its
// working set in memory and writes through in batches; it reads back only at restore, when a
// session is not in memory, and for retained messages. Every backend passes
// test/contract/broker-store.test.ts.
import type { AclGrant } from './acl.js';
import type { OverlapMode, WillInput } from './api.js';
import type { BrokerMessage, QoS } from './message.js';

export interface SessionRecord {
  clientId: string;
  userId: number | null;
  server: boolean;
  /** Session Expiry Interval in seconds. */
  expiryInterval: number;
  /** When the last connection ended (ms), or null while connected. */
  disconnectedAt: number | null;
  /** When a delayed will is due (ms), or null. */
  willAt: number | null;
  overlap: OverlapMode;
  /** The protocol session's own key/value state (e.g. Herald event feed positions). */
  state: Readonly<Record<string, string>>;
}

export interface SubscriptionRecord {
  key: string;
  /** As subscribed, including `$share/{group}/`. */
  filter: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  /** 0 = none. */
  subscriptionId: number;
  grants: readonly AclGrant[];
}

/** What a session is to receive: the shared message and this session's delivery header. */
export interface SessionDeliveryRecord {
  message: BrokerMessage;
  qos: QoS;
  retain: boolean;
  subscriptionIds: readonly number[];
  key: string;
}

/** A delivery waiting to be sent (offline, or beyond the client's Receive Maximum). */
export interface QueuedRecord extends SessionDeliveryRecord {
  /** Broker-wide increasing sequence: the order of the session's queue. */
  seq: number;
}

/** An outgoing QoS 1/2 delivery sent and not yet completed (§4.3.2, §4.3.3). */
export interface InflightRecord extends SessionDeliveryRecord {
  packetId: number;
  /** `publish`: awaiting PUBACK / PUBREC; `pubrel`: PUBREC received, awaiting PUBCOMP. */
  phase: 'publish' | 'pubrel';
  /** Broker-wide increasing sequence: redelivery order on reconnect (§4.6). */
  seq: number;
}

export interface WillRecord {
  will: WillInput;
}

export interface QueueEntryRecord {
  /** Broker-wide increasing sequence: the queue's order (requeued entries keep theirs). */
  id: number;
  message: BrokerMessage;
  redelivered: boolean;
  /** How many times it has been handed to a consumer. */
  deliveries: number;
}

/** Everything stored for one session. */
export interface SessionLoad {
  session: SessionRecord;
  subscriptions: SubscriptionRecord[];
  /** In `seq` order. */
  inflight: InflightRecord[];
  /** In `seq` order. */
  queued: QueuedRecord[];
  incomingQos2: number[];
  will: WillRecord | null;
}

export interface QueueLoad {
  name: string;
  /** In `id` order. */
  entries: QueueEntryRecord[];
}

/** One write. `session.delete` removes everything stored under that client id. */
export type StoreOp =
  | { op: 'session.put'; session: SessionRecord }
  | { op: 'session.delete'; clientId: string }
  | { op: 'sub.put'; clientId: string; sub: SubscriptionRecord }
  | { op: 'sub.delete'; clientId: string; key: string }
  | { op: 'retained.put'; message: BrokerMessage }
  /** With `createdAt`: only if the stored message is that one (an expired message, not its replacement). */
  | { op: 'retained.delete'; topic: string; createdAt?: number }
  | { op: 'inflight.put'; clientId: string; record: InflightRecord }
  | { op: 'inflight.delete'; clientId: string; packetId: number }
  | { op: 'queued.put'; clientId: string; record: QueuedRecord }
  | { op: 'queued.delete'; clientId: string; seq: number }
  | { op: 'incoming.put'; clientId: string; packetId: number }
  | { op: 'incoming.delete'; clientId: string; packetId: number }
  | { op: 'will.put'; clientId: string; will: WillRecord }
  | { op: 'will.delete'; clientId: string }
  | { op: 'queue.put'; queue: string; entry: QueueEntryRecord }
  | { op: 'queue.delete'; queue: string; id: number };

export interface BrokerStore {
  /**
   * Applies a batch in order, atomically where the backend can. Batches passed without awaiting
   * the previous one are applied in call order. Records are immutable once passed in.
   */
  apply(ops: readonly StoreOp[]): Promise<void>;
  /** Every stored session with its state (restore at startup). */
  listSessions(): Promise<SessionLoad[]>;
  loadSession(clientId: string): Promise<SessionLoad | undefined>;
  /** Retained messages whose topic matches `filter` (MQTT matching, §4.7, incl. the `$` rule). */
  matchRetained(filter: string): Promise<BrokerMessage[]>;
  /** Every non-empty STOMP queue. */
  listQueues(): Promise<QueueLoad[]>;
  /** The highest `seq` / `id` stored anywhere, so sequences continue after a restart (0 if none). */
  maxSequence(): Promise<number>;
  close(): Promise<void>;
}
