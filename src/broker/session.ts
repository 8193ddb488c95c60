// A broker session's state (MQTT 5 §4.1): it outlives its connections for a persistent session.
// `Connection` is the handle a protocol session holds; after a takeover or disconnect it goes stale
// and the broker ignores it, so a late call from an old socket cannot touch the new one.
import type { Actor } from '../core/actor.js';
import type { AclGrant } from './acl.js';
import type { OverlapMode, QueueAckMode, SessionSink, WillInput } from './api.js';
import { Fifo } from './fifo.js';
import { KeyedList } from './keyed-list.js';
import type { QoS } from './message.js';
import type { InflightRecord, QueuedRecord, QueueEntryRecord, SubscriptionRecord } from './store.js';
import type { TrieEntry } from './trie.js';

export const NO_IDS: readonly number[] = Object.freeze([]) as readonly number[];

/** What the `...View` getters return for a table never created (shared, never written). */
const NONE: ReadonlyMap<never, never> = new Map<never, never>();
/** The stored state of a session without any (shared by every such record, frozen). */
const NO_STATE: Readonly<Record<string, string>> = Object.freeze({});

export class Subscription implements TrieEntry {
  /** `[subscriptionId]` or NO_IDS: shared by every delivery, never copied. */
  readonly ids: readonly number[];
  constructor(
    readonly session: Session,
    readonly record: SubscriptionRecord,
    /** Inner filter levels. */
    readonly levels: readonly string[],
    readonly share: string | null,
    readonly inner: string,
  ) {
    this.ids = record.subscriptionId ? Object.freeze([record.subscriptionId]) : NO_IDS;
  }
  get key(): string {
    return this.record.key;
  }
  get qos(): QoS {
    return this.record.qos;
  }
}

/** A STOMP queue consumer held by a session. */
export interface Consumer {
  readonly session: Session;
  readonly queue: string;
  readonly key: string;
  readonly ackMode: QueueAckMode;
  readonly prefetch: number;
  readonly grants: readonly AclGrant[];
  /** Unacknowledged deliveries by ack tag, in delivery order (cumulative `client` acks walk it). */
  readonly unacked: KeyedList<QueueEntryRecord>;
}

export class Connection {
  /** @internal */
  constructor(
    /** @internal */ readonly session: Session,
    /** @internal */ readonly generation: number,
  ) {}
  get clientId(): string {
    return this.session.clientId;
  }
  get principal(): Actor {
    return this.session.principal;
  }
  /** False once the session was taken over, disconnected or ended. */
  get active(): boolean {
    return this.session.connection === this;
  }
  /** The protocol session's key/value slot (e.g. event feed positions); write with Broker.setState. */
  get state(): ReadonlyMap<string, string> {
    return this.session.stateView;
  }
}

export class Session {
  connection: Connection | null = null;
  sink: SessionSink | null = null;
  /** False between connect and start: deliveries wait so CONNACK goes first. */
  started = false;
  generation = 0;
  expiryInterval = 0;
  disconnectedAt: number | null = null;
  will: WillInput | null = null;
  /** A delayed will waiting to be published (§3.1.3.2.2). */
  willAt: number | null = null;
  /** Window of QoS 1/2 deliveries in flight: min(client Receive Maximum, broker limit). */
  window = 65_535;
  // The tables below are created on first write: an idle session holds none (each empty Map or Set
  // costs ~0.2 KB of hash table). Reads that run for every session use the `...View` getters.
  private subTable: Map<string, Subscription> | null = null;
  private consumerTable: Map<string, Consumer> | null = null;
  private incomingTable: Set<number> | null = null;
  private stateTable: Map<string, string> | null = null;
  /** Outgoing QoS 1/2 in flight by packet id, in send order (a phase change keeps the position). */
  readonly inflight = new KeyedList<InflightRecord>();
  nextPacketId = 1;
  /** Packet ids this session's deliveries may use (ConnectRequest.packetIdRange); the protocol keeps the rest. */
  lastPacketId = 65_535;
  readonly pending = new Fifo<QueuedRecord>();
  pendingBytes = 0;
  nextTag = 1;
  /** Deliveries this session lost to its queue bound (and other drops). */
  dropped = 0;
  /** Bumped whenever its deadline (will delay, expiry) is rescheduled (see deadlines.ts). */
  deadlineVersion = 0;

  // Scratch used while matching one publish (merge mode), valid when `epoch` equals the broker's.
  epoch = 0;
  mQos: QoS = 0;
  mRetain = false;
  mIds: readonly number[] = NO_IDS;
  mKey = '';

  constructor(
    readonly clientId: string,
    public principal: Actor,
    public overlap: OverlapMode,
  ) {}

  /** Subscriptions by key (created on first use). */
  get subs(): Map<string, Subscription> {
    return (this.subTable ??= new Map());
  }
  get subsView(): ReadonlyMap<string, Subscription> {
    return this.subTable ?? NONE;
  }
  /** Queue consumers by key (created on first use). */
  get consumers(): Map<string, Consumer> {
    return (this.consumerTable ??= new Map());
  }
  get consumersView(): ReadonlyMap<string, Consumer> {
    return this.consumerTable ?? NONE;
  }
  /** Incoming QoS 2 packet ids not yet released (created on first use). */
  get incoming(): Set<number> {
    return (this.incomingTable ??= new Set());
  }
  /** The protocol session's key/value slot (created on first use). */
  get state(): Map<string, string> {
    return (this.stateTable ??= new Map());
  }
  get stateView(): ReadonlyMap<string, string> {
    return this.stateTable ?? NONE;
  }
  /** The state as its stored record holds it. */
  stateRecord(): Readonly<Record<string, string>> {
    return this.stateTable === null || this.stateTable.size === 0 ? NO_STATE : Object.fromEntries(this.stateTable);
  }

  get online(): boolean {
    return this.connection !== null;
  }

  /** When a disconnected session ends (ms), or null: connected, or never expires. */
  expiresAt(never: number): number | null {
    if (this.disconnectedAt === null || this.expiryInterval >= never) return null;
    return this.disconnectedAt + this.expiryInterval * 1000;
  }

  /** Next free outgoing packet id in 1..lastPacketId (§2.2.1); the window keeps some free. */
  allocatePacketId(): number {
    for (let tries = 0; tries < this.lastPacketId; tries++) {
      const id = this.nextPacketId > this.lastPacketId ? 1 : this.nextPacketId;
      this.nextPacketId = id >= this.lastPacketId ? 1 : id + 1;
      if (!this.inflight.has(id)) return id;
    }
    throw new Error('no free packet id');
  }
}
