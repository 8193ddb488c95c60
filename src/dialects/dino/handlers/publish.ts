// PUBLISH from the client (§3.3) and its QoS 2 release (PUBREL, §3.6): Topic Alias, Payload Format
// Indicator, the broker core's answer as PUBACK / PUBREC reason codes. Herald's event topics are refused
// by the namespace table (0x87): clients never publish there.
import type { IPublishPacket, IPubrelPacket } from 'mqtt-packet';
import { validateTopicName } from '../../../broker/index.js';
import type { MqttContext } from '../session-context.js';
import { isUtf8, toMessageProperties } from '../mqtt/properties.js';
import { RC, publishRefusalCode } from '../mqtt/reasons.js';

export async function onPublish(s: MqttContext, p: IPublishPacket): Promise<void> {
  const conn = s.broker;
  if (conn === null) return;
  const qos = p.qos;
  const id = p.messageId ?? 0;
  const props = p.properties;
  let topic = p.topic;
  const alias = props?.topicAlias;
  if (alias !== undefined) {
    if (alias === 0 || alias > s.deps.settings.topicAliasMaximum) return s.fail(RC.topicAliasInvalid, `topic alias ${alias} is outside 1..${s.deps.settings.topicAliasMaximum}`);
    if (topic === '') {
      const known = s.aliasesIn.get(alias);
      if (known === undefined) return s.fail(RC.protocolError, `topic alias ${alias} was never set on this connection`);
      topic = known;
    } else s.aliasesIn.set(alias, topic);
  } else if (topic === '') return s.fail(RC.protocolError, 'a PUBLISH needs a topic name or a topic alias');
  if (props?.subscriptionIdentifier !== undefined) return s.fail(RC.protocolError, 'a client PUBLISH must not carry a Subscription Identifier');
  if (props?.responseTopic !== undefined && validateTopicName(props.responseTopic) !== null) return s.fail(RC.protocolError, 'the Response Topic must be a topic name without wildcards');
  const payload = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;

  let code: number = RC.success;
  let reason = '';
  if (props?.payloadFormatIndicator === true && !isUtf8(payload)) {
    code = RC.payloadFormatInvalid;
    reason = 'the payload is marked UTF-8 (Payload Format Indicator 1) but is not';
  } else {
    const r = await s.deps.host.broker.core.publish(
      conn,
      {
        topic,
        payload,
        qos,
        retain: p.retain,
        properties: toMessageProperties(props),
        ...(props?.messageExpiryInterval !== undefined ? { messageExpiryInterval: props.messageExpiryInterval } : {}),
      },
      qos === 2 ? { packetId: id } : {},
    );
    if (!r.ok) {
      code = publishRefusalCode(r.reason);
      reason = `${topic}: ${r.message}`;
    } else if (r.matched === 0 && !r.duplicate && r.relayed !== true) code = RC.noMatchingSubscribers; // a cluster cannot know
  }
  if (qos === 0) {
    // QoS 0 has no acknowledgement: a malformed-in-meaning message ends the connection; a refused topic is dropped.
    if (code === RC.payloadFormatInvalid || code === RC.topicNameInvalid) s.fail(code, reason);
    return;
  }
  const v5 = s.version === 5;
  const ack = { messageId: id, ...(v5 ? { reasonCode: code, properties: reason ? s.reasonString(reason) : undefined } : {}) };
  if (qos === 1) {
    s.send({ cmd: 'puback', ...ack });
    s.incomingDone(1, id);
    return;
  }
  s.send({ cmd: 'pubrec', ...ack });
  // A refused QoS 2 message ends its exchange at PUBREC (§4.3.3).
  if (code >= 0x80) s.incomingDone(2, id);
}

export async function onPubrel(s: MqttContext, p: IPubrelPacket): Promise<void> {
  const conn = s.broker;
  if (conn === null) return;
  const id = p.messageId ?? 0;
  const known = await s.deps.host.broker.core.pubrel(conn, id);
  s.send({ cmd: 'pubcomp', messageId: id, ...(s.version === 5 ? { reasonCode: known ? RC.success : RC.packetIdNotFound } : {}) });
  s.incomingDone(2, id);
}
