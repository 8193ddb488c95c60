// What the MQTT packet handlers (handlers/) see of a session, and the settings and shared parts every
// session of the dialect gets. Kept apart from protocol.ts so the handlers do not import the session class.
import type { Actor } from '../../core/actor.js';
import type { Connection as BrokerConnection } from '../../broker/index.js';
import type { Connection } from '../../gateway/connection.js';
import type { DialectHost } from '../plugin.js';
import type { BrokerFrames } from './broker-frames.js';
import type { EventFeed } from './event-feed.js';
import type { LocalSessions } from './local-sessions.js';
import type { MqttVersion, Packet } from './mqtt/codec.js';
import type { DinoFrames } from './renderer.js';
import type { Wire } from './wire.js';

export interface MqttSettings {
  /** Largest packet the server accepts (CONNACK Maximum Packet Size), bytes. */
  maxPacketSize: number;
  /** QoS 1/2 PUBLISHes a client may have unacknowledged at once (CONNACK Receive Maximum). */
  receiveMaximum: number;
  /** Topic aliases a client may set (CONNACK Topic Alias Maximum). */
  topicAliasMaximum: number;
  /** Keep alive the server imposes when the client asks for 0 or more (Server Keep Alive), seconds. */
  maxKeepAliveSeconds: number;
  /** Time a new connection has to send CONNECT, seconds. */
  connectTimeoutSeconds: number;
}

export interface MqttDeps {
  host: DialectHost;
  frames: DinoFrames;
  /** Broker messages as PUBLISHes, converted once per message. */
  messages: BrokerFrames;
  settings: MqttSettings;
  sessions: LocalSessions;
}

/** awaiting_connect → connecting (CONNECT being checked) → live → closed. */
export type MqttState = 'awaiting_connect' | 'connecting' | 'live' | 'closed';

/** The session as the handlers use it. */
export interface MqttContext {
  readonly deps: MqttDeps;
  readonly conn: Connection;
  readonly wire: Wire;
  readonly state: MqttState;
  readonly version: MqttVersion;
  readonly userId: number;
  readonly principal: Actor;
  /** The broker connection once CONNECT succeeded (null before, and stale after a takeover). */
  readonly broker: BrokerConnection | null;
  readonly events: EventFeed | null;
  /** Sends a packet (false when the connection is gone or full). */
  send(p: Packet): boolean;
  /** Ends the connection: MQTT 5 DISCONNECT with the reason code and string first; 3.1.1 just closes. */
  fail(code: number, reason: string): void;
  /** A client DISCONNECT arrived: close without a will for 0x00, with it for 0x04. */
  clientDisconnected(publishWill: boolean, sessionExpiryInterval: number | undefined): void;
  /** Outgoing QoS 1/2 acknowledgements from the client. */
  puback(packetId: number): void;
  pubrec(packetId: number, failed: boolean): void;
  pubcomp(packetId: number): void;
  /** Incoming QoS 1/2 PUBLISHes the server has not finished acknowledging (its Receive Maximum). */
  incomingDone(qos: 1 | 2, packetId: number): void;
  /** The Session Expiry Interval CONNECT asked for (a DISCONNECT may not raise it from 0, §3.14.2.2.2). */
  readonly connectExpiry: number;
  /** Whether reason strings and user properties may go on this packet type (Request Problem Information). */
  reasonString(text: string): { reasonString?: string };
  /** Incoming Topic Aliases set by the client (§3.3.2.3.4). */
  readonly aliasesIn: Map<number, string>;
}
