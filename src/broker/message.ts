// The protocol-neutral broker message: what MQTT PUBLISH and STOMP SEND both become, and what both
// render back. Created once per publish and shared, read-only, by every delivery of it.

export type QoS = 0 | 1 | 2;

/** A user property: MQTT 5 keeps them as ordered pairs and allows repeated names (§3.3.2.3.7). */
export type UserProperty = readonly [name: string, value: string];

/** Application properties both protocols carry (MQTT 5 §3.3.2.3; STOMP headers map onto them). */
export interface MessageProperties {
  /** 0 = unspecified bytes, 1 = UTF-8 text (§3.3.2.3.2). */
  payloadFormatIndicator?: 0 | 1;
  contentType?: string;
  /** A topic name (internal form) the receiver should answer on (§4.10). */
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: readonly UserProperty[];
}

export interface BrokerMessage {
  /** Internal topic (levels separated by `/`), or the queue name for a queue message. */
  readonly topic: string;
  readonly payload: Buffer;
  /** The QoS it was published with (a delivery carries its own, possibly lower, QoS). */
  readonly qos: QoS;
  /** The RETAIN flag it was published with. */
  readonly retain: boolean;
  readonly properties: MessageProperties;
  /** Absolute expiry in ms since the epoch (from the Message Expiry Interval), or null: never. */
  readonly expiresAt: number | null;
  /** Client id of the publishing session (No Local, §3.8.3.1), or null for the server. */
  readonly origin: string | null;
  /** When the broker accepted it, ms since the epoch. */
  readonly createdAt: number;
}

/** What a protocol session hands to `Broker.publish`. */
export interface PublishInput {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain?: boolean;
  properties?: MessageProperties;
  /** Message Expiry Interval in seconds (§3.3.2.3.3); absent = never expires. */
  messageExpiryInterval?: number;
}

const NO_PROPERTIES: MessageProperties = Object.freeze({});

export function createMessage(input: PublishInput, origin: string | null, now: number): BrokerMessage {
  const exp = input.messageExpiryInterval;
  return {
    topic: input.topic,
    payload: input.payload,
    qos: input.qos,
    retain: input.retain === true,
    properties: input.properties ?? NO_PROPERTIES,
    expiresAt: exp === undefined ? null : now + exp * 1000,
    origin,
    createdAt: now,
  };
}

export function isExpired(m: BrokerMessage, now: number): boolean {
  return m.expiresAt !== null && m.expiresAt <= now;
}

/**
 * The Message Expiry Interval to put on an outgoing PUBLISH: the received value minus the time
 * the message waited in the broker (§3.3.2.3.3), in whole seconds, at least 1 while unexpired;
 * undefined when the message never expires.
 */
export function remainingExpirySeconds(m: BrokerMessage, now: number): number | undefined {
  if (m.expiresAt === null) return undefined;
  return Math.max(1, Math.ceil((m.expiresAt - now) / 1000));
}

/** Approximate memory a queued message holds; used by the byte bounds of the queues. */
export function messageBytes(m: BrokerMessage): number {
  return m.payload.length + m.topic.length + 64;
}
