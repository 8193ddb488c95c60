// SEND (STOMP 1.2, "SEND"): to a `/chat/...` destination it runs a Herald command (a refusal is a
// MESSAGE on /user/queue/errors, not an ERROR); to `/topic`, `/queue` and other paths it publishes
// through the broker core (a refusal there is an ERROR, as the specification says). Inside a
// transaction the frame waits for COMMIT.
import { stompHeadersToMessage, stompToAddress } from '../../../broker/index.js';
import { runChatAction } from '../chat-commands.js';
import { StompError, required, type SessionContext } from '../session-context.js';
import { routeOf } from '../destinations.js';
import { TalkCommandError, reportError } from '../errors.js';
import type { StompFrame } from '../stomp-codec.js';

export function send(s: SessionContext, f: StompFrame): Promise<void> | void {
  required(f, 'destination');
  const tx = f.headers.transaction;
  if (tx !== undefined) return s.transactions.add(tx, f);
  return applySend(s, f);
}

export async function applySend(s: SessionContext, f: StompFrame): Promise<void> {
  const destination = f.headers.destination;
  const route = routeOf(destination);
  const receipt = f.headers.receipt;
  switch (route.kind) {
    case 'chat':
      try {
        await runChatAction({ commands: s.deps.host.commands, membership: s.deps.host.membership, actor: s.actor, userId: s.userId }, route.action, f.body);
      } catch (e) {
        if (!(e instanceof TalkCommandError)) throw e;
        reportError(s.subs, s.writer, { code: e.code, message: e.message, destination, receipt });
      }
      return;
    case 'chat_unknown':
      reportError(s.subs, s.writer, { code: 'unknown_destination', message: `no such destination: ${destination.slice(0, 128)}`, destination, receipt });
      return;
    case 'talk':
      throw new StompError(`cannot send to ${destination}`, 'chat destinations carry Herald events; send to /chat/events.joinChat and the others');
    case 'errors':
    case 'user_unknown':
      throw new StompError(`cannot send to ${destination.slice(0, 128)}`, 'user destinations are the server\'s');
    case 'broker':
      return publish(s, f, destination);
  }
}

async function publish(s: SessionContext, f: StompFrame, destination: string): Promise<void> {
  const a = stompToAddress(destination, 'send');
  if ('error' in a) throw new StompError(`invalid destination ${destination.slice(0, 128)}`, a.error);
  const { properties, messageExpiryInterval } = stompHeadersToMessage(Object.entries(f.headers), Date.now());
  const core = s.deps.host.broker.core;
  // QoS 1: MQTT subscribers with QoS 1 get it acknowledged; STOMP subscribers take QoS 0.
  const r =
    a.kind === 'queue'
      ? await core.send(s.broker, a.queue, { payload: f.body, qos: 1, properties, messageExpiryInterval })
      : await core.publish(s.broker, { topic: a.topic, payload: f.body, qos: 1, retain: false, properties, messageExpiryInterval });
  if (!r.ok) throw new StompError(`cannot send to ${destination.slice(0, 128)}`, r.message);
}
