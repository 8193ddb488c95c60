// PUBLISH properties between mqtt-packet's shape and the broker's protocol-neutral message (§3.3.2.3):
// user properties as ordered pairs (repeated names kept), correlation data, response topic, content type.
import type { UserProperties } from 'mqtt-packet';
import type { MessageProperties, UserProperty } from '../../../broker/index.js';

/** mqtt-packet groups repeated names into arrays; the broker keeps pairs (names may repeat, §3.3.2.3.7). */
export function toPairs(u: UserProperties | undefined): readonly UserProperty[] | undefined {
  if (u === undefined) return undefined;
  const out: UserProperty[] = [];
  for (const [k, v] of Object.entries(u)) {
    if (Array.isArray(v)) for (const x of v) out.push([k, String(x)]);
    else out.push([k, String(v)]);
  }
  return out.length ? out : undefined;
}

export function fromPairs(pairs: readonly UserProperty[] | undefined): UserProperties | undefined {
  if (pairs === undefined || pairs.length === 0) return undefined;
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of pairs) {
    const had = out[k];
    if (had === undefined) out[k] = v;
    else if (Array.isArray(had)) had.push(v);
    else out[k] = [had, v];
  }
  return out;
}

/** The application properties of a received PUBLISH or will, as the broker keeps them. */
export interface WireMessageProperties {
  payloadFormatIndicator?: boolean;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: UserProperties;
}

export function toMessageProperties(p: WireMessageProperties | undefined): MessageProperties | undefined {
  if (p === undefined) return undefined;
  const out: { -readonly [K in keyof MessageProperties]: MessageProperties[K] } = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator ? 1 : 0;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = p.correlationData;
  const user = toPairs(p.userProperties);
  if (user !== undefined) out.userProperties = user;
  return out;
}

/** Whether a payload flagged UTF-8 (Payload Format Indicator 1) really is well-formed UTF-8 (§3.3.2.3.2). */
export function isUtf8(b: Buffer): boolean {
  try {
    utf8Strict.decode(b);
    return true;
  } catch {
    return false;
  }
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
