// CONNECT (§3.1): checks the packet, authenticates the user name + Herald token (the one auth path), and
// works out what the session runs with (keep alive, expiry, will, the client's limits); CONNACK (§3.2)
// for either outcome. The broker connect and the start happen in protocol.ts.
import type { TokenInfo } from '../../../gateway/auth.js';
import { createHash } from 'node:crypto';
import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import { HeraldError } from '../../../core/errors.js';
import type { Actor } from '../../../core/actor.js';
import { NEVER_EXPIRES, type WillInput } from '../../../broker/index.js';
import type { MqttDeps } from '../session-context.js';
import type { MqttVersion } from '../mqtt/codec.js';
import { isUtf8, toMessageProperties } from '../mqtt/properties.js';
import { RC, v4ConnackCode } from '../mqtt/reasons.js';

export interface ConnectPlan {
  version: MqttVersion;
  clientId: string;
  cleanStart: boolean;
  sessionExpiryInterval: number;
  /** Keep alive enforced, seconds (0: none). */
  keepAlive: number;
  /** Server Keep Alive to announce (MQTT 5, when the server chose the keep alive). */
  serverKeepAlive?: number;
  principal: Actor;
  userId: number;
  /** The token the client connected with (a logout of it closes this connection). */
  token: TokenInfo | null;
  will?: WillInput;
  clientReceiveMaximum: number;
  clientMaxPacket: number;
  clientAliasMax: number;
  requestResponseInformation: boolean;
  requestProblemInformation: boolean;
}

export type ConnectCheck = { ok: true; plan: ConnectPlan } | { ok: false; version: MqttVersion; code: number; reason: string };

const refuse = (version: MqttVersion, code: number, reason: string): ConnectCheck => ({ ok: false, version, code, reason });

export async function checkConnect(deps: MqttDeps, p: IConnectPacket): Promise<ConnectCheck> {
  const version = (p.protocolVersion ?? 4) as MqttVersion;
  if (version !== 4 && version !== 5) return refuse(version, RC.unsupportedProtocolVersion, 'MQTT 5 (protocol level 5) and 3.1.1 (4) are supported');
  const props = p.properties ?? {};
  if (props.authenticationMethod !== undefined) return refuse(version, RC.badAuthenticationMethod, 'enhanced authentication is not supported: send your user name and a Herald token as the password');
  if (props.receiveMaximum === 0) return refuse(version, RC.protocolError, 'Receive Maximum must not be 0');
  if (props.maximumPacketSize === 0) return refuse(version, RC.protocolError, 'Maximum Packet Size must not be 0');
  const clean = p.clean !== false;
  if (version === 4 && p.clientId === '' && !clean) return refuse(version, RC.clientIdInvalid, 'an empty client id needs Clean Session = 1');

  // Authentication: user name (the user's id or username) and a Herald token as the password.
  const password = p.password === undefined ? '' : p.password.toString('utf8');
  if (password === '') return refuse(version, RC.notAuthorized, 'not authorized: connect with your user name and a Herald token as the password');
  let principal: Actor;
  let token: TokenInfo | null;
  try {
    const r = await deps.host.authenticate({ token: password, login: p.username === undefined || p.username === '' ? undefined : p.username });
    principal = r.actor;
    token = r.token;
  } catch (e) {
    if (!(e instanceof HeraldError)) throw e;
    if (e.code === 'forbidden') return refuse(version, RC.notAuthorized, `not authorized: ${e.message}`);
    return refuse(version, RC.badUserNameOrPassword, `bad user name or password: ${e.message}`);
  }
  if (principal.userId === null) return refuse(version, RC.notAuthorized, 'not authorized: connect as a user');

  let will: WillInput | undefined;
  if (p.will) {
    const payload = typeof p.will.payload === 'string' ? Buffer.from(p.will.payload) : p.will.payload;
    const wp = p.will.properties;
    if (wp?.payloadFormatIndicator === true && !isUtf8(payload)) return refuse(version, RC.payloadFormatInvalid, 'the will payload is marked UTF-8 but is not');
    will = {
      topic: p.will.topic,
      payload,
      qos: p.will.qos ?? 0,
      retain: p.will.retain === true,
      properties: toMessageProperties(wp),
      ...(wp?.messageExpiryInterval !== undefined ? { messageExpiryInterval: wp.messageExpiryInterval } : {}),
      ...(wp?.willDelayInterval !== undefined ? { delayInterval: wp.willDelayInterval } : {}),
    };
  }

  const max = deps.settings.maxKeepAliveSeconds;
  const asked = p.keepalive ?? 0;
  let keepAlive = asked;
  let serverKeepAlive: number | undefined;
  if (version === 5 && (asked === 0 || asked > max)) {
    keepAlive = max;
    serverKeepAlive = max;
  }
  return {
    ok: true,
    plan: {
      version,
      clientId: p.clientId,
      cleanStart: clean,
      // 3.1.1: a non-clean session lasts until a clean one replaces it.
      sessionExpiryInterval: version === 5 ? (props.sessionExpiryInterval ?? 0) : clean ? 0 : NEVER_EXPIRES,
      keepAlive,
      serverKeepAlive,
      principal,
      userId: principal.userId,
      token,
      will,
      clientReceiveMaximum: props.receiveMaximum ?? 65_535,
      clientMaxPacket: props.maximumPacketSize ?? 268_435_460,
      clientAliasMax: version === 5 ? (props.topicAliasMaximum ?? 0) : 0,
      requestResponseInformation: props.requestResponseInformation === true,
      requestProblemInformation: props.requestProblemInformation !== false,
    },
  };
}

/** CONNACK refusing the connection, in the client's protocol version. */
export function refusal(version: MqttVersion, code: number, reason: string): IConnackPacket {
  if (version === 5) return { cmd: 'connack', sessionPresent: false, reasonCode: code, properties: { reasonString: reason } };
  return { cmd: 'connack', sessionPresent: false, returnCode: v4ConnackCode(code) };
}

/** CONNACK accepting the connection: the server's limits and what it chose for this client (§3.2.2.3). */
export async function connackFor(deps: MqttDeps, plan: ConnectPlan, o: { present: boolean; assigned: string | null; reset: string | null; clientId: string }): Promise<IConnackPacket> {
  if (plan.version !== 5) return { cmd: 'connack', sessionPresent: o.present, returnCode: 0 };
  const s = deps.settings;
  const properties: NonNullable<IConnackPacket['properties']> = {
    receiveMaximum: s.receiveMaximum,
    maximumPacketSize: s.maxPacketSize,
    topicAliasMaximum: s.topicAliasMaximum,
    retainAvailable: true,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: true,
    sharedSubscriptionAvailable: true,
  };
  if (o.assigned !== null) properties.assignedClientIdentifier = o.assigned;
  if (plan.serverKeepAlive !== undefined) properties.serverKeepAlive = plan.serverKeepAlive;
  if (plan.requestResponseInformation) {
    const info = await responseInformation(deps, plan, o.clientId);
    if (info !== null) properties.responseInformation = info;
  }
  // The event position could not be resumed (pruned, or another database): events resume from now.
  if (o.reset !== null) properties.userProperties = { 'herald-reset': o.reset };
  return { cmd: 'connack', sessionPresent: o.present, reasonCode: RC.success, properties };
}

/** A topic prefix this client may use for responses (§4.10), in the public namespace when it is configured. */
async function responseInformation(deps: MqttDeps, plan: ConnectPlan, clientId: string): Promise<string | null> {
  const base = `public/responses/${createHash('sha256').update(`${plan.userId}/${clientId}`).digest('hex').slice(0, 24)}`;
  const r = await deps.host.broker.resolver.resolve(plan.principal, `${base}/#`, 'subscribe');
  return r.kind === 'broker' ? `${base}/` : null;
}
