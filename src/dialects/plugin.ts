// The plugin contract: what a dialect declares (name, config section, listeners, start/stop) and the
// narrow host it receives instead of the whole server. A new dialect is one folder exporting a
// DialectPlugin, plus one line in herald.ts's DIALECTS.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Static, TObject } from '@sinclair/typebox';
import type { Commands } from '../commands/command.js';
import type { Broker, DestinationResolver, NamespaceSpec } from '../broker/index.js';
import type { FileStorage } from '../files/store.js';
import type { Delivered } from '../events/types.js';
import type { Credentials, Principal, TokenInfo, TokenPurpose } from '../gateway/auth.js';
import type { FeedCursor } from '../gateway/cursor.js';
import type { AttachResult, LoggedEvent, OpenFeed } from '../gateway/gateway.js';
import type { SseListener, TcpListener, WsListener } from '../gateway/listeners.js';
import type { MembershipQuery } from '../gateway/membership.js';
import type { LiveConnection, Registration } from '../gateway/registry.js';

/** A user as the host describes them to a dialect (no private profile fields). */
export interface UserSummary {
  id: number;
  username: string;
  is_admin: boolean;
  deleted: boolean;
}

export interface Feeds {
  /** The log head and epoch (AirSend's rtm.connect remembers them in its token). */
  head(): Promise<{ position: number; epoch: string }>;
  /** Opens a cursor (registered at once: live events are held until its replay ends) and decides where it starts. */
  open(o: OpenFeed): Promise<{ cursor: FeedCursor; start: AttachResult }>;
  /** Re-registers a detached cursor from its own position (a persistent session coming back). */
  resume(cursor: FeedCursor): Promise<AttachResult>;
  /** A page of a user's feed: after `after` oldest first, or before `before` newest first (inboxes). */
  page(userId: number, o: { after?: number; before?: number; limit: number }): Promise<Delivered[]>;
  /** The whole log after `after`, oldest first, each event with the users it was addressed to then (a server-side reader: the MQTT bridge). */
  log(after: number, limit: number): Promise<LoggedEvent[]>;
  /** Called with each logged event's position, in order, as this node delivers it; returns the unsubscribe. */
  onLogged(handler: (position: number) => void): () => void;
}

export interface DialectHost {
  /** A child logger labelled with the dialect. */
  readonly log: Logger;
  readonly metrics: {
    /** One client frame received. */
    frameReceived(): void;
    /** A connection was closed because its outgoing buffer filled. */
    slowConsumer(): void;
  };
  readonly server: {
    /** HERALD_PUBLIC_URL, when set. */
    readonly publicUrl: string | null;
    /** The HTTP port the server listens on. */
    port(): number;
    readonly heartbeatSeconds: number;
    /** Lifetime of the tokens Herald issues (a login session's), in seconds. */
    readonly tokenTtlSeconds: number;
    /** How long the event log keeps events (ms); stored files of deleted content are kept as long. */
    readonly retentionMs: number;
    /** The data directory (HERALD_DATA_DIR), for a dialect's own small files (the MQTT bridge's position). */
    readonly dataDir: string;
  };
  /** Storage for uploaded files, in its own area (a directory of the data dir) per name. */
  files(area: string): FileStorage;
  /** The one authentication path, for every transport (Auth.authenticate). */
  authenticate(credentials: Credentials): Promise<Principal>;
  /**
   * Issues a signed token for one purpose (AirSend's rtm.connect ws_token). With `parent` (the principal's
   * token it is issued on) it belongs to that login session: logging the parent out revokes it too.
   */
  issueToken(userId: number, o: { purpose: TokenPurpose; ttlSeconds?: number; claims?: Record<string, unknown>; parent?: TokenInfo }): Promise<string>;
  /** The command table: every state change a dialect makes goes through it. */
  readonly commands: Commands;
  readonly feeds: Feeds;
  readonly presence: {
    /** This node's view, synchronous (for renderers). */
    isOnline(userId: number): boolean;
    /** The cluster's answer. */
    online(userIds: readonly number[]): Promise<Set<number>>;
  };
  /** The node's membership index, read-only, kept in position order. */
  readonly membership: MembershipQuery;
  readonly connections: {
    /** Registers a live connection: presence, the connections gauge, and control orders (close on user deletion). */
    register(c: LiveConnection): Registration;
  };
  /** Control orders across the cluster, for protocols that keep their own per-space or per-session state. */
  readonly control: {
    /** A user lost access to a space (member.removed): drop what they hold of its namespaces. */
    onRevoke(handler: (userId: number, spaceId: number) => void): () => void;
    /** Announces that this node took over a broker session (an MQTT client id); the old holder closes it. */
    takeover(session: string): void;
    /** Another node took over `session`. */
    onTakeover(handler: (session: string, node: string) => void): () => void;
  };
  readonly users: {
    find(id: number): Promise<UserSummary | null>;
  };
  /**
   * The node's one broker core, shared by every broker protocol (a STOMP `/topic` SEND reaches an MQTT
   * subscriber), and its namespace table: ask `resolve` what a topic or destination is before serving it.
   */
  readonly broker: { readonly core: Broker; readonly resolver: DestinationResolver };
}

/** What a started dialect listens on. Routes are registered before the server listens. */
export interface DialectInstance {
  /** Plain HTTP routes (login flows, rtm.connect). */
  http?(app: FastifyInstance): void;
  streams?: readonly SseListener[];
  websockets?: readonly WsListener[];
  tcp?: readonly TcpListener[];
  stop?(): void | Promise<void>;
}

export interface DialectPlugin {
  readonly name: string;
  /**
   * The dialect's config section: an object schema whose properties each carry `env` (the variable it is
   * read from) and a `default`. config.ts reads and validates it at start; a bad value stops the server.
   */
  readonly config: TObject;
  /** Topics this dialect serves from Herald's events (namespaces of kind `event`) or reserves in the broker. */
  readonly brokerNamespaces?: readonly NamespaceSpec[];
  start(host: DialectHost, config: unknown): DialectInstance | Promise<DialectInstance>;
}

/** Declares a plugin with its config typed from its schema. */
export function dialectPlugin<S extends TObject>(p: {
  name: string;
  config: S;
  brokerNamespaces?: readonly NamespaceSpec[];
  start(host: DialectHost, config: Static<S>): DialectInstance | Promise<DialectInstance>;
}): DialectPlugin {
  return { name: p.name, config: p.config, brokerNamespaces: p.brokerNamespaces, start: (host, config) => p.start(host, config as Static<S>) };
}
