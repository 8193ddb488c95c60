// The gateway: which connections each user has on this node, fan-out of bus events to them (rendered
// once per dialect), resume from a feed position, and presence (first connection in, last one out).
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import type { Ephemeral } from '../service/ephemeral.js';
import type { Delivered } from '../events/types.js';
import type { Metrics } from '../metrics.js';
import { Prepared } from './prepared.js';
import type { Session } from './session.js';

export type ResetReason = 'position_too_old' | 'position_ahead' | 'epoch_mismatch';

export interface AttachResult {
  epoch: string;
  /** The position the connection starts from: the resume position, or the log head. */
  position: number;
  /** Set when a resume was asked for and cannot be honoured: the client must reload its state. */
  reset: ResetReason | null;
}

const REPLAY_BATCH = 500;

export class Gateway {
  private readonly byUser = new Map<number, Set<Session>>();
  private readonly unsubscribe: () => void;
  private closing = false;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly ephemeral: Ephemeral,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.unsubscribe = bus.subscribe((ev) => this.dispatch(ev));
  }

  private prepare(session: Session, ev: Delivered): Prepared | null {
    const text = session.dialect.render(ev);
    return text === null ? null : new Prepared(ev.id, text);
  }

  /** Hot path: one render per dialect per event, then the same bytes to every recipient connection. */
  private dispatch(ev: Delivered): void {
    const cache = new Map<string, Prepared | null>();
    const delivered = new Map<string, number>();
    for (const uid of ev.recipients) {
      if (uid === ev.exclude) continue;
      const sessions = this.byUser.get(uid);
      if (sessions === undefined) continue;
      for (const s of sessions) {
        if (s.dialect.accepts !== undefined && !s.dialect.accepts(ev, uid)) continue;
        let p = cache.get(s.dialect.name);
        if (p === undefined) {
          p = this.prepare(s, ev);
          cache.set(s.dialect.name, p);
        }
        s.offer(ev, p);
        if (p !== null) delivered.set(s.dialect.name, (delivered.get(s.dialect.name) ?? 0) + 1);
      }
    }
    if (ev.id !== null) this.metrics.eventsAppended.inc({ type: ev.type.startsWith('custom.') ? 'custom' : ev.type });
    if (delivered.size > 0) {
      for (const [dialect, count] of delivered) this.metrics.deliveries.inc({ dialect }, count);
      this.metrics.deliveryLag.observe((Date.now() - ev.at) / 1000);
    }
  }

  /**
   * Registers a connection (live events are held from here on) and decides where its feed starts.
   * Call `replay` next, after sending any welcome frame.
   */
  async attach(session: Session, resume: number | null, epoch: string | null): Promise<AttachResult> {
    let set = this.byUser.get(session.userId);
    if (!set) this.byUser.set(session.userId, (set = new Set()));
    set.add(session);
    session.onSlowConsumer = () => this.metrics.slowConsumers.inc({ dialect: session.dialect.name });
    this.metrics.connections.inc({ dialect: session.dialect.name, transport: session.transport });
    this.bus.presence
      .connect(session.userId)
      .then((first) => (first ? this.ephemeral.presenceChanged(session.userId, true) : undefined))
      .catch((err: unknown) => this.log.error({ err }, 'presence (online) failed'));

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
    session.position = position;
    return { epoch: storeEpoch, position, reset };
  }

  /** Sends every event the user missed after the session's position, then releases held live events. */
  async replay(session: Session): Promise<void> {
    for (;;) {
      const batch = await this.store.read((r) => r.feed(session.userId, session.position, REPLAY_BATCH));
      for (const e of batch) {
        const ev = { type: e.type, data: e.data, id: e.id, at: e.at, space_id: e.space_id, recipients: [] } as unknown as Delivered;
        const frame = session.dialect.accepts === undefined || session.dialect.accepts(ev, session.userId) ? this.prepare(session, ev) : null;
        // A replay can be far larger than the outgoing bound: pace it by the socket instead of failing.
        if (session.backlogged()) await session.drained();
        if (session.closed || !session.push(ev, frame)) return;
      }
      if (batch.length < REPLAY_BATCH || session.closed) break;
    }
    session.goLive((ev) => this.prepare(session, ev));
  }

  detach(session: Session): void {
    const set = this.byUser.get(session.userId);
    if (!set?.delete(session)) return;
    if (set.size === 0) this.byUser.delete(session.userId);
    this.metrics.connections.dec({ dialect: session.dialect.name, transport: session.transport });
    if (this.closing) return; // presence of a node going down is the cluster's business, not this store's
    this.bus.presence
      .disconnect(session.userId)
      .then((last) => (last ? this.ephemeral.presenceChanged(session.userId, false) : undefined))
      .catch((err: unknown) => this.log.error({ err }, 'presence (offline) failed'));
  }

  connectionCount(): number {
    let n = 0;
    for (const s of this.byUser.values()) n += s.size;
    return n;
  }

  /** Closes every connection (clients resume elsewhere or after restart). */
  closeAll(): void {
    this.closing = true;
    this.unsubscribe();
    for (const set of [...this.byUser.values()]) for (const s of [...set]) s.close('shutdown', 'server shutting down: reconnect and resume');
  }
}
