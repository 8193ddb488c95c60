// What the STOMP frame handlers (handlers/) see of their session: the negotiated connection, the
// subscriptions, the broker connection, transactions and the frame writer. protocol.ts implements it;
// keeping the interface here keeps the handlers free of an import cycle with the session.
import type { Actor } from '../../core/actor.js';
import type { Connection as BrokerConnection } from '../../broker/index.js';
import type { DialectHost } from '../plugin.js';
import type { Renderer } from '../render.js';
import type { StompFrame, StompLimits, StompVersion } from './stomp-codec.js';
export { StompError, required } from './stomp-error.js';
import type { StompWriter } from './writer.js';
import type { Subscriptions } from './subscriptions.js';
import type { Transactions } from './transactions.js';

/** The dialect's settings (index.ts reads them from its config section). */
export interface TalkSettings {
  /** Heart-beat interval the server offers both ways, ms (0: none). */
  heartbeatMs: number;
  /** Parser limits (bodies, header lines, header count). */
  limits: StompLimits;
  /** Frames one transaction may buffer. */
  maxTransactionFrames: number;
  /** Open transactions per connection. */
  maxTransactions: number;
  /** Frames waiting to be handled before the connection is refused as flooding. */
  maxPendingFrames: number;
  /** How long a connection may take to send CONNECT, ms. */
  connectTimeoutMs: number;
}

export interface TalkDeps {
  host: DialectHost;
  /** The one Talk-and-Travel renderer of this node (its ids are node-wide). */
  renderer: Renderer;
  settings: TalkSettings;
}

/** A connected session as its handlers use it. */
export interface SessionContext {
  readonly deps: TalkDeps;
  readonly userId: number;
  readonly actor: Actor;
  readonly version: StompVersion;
  readonly subs: Subscriptions;
  readonly transactions: Transactions;
  readonly writer: StompWriter;
  /** True once the connection is closing or closed: a handler that awaited stops here. */
  readonly stopped: boolean;
  /** The session's connection to the node's broker core (`/topic`, `/queue`). */
  readonly broker: BrokerConnection;
  /** Runs a SEND, ACK or NACK now: outside a transaction, or at its COMMIT. */
  apply(frame: StompFrame): Promise<void>;
  /** DISCONNECT: stops reading, sends the receipt (if asked) and closes once it is written. */
  disconnect(receipt: string | undefined): void;
}
