// The types a protocol session exchanges with the Broker facade: connect requests, subscription
// requests and results, deliveries, and the sink through which the broker talks back.
import type { Actor } from '../core/actor.js';
import type { BrokerMessage, PublishInput, QoS } from './message.js';

/** Session Expiry Interval meaning "never expires" (MQTT 5 §3.1.2.11.2). */
export const NEVER_EXPIRES = 0xffff_ffff;

/**
 * One message handed to a connection. The protocol session frames it; everything that is the same
 * for every recipient lives in `message` (shared, so it can be pre-rendered once, e.g. in a WeakMap).
 */
export interface Delivery {
  /** `topic`: a trie subscription; `queue`: a queue consumer (STOMP `/queue/...`). */
  readonly kind: 'topic' | 'queue';
  readonly message: BrokerMessage;
  /** The QoS of this delivery: min(published QoS, subscription QoS), max over merged overlaps. */
  readonly qos: QoS;
  /** The RETAIN flag to send (§3.3.1.3: Retain As Published, or 1 for retained-on-subscribe). */
  readonly retain: boolean;
  /** Redelivery: MQTT DUP (§3.3.1.1), STOMP `redelivered`. */
  readonly dup: boolean;
  /** MQTT packet id for QoS 1/2 (0 for QoS 0); for a queue delivery, the ack tag for `ack`/`nack`. */
  readonly packetId: number;
  /** Every matching subscription identifier (§3.3.4), empty when none. */
  readonly subscriptionIds: readonly number[];
  /** The key of the subscription it is delivered for (STOMP `subscription`); merged: the first match. */
  readonly key: string;
}

/** Why the broker let go of a connection. */
export type CloseReason =
  /** The same client id connected again (MQTT DISCONNECT 0x8E, §3.1.4). */
  | 'session_taken_over'
  /** The broker is shutting down. */
  | 'server_shutting_down';

/** Implemented by each protocol session; the broker calls it synchronously. */
export interface SessionSink {
  deliver(delivery: Delivery): void;
  /** Resend PUBREL for an outgoing QoS 2 message already PUBREC'd (reconnect, §4.4). */
  release(packetId: number): void;
  /** This connection no longer holds the session; the protocol session closes it with `reason`. */
  closed(reason: CloseReason): void;
  /** These subscriptions were cut by a revocation (e.g. the user left the group). */
  revoked(keys: readonly string[], reason: string): void;
}

/** How one session receives a message matched by several of its subscriptions. */
export type OverlapMode =
  /** MQTT: one copy with the highest QoS and every subscription identifier (§3.3.4). */
  | 'merge'
  /** STOMP: one copy per matching subscription, each with its own `key`. */
  | 'each';

export interface WillInput extends PublishInput {
  /** Will Delay Interval, seconds (§3.1.3.2.2). */
  delayInterval?: number;
}

export interface ConnectRequest {
  /** Empty: the broker assigns one (MQTT Assigned Client Identifier, §3.2.2.3.7). */
  clientId: string;
  principal: Actor;
  cleanStart: boolean;
  /** Seconds; 0 ends the session at disconnect, NEVER_EXPIRES keeps it forever (§3.1.2.11.2). */
  sessionExpiryInterval: number;
  /** The client's Receive Maximum (§3.1.2.11.3): QoS 1/2 deliveries in flight at once. */
  receiveMaximum?: number;
  will?: WillInput;
  /**
   * The highest packet id the broker may give this session's deliveries (default 65,535). A protocol
   * session that also sends QoS 1/2 messages of its own on the same connection (MQTT event topics served
   * from a feed) keeps the ids above it. At least the session's window (Receive Maximum).
   */
  lastPacketId?: number;
  sink: SessionSink;
  overlap?: OverlapMode;
}

export type ConnectRefusal = 'not_authorized' | 'client_id_invalid' | 'client_id_in_use' | 'topic_name_invalid' | 'server_unavailable';

export interface SubscriptionOptions {
  /** Maximum QoS (§3.8.3.1). */
  qos: QoS;
  noLocal?: boolean;
  retainAsPublished?: boolean;
  /** 0 send retained at subscribe, 1 only if the subscription is new, 2 never (§3.8.3.1). */
  retainHandling?: 0 | 1 | 2;
  /** Subscription Identifier, 1..268,435,455 (§3.8.2.1.2); absent = none. */
  subscriptionId?: number;
}

export interface SubscribeRequest extends SubscriptionOptions {
  /** A topic filter, possibly `$share/{group}/{filter}`. */
  filter: string;
  /** Identity within the session; defaults to `filter` (MQTT replaces by filter, STOMP by id). */
  key?: string;
}

export type SubscribeRefusal = 'not_authorized' | 'topic_filter_invalid' | 'protocol_error' | 'quota_exceeded' | 'no_session';

export type SubscribeResult =
  | { readonly ok: true; readonly qos: QoS; readonly existed: boolean }
  | { readonly ok: false; readonly reason: SubscribeRefusal; readonly message: string };

export type QueueAckMode = 'auto' | 'client' | 'client-individual';

export interface QueueSubscribeRequest {
  queue: string;
  /** Identity within the session (the STOMP subscription id). */
  key: string;
  ackMode: QueueAckMode;
  /** Maximum unacknowledged deliveries to this consumer (client modes); 0 = no limit. */
  prefetch?: number;
}

export type PublishRefusal = 'not_authorized' | 'topic_name_invalid' | 'quota_exceeded' | 'no_session';

export type PublishResult =
  | {
      readonly ok: true;
      /** Sessions (or queue consumers / queued entries) the message went to; 0 = no subscribers. */
      readonly matched: number;
      /** A QoS 2 packet id already received and not yet released: not delivered again (§4.3.3). */
      readonly duplicate: boolean;
      /** A cluster: the message also went to the other nodes, so `matched` counts this node only. */
      readonly relayed?: boolean;
    }
  | { readonly ok: false; readonly reason: PublishRefusal; readonly message: string };

export interface DisconnectOptions {
  /** Publish the will: true for a network drop, a protocol error or DISCONNECT 0x04; false for 0x00. */
  publishWill: boolean;
  /** A new Session Expiry Interval from DISCONNECT (§3.14.2.2.2); the protocol session checks its rules. */
  sessionExpiryInterval?: number;
}

/** What a revocation cuts: every field given must match a subscription grant. */
export interface RevokeRequest {
  userId: number;
  access?: 'group' | 'user';
  /** The group id or user id bound in the namespace topic. */
  subject?: string;
  namespace?: string;
  reason?: string;
}

export interface RevokeResult {
  clientId: string;
  keys: string[];
}
