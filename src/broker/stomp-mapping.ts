// STOMP destinations and headers ↔ the broker's internal topics and message properties, so a STOMP
// `/topic` SEND reaches an MQTT subscriber of the same topic and back. Rules (docs/broker.md):
//   /topic/{t}   ↔ internal topic {t}, verbatim (`/` separates levels; `.` is an ordinary character)
//   /queue/{q}   ↔ queue {q}
//   any other /{p} → internal topic {p} (how the Talk-and-Travel `/countries/{id}/events` reaches the
//                   resolver); the reverse always writes `/topic/{t}`.
// In a SUBSCRIBE, a level `*` means one level (`+`) and a last level `**` means any depth (`#`), as
// in Spring's AntPathMatcher; `+` and `#` are accepted as well.
import type { BrokerMessage, MessageProperties, UserProperty } from './message.js';

export type StompAddress = { readonly kind: 'topic'; readonly topic: string } | { readonly kind: 'queue'; readonly queue: string };

export type StompMappingError = { readonly error: string };

const TOPIC = '/topic/';
const QUEUE = '/queue/';

/** Maps a STOMP destination to an internal address; `subscribe` allows wildcards in topics. */
export function stompToAddress(destination: string, op: 'subscribe' | 'send'): StompAddress | StompMappingError {
  if (!destination.startsWith('/')) return { error: 'a destination starts with /' };
  if (destination.startsWith(QUEUE)) {
    const queue = destination.slice(QUEUE.length);
    if (queue.length === 0) return { error: 'empty queue name' };
    if (/[+#]/.test(queue) || queue.includes('\u0000') || queue.split('/').some((l) => l === '*' || l === '**')) return { error: 'a queue name has no wildcards' };
    return { kind: 'queue', queue };
  }
  const path = destination.startsWith(TOPIC) ? destination.slice(TOPIC.length) : destination.slice(1);
  if (path.length === 0) return { error: 'empty topic' };
  if (op === 'send') {
    if (/[+#]/.test(path)) return { error: 'a SEND destination has no wildcards' };
    return { kind: 'topic', topic: path };
  }
  const levels = path.split('/');
  for (let i = 0; i < levels.length; i++) {
    if (levels[i] === '*') levels[i] = '+';
    else if (levels[i] === '**') {
      if (i !== levels.length - 1) return { error: "'**' must be the last level" };
      levels[i] = '#';
    }
  }
  return { kind: 'topic', topic: levels.join('/') };
}

export function topicToStompDestination(topic: string): string {
  return TOPIC + topic;
}

export function queueToStompDestination(queue: string): string {
  return QUEUE + queue;
}

/** Frame headers of STOMP itself: never turned into user properties, never overwritten by them. */
const FRAME_HEADERS = new Set([
  'destination', 'content-length', 'content-type', 'receipt', 'transaction', 'subscription', 'message-id',
  'ack', 'id', 'redelivered', 'reply-to', 'correlation-id', 'expires', 'receipt-id', 'message', 'version',
  'heart-beat', 'host', 'login', 'passcode', 'session', 'server', 'accept-version', 'persistent',
]);

export interface StompInbound {
  properties: MessageProperties;
  /** From `expires` (ms since the epoch, 0 = never; the ActiveMQ / Artemis convention). */
  messageExpiryInterval?: number;
}

/**
 * SEND headers → message properties: `content-type` → contentType, `correlation-id` → correlation
 * data (UTF-8), `reply-to` (a /topic destination) → response topic, `expires` → expiry; every other
 * non-frame header → a user property, in order.
 */
export function stompHeadersToMessage(headers: Iterable<readonly [string, string]>, now: number): StompInbound {
  const props: { -readonly [K in keyof MessageProperties]: MessageProperties[K] } = {};
  const user: UserProperty[] = [];
  let expiry: number | undefined;
  const seen = new Set<string>();
  for (const [name, value] of headers) {
    // STOMP 1.2: of repeated headers only the first counts.
    if (FRAME_HEADERS.has(name)) {
      if (seen.has(name)) continue;
      seen.add(name);
    }
    switch (name) {
      case 'content-type':
        props.contentType = value;
        break;
      case 'correlation-id':
        props.correlationData = Buffer.from(value, 'utf8');
        break;
      case 'reply-to': {
        const a = stompToAddress(value, 'send');
        if ('kind' in a && a.kind === 'topic') props.responseTopic = a.topic;
        else user.push(['reply-to', value]);
        break;
      }
      case 'expires': {
        const at = Number(value);
        if (Number.isFinite(at) && at > 0) expiry = Math.max(0, Math.ceil((at - now) / 1000));
        break;
      }
      default:
        if (!FRAME_HEADERS.has(name)) user.push([name, value]);
    }
  }
  if (user.length) props.userProperties = user;
  return expiry === undefined ? { properties: props } : { properties: props, messageExpiryInterval: expiry };
}

/** Message properties → MESSAGE headers (besides destination, subscription, message-id, ack). */
export function messageToStompHeaders(m: BrokerMessage): [string, string][] {
  const out: [string, string][] = [];
  const p = m.properties;
  if (p.contentType !== undefined) out.push(['content-type', p.contentType]);
  else if (p.payloadFormatIndicator === 1) out.push(['content-type', 'text/plain;charset=utf-8']);
  if (p.correlationData !== undefined) out.push(['correlation-id', p.correlationData.toString('utf8')]);
  if (p.responseTopic !== undefined) out.push(['reply-to', topicToStompDestination(p.responseTopic)]);
  if (m.expiresAt !== null) out.push(['expires', String(m.expiresAt)]);
  for (const [name, value] of p.userProperties ?? []) {
    // A queue reply-to travels as a user property (MQTT's Response Topic is a topic).
    if (!FRAME_HEADERS.has(name) || (name === 'reply-to' && p.responseTopic === undefined)) out.push([name, value]);
  }
  return out;
}
