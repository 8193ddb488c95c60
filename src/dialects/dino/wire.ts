// The sending side of one MQTT connection: control packets, PUBLISH framing (a per-connection header in
// front of shared payload bytes), outgoing Topic Aliases (§3.3.2.3.4), the client's Maximum Packet Size
// (§3.1.2.11.4) and the client's Receive Maximum shared by broker deliveries and event publishes (§4.9).
import type { IPublishPacket } from 'mqtt-packet';
import { Payload, type Connection } from '../../gateway/connection.js';
import { encode, publishHeader, type MqttVersion, type Packet } from './mqtt/codec.js';

/** Packet ids 1..BROKER_LAST_ID belong to the broker core's deliveries, the rest to event publishes. */
export const BROKER_LAST_ID = 0xbfff;
export const EVENT_FIRST_ID = BROKER_LAST_ID + 1;
export const EVENT_LAST_ID = 0xffff;

export type PublishProperties = NonNullable<IPublishPacket['properties']>;

export interface OutgoingPublish {
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  /** 0 for QoS 0. */
  packetId: number;
  properties?: PublishProperties;
}

/** What became of a PUBLISH: on its way, dropped as too large for the client, or the connection is gone. */
export type SendOutcome = 'sent' | 'too_large' | 'closed';

/** A payload whose bytes are given (a broker message or a control packet): byte transports only use `bytes()`. */
export function bytesPayload(b: Buffer): Payload {
  const p = new Payload('');
  p.encoded('utf8', () => b);
  return p;
}

export class Wire {
  version: MqttVersion = 5;
  /** The client's Maximum Packet Size (CONNECT property), bytes. */
  clientMaxPacket = 268_435_460;
  /** The client's Receive Maximum: QoS 1/2 PUBLISHes unacknowledged at once, broker and events together. */
  clientReceiveMax = 65_535;
  /** The client's Topic Alias Maximum (0: none). */
  aliasMax = 0;
  /** The client asked for no reason strings / user properties except where allowed (§3.1.2.11.7). */
  problemInfo = true;
  /** QoS 1/2 PUBLISHes on the wire, unacknowledged. */
  inflight = 0;
  private aliases: Map<string, number> | null = null;
  /** Set when `send` failed (outgoing buffer full); the session closes as a slow consumer. */
  overflowed = false;

  constructor(private readonly conn: Connection) {}

  get closed(): boolean {
    return this.conn.closed || this.overflowed;
  }

  /** Room for one more QoS 1/2 PUBLISH under the client's Receive Maximum. */
  hasRoom(): boolean {
    return this.inflight < this.clientReceiveMax;
  }

  /** A control packet (CONNACK, SUBACK, PUBACK …); reason strings are trimmed to the client's limit by mqtt-packet. */
  packet(p: Packet): boolean {
    if (this.closed) return false;
    const bytes = encode(p, { protocolVersion: this.version, properties: { maximumPacketSize: this.clientMaxPacket } });
    return this.write(bytesPayload(bytes), undefined);
  }

  /**
   * A PUBLISH: header built for this connection, payload bytes shared. A packet over the client's Maximum
   * Packet Size is not sent ('too_large'; the caller settles it as if sent, §3.1.2.11.4).
   */
  publish(o: OutgoingPublish, payload: Payload, shared: Buffer | null = null): SendOutcome {
    if (this.closed) return 'closed';
    const body = payload.bytes();
    let header = shared;
    let assigned: string | null = null;
    if (header === null) {
      let topic = o.topic;
      let properties = o.properties;
      if (this.aliasMax > 0 && this.version === 5) {
        const a = this.aliases?.get(topic);
        if (a !== undefined) {
          properties = { ...properties, topicAlias: a };
          topic = '';
        } else if ((this.aliases?.size ?? 0) < this.aliasMax) {
          this.aliases ??= new Map();
          const alias = this.aliases.size + 1;
          this.aliases.set(topic, alias);
          assigned = topic;
          properties = { ...properties, topicAlias: alias };
        }
      }
      header = publishHeader({ cmd: 'publish', topic, qos: o.qos, retain: o.retain, dup: o.dup, messageId: o.qos > 0 ? o.packetId : undefined, properties }, body, this.version);
    }
    if (header.length + body.length > this.clientMaxPacket) {
      // Never established at the client: the alias is free again.
      if (assigned !== null) this.aliases!.delete(assigned);
      return 'too_large';
    }
    return this.write(payload, header) ? 'sent' : 'closed';
  }

  /** Whether this connection's PUBLISH headers can be shared with others (no aliases, MQTT 5 or 3.1.1 as given). */
  plainHeaders(): boolean {
    return this.aliasMax === 0;
  }

  private write(p: Payload, prefix: Buffer | undefined): boolean {
    if (this.conn.send(p, prefix === undefined ? BINARY : { binary: true, prefix })) return true;
    this.overflowed = true;
    return false;
  }
}

const BINARY = { binary: true } as const;
