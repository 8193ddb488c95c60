// Acknowledgements of the server's own QoS 1/2 PUBLISHes (§3.4, §3.5, §3.7): routed to the broker core
// or to the event feed by packet id range, by the session.
import type { IPubackPacket, IPubcompPacket, IPubrecPacket } from 'mqtt-packet';
import type { MqttContext } from '../session-context.js';

export function onPuback(s: MqttContext, p: IPubackPacket): void {
  s.puback(p.messageId ?? 0);
}

export function onPubrec(s: MqttContext, p: IPubrecPacket): void {
  s.pubrec(p.messageId ?? 0, (p.reasonCode ?? 0) >= 0x80);
}

export function onPubcomp(s: MqttContext, p: IPubcompPacket): void {
  s.pubcomp(p.messageId ?? 0);
}
