// SUBSCRIBE and UNSUBSCRIBE, by id (STOMP 1.2, "SUBSCRIBE"). A chat destination is served by a feed
// cursor filtered to that chat (members only; `x-herald-resume` replays what was missed); `/topic`,
// `/queue` and other paths by the broker core inside the namespace ACL; `/user/queue/errors` by the session.
import { stompToAddress } from '../../../broker/index.js';
import { StompError, required, type SessionContext } from '../session-context.js';
import { routeOf } from '../destinations.js';
import { reportError } from '../errors.js';
import { positionOfTalkId } from '../render.js';
import type { StompFrame } from '../stomp-codec.js';
import { EventSubscription, type AckMode } from '../subscriptions.js';
import { messageHead } from '../writer.js';

export const RESUME_HEADER = 'x-herald-resume';
export const EPOCH_HEADER = 'x-herald-epoch';

function ackMode(value: string | undefined): AckMode {
  if (value === undefined || value === 'auto' || value === 'client' || value === 'client-individual') return value ?? 'auto';
  throw new StompError('invalid ack header', `ack is auto, client or client-individual; got "${value.slice(0, 64)}"`);
}

function resumeFrom(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^[0-9]{1,18}$/.test(value)) throw new StompError(`invalid ${RESUME_HEADER} header`, `give the last id you received (a Talk id or x-herald-id); got "${value.slice(0, 64)}"`);
  return positionOfTalkId(Number(value));
}

export async function subscribe(s: SessionContext, f: StompFrame): Promise<void> {
  const destination = required(f, 'destination');
  // STOMP 1.0 made the id optional; the destination then identifies the subscription.
  const id = s.version === '1.0' ? (f.headers.id ?? destination) : required(f, 'id');
  if (s.subs.get(id) !== undefined) throw new StompError(`subscription id ${id} is already in use`, 'each SUBSCRIBE of a connection needs its own id');
  const ack = ackMode(f.headers.ack);
  const head = messageHead(id, s.version);
  const route = routeOf(destination);
  switch (route.kind) {
    case 'errors':
      s.subs.add({ kind: 'errors', id, destination, ack, head });
      return;
    case 'user_unknown':
    case 'chat':
    case 'chat_unknown':
      throw new StompError(`cannot subscribe to ${destination}`, `${destination} is not a destination clients subscribe to`);
    case 'talk':
      return subscribeChat(s, f, { id, destination, ack, head, chatId: route.chatId, channel: route.channel });
    case 'broker':
      return subscribeBroker(s, { id, destination, ack, head });
  }
}

async function subscribeChat(s: SessionContext, f: StompFrame, o: { id: string; destination: string; ack: AckMode; head: string; chatId: number; channel: 'events' | 'messages' | 'updates' }): Promise<void> {
  const resume = resumeFrom(f.headers[RESUME_HEADER]);
  const host = s.deps.host;
  const r = await host.broker.resolver.resolve(s.actor, o.destination.slice(1), 'subscribe');
  if (r.kind !== 'event') {
    throw new StompError(`not allowed to subscribe to ${o.destination}`, r.kind === 'rejected' && r.reason === 'not_authorized' ? `you are not a member of chat ${o.chatId}: join it first (/chat/events.joinChat)` : 'this destination is not served');
  }
  const sub = new EventSubscription(o.id, o.destination, o.ack, o.head, o.chatId, o.channel, s.writer);
  s.subs.add(sub);
  const { cursor, start } = await host.feeds.open({ userId: s.userId, renderer: s.deps.renderer, filter: { space: o.chatId }, resume, epoch: f.headers[EPOCH_HEADER] ?? null });
  if (s.stopped || s.subs.get(o.id) !== sub) return cursor.close();
  sub.cursor = cursor;
  cursor.attach(sub);
  if (start.reset !== null) {
    reportError(s.subs, s.writer, { code: 'resume_unavailable', message: `cannot resume (${start.reset}): the subscription starts from now`, destination: o.destination, receipt: f.headers.receipt, subscriptions: [o.id] });
  }
  // Not awaited: later frames need not wait for a long replay (it is paced by the socket).
  cursor.replay().catch((err: unknown) => host.log.error({ err }, 'talk replay failed'));
}

async function subscribeBroker(s: SessionContext, o: { id: string; destination: string; ack: AckMode; head: string }): Promise<void> {
  const a = stompToAddress(o.destination, 'subscribe');
  if ('error' in a) throw new StompError(`invalid destination ${o.destination.slice(0, 128)}`, a.error);
  const core = s.deps.host.broker.core;
  // Added first: the broker may deliver from inside the subscribe call.
  s.subs.add({ kind: a.kind, id: o.id, destination: o.destination, ack: o.ack, head: o.head, unacked: new Map() });
  const r =
    a.kind === 'queue'
      ? await core.subscribeQueue(s.broker, { queue: a.queue, key: o.id, ackMode: o.ack })
      : // QoS 0: STOMP has no PUBACK. Retained messages are MQTT's; a STOMP subscription does not ask for them.
        (await core.subscribe(s.broker, [{ filter: a.topic, qos: 0, retainHandling: 2, key: o.id }])).results[0];
  if (!r.ok) {
    s.subs.remove(o.id);
    throw new StompError(`cannot subscribe to ${o.destination.slice(0, 128)}`, r.message);
  }
}

export async function unsubscribe(s: SessionContext, f: StompFrame): Promise<void> {
  // 1.0 could unsubscribe by destination.
  const id = s.version === '1.0' ? (f.headers.id ?? required(f, 'destination')) : required(f, 'id');
  const sub = s.subs.remove(id);
  // An unknown id is not an error: the subscription may have been revoked by the server meanwhile.
  if (sub !== undefined && (sub.kind === 'topic' || sub.kind === 'queue')) await s.deps.host.broker.core.unsubscribe(s.broker, [id]);
}
