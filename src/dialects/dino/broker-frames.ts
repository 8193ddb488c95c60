// A broker message as MQTT PUBLISHes: its payload and its properties are converted once per message
// (shared by every delivery of it), and for the common case (QoS 0, no Subscription Identifier, no Topic
// Alias, no expiry) the whole header is built once per protocol version and RETAIN flag.
import type { Delivery, BrokerMessage } from '../../broker/index.js';
import { remainingExpirySeconds } from '../../broker/index.js';
import type { Payload } from '../../gateway/connection.js';
import { publishHeader, type MqttVersion } from './mqtt/codec.js';
import { fromPairs } from './mqtt/properties.js';
import { bytesPayload, type OutgoingPublish, type PublishProperties } from './wire.js';

interface Converted {
  payload: Payload;
  /** MQTT 5 properties every delivery carries. */
  props: PublishProperties;
  /** Whole QoS 0 headers by [version 5 ? 1 : 0][retain ? 1 : 0]. */
  headers: (Buffer | undefined)[];
}

export class BrokerFrames {
  private readonly cache = new WeakMap<BrokerMessage, Converted>();

  private converted(m: BrokerMessage): Converted {
    let c = this.cache.get(m);
    if (c === undefined) {
      const p = m.properties;
      const props: PublishProperties = {};
      if (p.payloadFormatIndicator !== undefined) props.payloadFormatIndicator = p.payloadFormatIndicator === 1;
      if (p.contentType !== undefined) props.contentType = p.contentType;
      if (p.responseTopic !== undefined) props.responseTopic = p.responseTopic;
      if (p.correlationData !== undefined) props.correlationData = p.correlationData;
      const user = fromPairs(p.userProperties);
      if (user !== undefined) props.userProperties = user;
      c = { payload: bytesPayload(m.payload), props, headers: [] };
      this.cache.set(m, c);
    }
    return c;
  }

  payload(m: BrokerMessage): Payload {
    return this.converted(m).payload;
  }

  /** The PUBLISH for one delivery (MQTT 5 properties only for version 5). */
  publish(d: Delivery, version: MqttVersion, now: number): OutgoingPublish {
    const m = d.message;
    let properties: PublishProperties | undefined;
    if (version === 5) {
      const base = this.converted(m).props;
      const expiry = remainingExpirySeconds(m, now);
      const ids = d.subscriptionIds;
      properties = expiry === undefined && ids.length === 0 ? base : { ...base };
      if (expiry !== undefined) properties.messageExpiryInterval = expiry;
      if (ids.length === 1) properties.subscriptionIdentifier = ids[0];
      else if (ids.length > 1) properties.subscriptionIdentifier = [...ids];
    }
    return { topic: m.topic, qos: d.qos, retain: d.retain, dup: d.dup, packetId: d.packetId, properties };
  }

  /** The shared header of a plain delivery (QoS 0, no identifiers, no expiry), or null when it needs its own. */
  sharedHeader(d: Delivery, version: MqttVersion): Buffer | null {
    const m = d.message;
    if (d.qos !== 0 || d.subscriptionIds.length > 0 || m.expiresAt !== null) return null;
    const c = this.converted(m);
    const k = (version === 5 ? 2 : 0) + (d.retain ? 1 : 0);
    let h = c.headers[k];
    if (h === undefined) {
      h = publishHeader({ cmd: 'publish', topic: m.topic, qos: 0, retain: d.retain, dup: false, properties: version === 5 ? c.props : undefined }, m.payload, version);
      c.headers[k] = h;
    }
    return h;
  }
}
