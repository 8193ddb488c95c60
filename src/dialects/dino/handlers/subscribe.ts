// SUBSCRIBE (§3.8) and UNSUBSCRIBE (§3.10). Each filter is first asked of the namespace table: the user's
// own event topic is served by the event feed (QoS at most 1), broker namespaces by the broker core, and
// anything else is refused in SUBACK (0x87 not authorized, 0x8F invalid filter) with a reason string:
// a wildcard that could reach another user's or group's topics is refused whole, never narrowed.
import type { ISubscribePacket, IUnsubscribePacket } from 'mqtt-packet';
import type { SubscribeRequest } from '../../../broker/index.js';
import type { MqttContext } from '../session-context.js';
import { EVENT_STATE_KEY } from '../event-feed.js';
import { RC, subscribeRefusalCode, v4SubackCode } from '../mqtt/reasons.js';

export async function onSubscribe(s: MqttContext, p: ISubscribePacket): Promise<void> {
  const conn = s.broker;
  const events = s.events;
  if (conn === null || events === null) return;
  const sidProp = p.properties?.subscriptionIdentifier;
  if (sidProp !== undefined && (typeof sidProp !== 'number' || sidProp < 1)) return s.fail(RC.protocolError, 'Subscription Identifier must be 1..268,435,455');
  const sid = sidProp ?? 0;
  const codes: number[] = [];
  const reasons: string[] = [];
  const toBroker: { i: number; req: SubscribeRequest }[] = [];
  let eventQos: 0 | 1 | null = null;
  const { resolver, core } = s.deps.host.broker;
  for (const [i, sub] of p.subscriptions.entries()) {
    codes.push(RC.unspecified);
    const r = await resolver.resolve(s.principal, sub.topic, 'subscribe');
    if (r.kind === 'event') {
      eventQos = sub.qos === 0 ? 0 : 1;
      codes[i] = eventQos;
    } else if (r.kind === 'broker') {
      const rh = sub.rh ?? 0;
      toBroker.push({ i, req: { filter: sub.topic, qos: sub.qos, noLocal: sub.nl === true, retainAsPublished: sub.rap === true, retainHandling: rh === 1 || rh === 2 ? rh : 0, ...(sid > 0 ? { subscriptionId: sid } : {}) } });
    } else {
      codes[i] = r.reason === 'invalid' ? RC.topicFilterInvalid : RC.notAuthorized;
      reasons.push(`${sub.topic}: ${r.message}`);
    }
  }
  let deliverRetained: (() => number) | null = null;
  if (toBroker.length > 0) {
    const out = await core.subscribe(conn, toBroker.map((b) => b.req));
    for (const [k, r] of out.results.entries()) {
      const { i, req } = toBroker[k];
      if (r.ok) codes[i] = r.qos;
      else {
        if (r.reason === 'protocol_error') return s.fail(RC.protocolError, `${req.filter}: ${r.message}`);
        codes[i] = subscribeRefusalCode(r.reason);
        reasons.push(`${req.filter}: ${r.message}`);
      }
    }
    deliverRetained = out.deliverRetained;
  }
  const startEvents = eventQos !== null && events.sub === null;
  if (eventQos !== null) {
    await events.subscribe({ qos: eventQos, subscriptionId: sid });
    // Kept for a later connection; a session that ends with this one (expiry 0, which DISCONNECT may
    // not raise) never reads it, so an idle clean session stores nothing.
    if (s.connectExpiry > 0) await core.setState(conn, EVENT_STATE_KEY, events.snapshot());
  }
  const granted = s.version === 5 ? codes : codes.map(v4SubackCode);
  s.send({ cmd: 'suback', messageId: p.messageId ?? 0, granted, ...(s.version === 5 && reasons.length > 0 ? { properties: s.reasonString(reasons.join('; ')) } : {}) });
  deliverRetained?.();
  if (startEvents) events.start();
}

export async function onUnsubscribe(s: MqttContext, p: IUnsubscribePacket): Promise<void> {
  const conn = s.broker;
  const events = s.events;
  if (conn === null || events === null) return;
  const { resolver, core } = s.deps.host.broker;
  const codes: number[] = [];
  const toBroker: { i: number; filter: string }[] = [];
  for (const [i, filter] of p.unsubscriptions.entries()) {
    codes.push(RC.noSubscriptionExisted);
    const r = await resolver.resolve(s.principal, filter, 'subscribe');
    if (r.kind === 'event') {
      if (events.unsubscribe()) {
        codes[i] = RC.success;
        if (s.connectExpiry > 0) await core.setState(conn, EVENT_STATE_KEY, null);
      }
    } else toBroker.push({ i, filter });
  }
  if (toBroker.length > 0) {
    const found = await core.unsubscribe(conn, toBroker.map((b) => b.filter));
    for (const [k, ok] of found.entries()) codes[toBroker[k].i] = ok ? RC.success : RC.noSubscriptionExisted;
  }
  // 3.1.1's UNSUBACK has no reason codes; mqtt-packet writes them for MQTT 5 only.
  s.send({ cmd: 'unsuback', messageId: p.messageId ?? 0, granted: codes });
}
