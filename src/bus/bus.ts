// The bus between nodes, as four separate contracts: the ordered event stream, ephemeral fan-out, a
// control plane, and presence with leases. The in-process bus (memory.ts) is the default; a NATS bus
// implements the same contracts for a cluster and passes the same suite (test/contract/bus.test.ts).
import type { Delivered } from '../events/types.js';

/**
 * Positioned events, published by the node that committed them (the store's afterCommit runs before the
 * next writer, so publishes come in position order) and delivered to every node in position order.
 * Positions are contiguous (no holes: a rollback frees its position), so a node that receives N+2 before
 * N+1 knows exactly what is missing; it holds N+2 and reads N+1 from the store after a short wait
 * (gateway/sequencer.ts). Implementations may therefore lose or reorder across a reconnect, never silently.
 */
export interface EventStream {
  publish(events: readonly Delivered[]): void;
  subscribe(handler: (event: Delivered) => void): () => void;
  /**
   * Called when the transport may have lost events it could not see a gap for (a reconnect to the NATS
   * server): the node compares its position with the log head at once instead of at the next check.
   */
  onResync?(handler: () => void): () => void;
}

/** Typing and presence notices: never stored, no position, best effort, to every node. */
export interface EphemeralFanout {
  publish(event: Delivered): void;
  subscribe(handler: (event: Delivered) => void): () => void;
}

/** Orders every node obeys (centrifuge's Controller). */
export type ControlMessage =
  /** Close every connection of the user, on every transport (deleted or deactivated user, revoked token). */
  | { kind: 'close_user'; user_id: number; reason: string }
  /** Close the user's connections opened with one of these tokens or sessions (logout); the others stay. */
  | { kind: 'close_tokens'; user_id: number; tokens: string[]; reason: string }
  /** The user lost access to the space: drop its broker namespaces and subscriptions at once. */
  | { kind: 'revoke_space'; user_id: number; space_id: number }
  /** A broker session (MQTT client id) was taken over by a connection on `node`: close the old one elsewhere. */
  | { kind: 'takeover'; session: string; node: string };

export interface ControlPlane {
  /** Reaches every node, this one included. */
  send(message: ControlMessage): void;
  subscribe(handler: (message: ControlMessage) => void): () => void;
}

/**
 * Who is online anywhere in the cluster. Each node holds a lease it renews by a heartbeat; when a node
 * stops renewing (crash, partition), its connections stop counting once the lease expires, and the users
 * who thereby went offline are reported once, to one live node, which announces `presence.offline`.
 */
export interface PresenceManager {
  /** One more connection of the user on this node; true when it is their first anywhere. */
  connect(userId: number): Promise<boolean>;
  /** One connection fewer on this node; true when it was their last anywhere. */
  disconnect(userId: number): Promise<boolean>;
  online(userIds: readonly number[]): Promise<Set<number>>;
  /** Users who went offline because another node's lease expired (each reported to exactly one live node). */
  onExpired(handler: (userIds: readonly number[]) => void): () => void;
  /** Nodes whose lease ran out, as this node found them (several nodes may report the same one). */
  onNodesGone?(handler: (nodes: readonly string[]) => void): () => void;
}

/** A broker message as it crosses nodes (JSON; payload and correlation data in base64). */
export interface RelayedBrokerMessage {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties: {
    payloadFormatIndicator?: 0 | 1;
    contentType?: string;
    responseTopic?: string;
    correlationData?: string;
    userProperties?: [string, string][];
  };
  expiresAt: number | null;
  origin: string | null;
  createdAt: number;
}

/**
 * The broker's cross-node routing (MQTT generic topics, STOMP /topic): a message reaches every OTHER node,
 * best effort like a QoS 0 hop; the publishing node routed its own copy already.
 */
export interface BrokerRelay {
  publish(message: RelayedBrokerMessage): void;
  subscribe(handler: (message: RelayedBrokerMessage) => void): () => void;
}

/**
 * STOMP queues across nodes: a message sent on a node without a consumer of the queue goes to ONE other
 * node that has consumers (a NATS queue group); with none anywhere it waits on the sending node. A node
 * offers only queues it does not serve itself (it has no consumer of them).
 */
export interface QueueRouter {
  /** Hands the message to one other node serving `queue`; false when none took it. */
  offer(queue: string, message: RelayedBrokerMessage): Promise<boolean>;
  /** This node serves `queue` (it has consumers): `handler` takes a message offered by another node, or refuses it. */
  serve(queue: string, handler: (message: RelayedBrokerMessage) => boolean): () => void;
}

export interface Bus {
  /** This node's id in the cluster. */
  readonly node: string;
  readonly events: EventStream;
  readonly ephemeral: EphemeralFanout;
  readonly control: ControlPlane;
  readonly presence: PresenceManager;
  readonly relay: BrokerRelay;
  readonly queues: QueueRouter;
  /**
   * The commit path's publish (service/commit.ts): the ordered event stream, then the origin hooks (for
   * example the control orders that follow from the events; they run once, on the committing node).
   */
  publish(events: readonly Delivered[]): void;
  onCommit(hook: (events: readonly Delivered[]) => void): () => void;
  /** Stops the heartbeat and releases this node's presence lease. */
  close(): Promise<void>;
}

export interface BusOptions {
  /** Node id (default: random). */
  node?: string;
  /** Presence lease: a node that has not renewed within this time counts as gone. */
  leaseMs: number;
  /** A subscriber threw: the bus goes on with the next one; this reports it (log and metric). */
  onError(err: unknown, where: string): void;
}
