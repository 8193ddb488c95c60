// The gateway: this node's side of the bus. It keeps the membership index in position order, delivers
// each event to the local cursors in its audience, opens and resumes feed cursors, and keeps the
// registry of live connections (presence, control orders).
import type { Logger } from 'pino';
import type { Bus, ControlMessage } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import type { StoredEvent } from '../store/log.js';
import type { Delivered } from '../events/types.js';
import type { Metrics } from '../metrics.js';
import type { Renderer, View } from '../dialects/render.js';
import type { Payload } from './connection.js';
import { FeedCursor, type CursorHub, type FeedFilter } from './cursor.js';
import { Delivery, renderPayload } from './delivery.js';
import type { MembershipIndex } from './membership.js';
import { EventViews } from './views.js';
import { Sequencer } from './sequencer.js';
import { ConnectionRegistry, type LiveConnection, type Registration } from './registry.js';
import { PresenceView } from './presence-view.js';

export type ResetReason = 'position_too_old' | 'position_ahead' | 'epoch_mismatch';

export interface AttachResult {
  epoch: string;
  /** The position the cursor starts from: the resume position, or the log head. */
  position: number;
  /** Set when a resume was asked for and cannot be honoured: the client must reload its state. */
  reset: ResetReason | null;
}

export interface OpenFeed {
  userId: number;
  renderer: Renderer;
  filter?: FeedFilter;
  /** Position to resume after (null: start at the head). */
  resume: number | null;
  /** The epoch the client's position belongs to, when it knows it. */
  epoch: string | null;
}

export interface GatewayOptions {
  /** Live events a cursor holds during its replay before it drops them and re-reads the store. */
  maxHeld: number;
  /** How long a gap in the ordered stream may stay open before it is read from the store. */
  gapWaitMs: number;
  /**
   * Every this many ms the node compares its position with the log head, so events lost at the tail of a
   * burst (nothing later arrives to reveal the gap) are read from the store; 0: never (the in-process bus
   * loses nothing).
   */
  headCheckMs?: number;
  /** Presence transitions (first connection in, last one out, or a dead node's users). */
  presenceChanged(userId: number, online: boolean): void;
}

/** A stored feed row as a delivered event (replays carry no audience: the feed already chose the user). */
export function fromStored(e: StoredEvent): Delivered {
  return { type: e.type, data: e.data, id: e.id, at: e.at, space_id: e.space_id, audience: {}, explicit: [] } as Delivered;
}

/** A logged event and the users it was addressed to when it happened (a whole-log reader's view). */
export interface LoggedEvent {
  event: Delivered;
  /** Explicit recipients and the members of its audience space at that position; `event.audience.all` marks a broadcast. */
  recipients: number[];
}

export class Gateway implements CursorHub {
  readonly connections: ConnectionRegistry;
  readonly presence: PresenceView;
  readonly maxHeld: number;
  private readonly delivery: Delivery;
  private readonly sequencer: Sequencer;
  private readonly unsubscribe: (() => void)[] = [];
  private headTimer: NodeJS.Timeout | null = null;
  private checkingHead = false;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    readonly membership: MembershipIndex,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly opts: GatewayOptions,
  ) {
    this.maxHeld = opts.maxHeld;
    this.delivery = new Delivery(membership, {
      delivered: (dialect, n) => metrics.deliveries.inc({ dialect }, n),
      lag: (s) => metrics.deliveryLag.observe(s),
      failed: (stage, dialect) => metrics.deliveryErrors.inc({ stage, dialect }),
    }, log);
    this.presence = new PresenceView((ids) => bus.presence.online(ids));
    this.connections = new ConnectionRegistry(
      bus.presence,
      {
        online: (uid) => opts.presenceChanged(uid, true),
        offline: (uid) => opts.presenceChanged(uid, false),
        gauge: (dialect, transport, d) => metrics.connections.inc({ dialect, transport }, d),
      },
      log,
    );
    this.sequencer = new Sequencer({
      gapWaitMs: opts.gapWaitMs,
      fill: (after, limit) => store.read((r) => r.log.range(after, limit)),
      deliver: (ev) => this.onOrdered(ev),
      onError: (err) => log.error({ err }, 'filling a gap in the event stream failed'),
      filled: (n) => metrics.gapFills.inc(n),
    });
  }

  /** Subscribes to the bus, then seeds the membership index under the writer lock (nothing commits in between). */
  async start(): Promise<void> {
    this.unsubscribe.push(
      this.bus.events.subscribe((ev) => this.sequencer.push(ev)),
      this.bus.ephemeral.subscribe((ev) => this.onEphemeral(ev)),
      this.bus.control.subscribe((m) => this.handleControl(m)),
      this.bus.presence.onExpired((ids) => ids.forEach((uid) => this.opts.presenceChanged(uid, false))),
    );
    const seed = await this.store.write((tx) => tx.log.membershipSnapshot());
    this.membership.seed(seed);
    this.sequencer.start(seed.head);
    if (this.opts.headCheckMs) {
      const resync = this.bus.events.onResync?.(() => this.checkHead());
      if (resync) this.unsubscribe.push(resync);
      this.headTimer = setInterval(() => this.checkHead(), this.opts.headCheckMs);
      this.headTimer.unref();
    }
  }

  /** Reads the log head and lets the sequencer fill whatever it has not received up to it. */
  private checkHead(): void {
    if (this.checkingHead) return;
    this.checkingHead = true;
    this.store
      .read((r) => r.logHead())
      .then((head) => this.sequencer.observeHead(head))
      // The database being down is reported by the commands that fail; the next check tries again.
      .catch((err: unknown) => this.log.debug({ err }, 'head check failed'))
      .finally(() => (this.checkingHead = false));
  }

  private guarded(stage: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.metrics.deliveryErrors.inc({ stage, dialect: '' });
      this.log.error({ err, stage }, 'event handling failed');
    }
  }

  /** In position order: membership first (the event's own change counts), then delivery, then the presence view. */
  private onOrdered(ev: Delivered): void {
    this.guarded('membership', () => this.membership.apply(ev));
    this.guarded('dispatch', () => this.delivery.dispatch(ev));
    this.guarded('presence', () => this.presence.onEvent(ev));
    for (const w of this.watchers) this.guarded('watch', () => w(ev.id!));
  }

  private readonly watchers = new Set<(position: number) => void>();

  /** Called with each logged event's position, in order, once it is delivered here (whole-log readers wake up). */
  onLogged(handler: (position: number) => void): () => void {
    this.watchers.add(handler);
    return () => this.watchers.delete(handler);
  }

  /** The log after `after`, oldest first, each event with the users it was addressed to then. */
  async logPage(after: number, limit: number): Promise<LoggedEvent[]> {
    return this.store.read(async (r) => {
      const events = await r.log.range(after, limit);
      const spaced = events.flatMap((e) => (e.audience.space === undefined ? [] : [{ id: e.id!, space: e.audience.space }]));
      const members = await r.log.spaceMembersAt(spaced);
      return events.map((event) => {
        const users = new Set(event.explicit);
        for (const u of members.get(event.id!) ?? []) users.add(u);
        return { event, recipients: [...users] };
      });
    });
  }

  private onEphemeral(ev: Delivered): void {
    this.guarded('dispatch', () => this.delivery.dispatch(ev));
    this.guarded('presence', () => this.presence.onEvent(ev));
  }

  private readonly controlHandlers = new Set<(m: ControlMessage) => void>();

  /** Control orders as they arrive (the broker listens for revocations and takeovers). */
  onControl(handler: (m: ControlMessage) => void): () => void {
    this.controlHandlers.add(handler);
    return () => this.controlHandlers.delete(handler);
  }

  /** Sends a control order to every node (this one included). */
  sendControl(m: ControlMessage): void {
    this.bus.control.send(m);
  }

  /** This node's id in the cluster. */
  get node(): string {
    return this.bus.node;
  }

  private handleControl(m: ControlMessage): void {
    if (m.kind === 'close_user' || m.kind === 'close_tokens') {
      const n = m.kind === 'close_user' ? this.connections.closeUser(m.user_id, m.reason) : this.connections.closeTokens(m.user_id, m.tokens, m.reason);
      if (n > 0) this.log.info({ userId: m.user_id, connections: n, reason: m.reason }, "closed a user's connections");
    }
    for (const h of this.controlHandlers) this.guarded('control', () => h(m));
  }

  // ---- feeds ------------------------------------------------------------------------------------------

  async head(): Promise<{ position: number; epoch: string }> {
    const [position, epoch] = await Promise.all([this.store.read((r) => r.logHead()), this.store.epoch()]);
    return { position, epoch };
  }

  /**
   * Opens a cursor: registered first (live events are held from here on), then the start is decided.
   * The caller sends its welcome, attaches a sink and calls `replay`.
   */
  async open(o: OpenFeed): Promise<{ cursor: FeedCursor; start: AttachResult }> {
    const cursor = new FeedCursor(this, o.userId, o.renderer, o.filter ?? null, 0);
    cursor.hold();
    try {
      const start = await this.decide(o.resume, o.epoch);
      cursor.position = start.position;
      return { cursor, start };
    } catch (err) {
      cursor.close();
      throw err;
    }
  }

  /** Resumes a detached cursor from its own position (an explicit reset when that is no longer possible). */
  async resume(cursor: FeedCursor): Promise<AttachResult> {
    cursor.hold();
    const start = await this.decide(cursor.position, null);
    cursor.position = start.position;
    return start;
  }

  private async decide(resume: number | null, epoch: string | null): Promise<AttachResult> {
    const storeEpoch = await this.store.epoch();
    const { head, pruned } = await this.store.read(async (r) => ({ head: await r.logHead(), pruned: Number((await r.meta('pruned_through')) ?? 0) }));
    let reset: ResetReason | null = null;
    let position = head;
    if (resume !== null) {
      if (epoch !== null && epoch !== storeEpoch) reset = 'epoch_mismatch';
      else if (resume > head) reset = 'position_ahead';
      else if (resume < pruned) reset = 'position_too_old';
      else position = resume;
      this.metrics.resumes.inc({ outcome: reset ?? 'ok' });
    }
    return { epoch: storeEpoch, position, reset };
  }

  /** A user's feed after `after`, oldest first; or before `before`, newest first (paged inboxes). */
  async page(userId: number, o: { after?: number; before?: number; limit: number }): Promise<Delivered[]> {
    const rows = await this.store.read((r) => (o.before !== undefined ? r.log.feedBefore(userId, o.before, o.limit) : r.feed(userId, o.after ?? 0, o.limit)));
    return rows.map(fromStored);
  }

  // ---- CursorHub ----------------------------------------------------------------------------------------

  track(cursor: FeedCursor): void {
    this.delivery.add(cursor);
  }

  untrack(cursor: FeedCursor): void {
    this.delivery.remove(cursor);
  }

  read(userId: number, after: number, limit: number): Promise<Delivered[]> {
    return this.page(userId, { after, limit });
  }

  render(cursor: FeedCursor, ev: Delivered): { payload: Payload | null; view: View } {
    const views = new EventViews(ev, this.membership);
    const view: View = cursor.renderer.privateFields ? views.viewFor(cursor.userId) : 'full';
    const payload = renderPayload(cursor.renderer, views, view, (err, r) => {
      this.metrics.deliveryErrors.inc({ stage: 'render', dialect: r.name });
      this.log.error({ err, dialect: r.name, type: ev.type, id: ev.id }, 'render failed during a replay');
    });
    return { payload, view };
  }

  heldOverflow(cursor: FeedCursor): void {
    this.metrics.heldOverflows.inc({ dialect: cursor.renderer.name });
  }

  // ---- connections and presence -------------------------------------------------------------------------

  /** Registers a live connection (presence, gauge, control orders); the presence view re-checks its user. */
  register(c: LiveConnection): Registration {
    const r = this.connections.register(c);
    this.presence.refresh([c.userId]);
    return {
      unregister: () => {
        r.unregister();
        this.presence.refresh([c.userId]);
      },
    };
  }

  onlineUsers(userIds: readonly number[]): Promise<Set<number>> {
    return this.bus.presence.online(userIds);
  }

  // ---- lifecycle ----------------------------------------------------------------------------------------

  connectionCount(): number {
    return this.connections.count();
  }

  /** Stops receiving and closes every connection (clients resume elsewhere or after restart). */
  closeAll(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.headTimer !== null) clearInterval(this.headTimer);
    this.headTimer = null;
    this.sequencer.stop();
    this.connections.closeAll('server shutting down: reconnect and resume');
  }
}
