// One handler per packet type of a live session (§3): the dispatch table. CONNECT is handled by the
// session itself (it is the state change); a second one, or any packet only a server sends, is a
// protocol error (0x82).
import type { Packet } from 'mqtt-packet';
import type { MqttContext } from '../session-context.js';
import { RC } from '../mqtt/reasons.js';
import { onPuback, onPubcomp, onPubrec } from './acks.js';
import { onPublish, onPubrel } from './publish.js';
import { onSubscribe, onUnsubscribe } from './subscribe.js';

export function handle(s: MqttContext, p: Packet): void | Promise<void> {
  switch (p.cmd) {
    case 'publish':
      return onPublish(s, p);
    case 'puback':
      return onPuback(s, p);
    case 'pubrec':
      return onPubrec(s, p);
    case 'pubrel':
      return onPubrel(s, p);
    case 'pubcomp':
      return onPubcomp(s, p);
    case 'subscribe':
      return onSubscribe(s, p);
    case 'unsubscribe':
      return onUnsubscribe(s, p);
    case 'pingreq':
      s.send({ cmd: 'pingresp' });
      return;
    case 'disconnect':
      return onDisconnect(s, p.reasonCode ?? 0, p.properties?.sessionExpiryInterval);
    case 'connect':
      return s.fail(RC.protocolError, 'a second CONNECT on one connection');
    case 'auth':
      return s.fail(RC.protocolError, 'AUTH without an authentication method (enhanced authentication is not supported)');
    default:
      return s.fail(RC.protocolError, `${p.cmd} is a packet only a server sends`);
  }
}

/** DISCONNECT from the client (§3.14): 0x04 keeps the will; the interval may change, not from 0 (§3.14.2.2.2). */
function onDisconnect(s: MqttContext, code: number, expiry: number | undefined): void {
  if (expiry !== undefined && expiry > 0 && s.connectExpiry === 0) {
    return s.fail(RC.protocolError, 'DISCONNECT cannot set a Session Expiry Interval when CONNECT had 0');
  }
  s.clientDisconnected(code === RC.disconnectWithWill, expiry);
}
