// The delivery hot path. Local cursors are indexed by user (and, within a user, by space for
// space-filtered cursors); local members are indexed by space, so an event costs this node its own
// recipients, not the audience size. Each event is rendered at most once per dialect and view; a failure
// to render or write is counted and logged, and every other recipient still gets the event.
import type { Logger } from 'pino';
import type { Delivered } from '../events/types.js';
import type { Renderer, View } from '../dialects/render.js';
import { Payload } from './connection.js';
import type { FeedCursor } from './cursor.js';
import type { MembershipIndex } from './membership.js';
import { EventViews } from './views.js';

export interface DeliveryMetrics {
  delivered(dialect: string, count: number): void;
  lag(seconds: number): void;
  failed(stage: 'render' | 'write', dialect: string): void;
}

interface LocalUser {
  readonly id: number;
  /** Cursors that take the whole feed. */
  readonly all: FeedCursor[];
  /** Space-filtered cursors, by space; null until the first (most users have none: an empty Map is ~0.2 KB). */
  bySpace: Map<number, FeedCursor[]> | null;
  /** Last dispatch that visited this user (an event may name a user twice: explicitly and as a member). */
  stamp: number;
}

/** Renders one event for each dialect and view that needs it, once. */
class EventRender {
  private readonly full = new Map<Renderer, Payload | null>();
  private pub: Map<Renderer, Payload | null> | null = null;
  readonly counts = new Map<string, number>();
  /** The recipient being visited, and their view once decided (no allocation per recipient). */
  private user = 0;
  private view: View | null = null;

  constructor(
    readonly views: EventViews,
    private readonly onError: (err: unknown, r: Renderer) => void,
  ) {}

  forUser(userId: number): void {
    this.user = userId;
    this.view = null;
  }

  userView(): View {
    return (this.view ??= this.views.viewFor(this.user));
  }

  payload(r: Renderer, view: View): Payload | null {
    const cache = view === 'full' ? this.full : (this.pub ??= new Map());
    let p = cache.get(r);
    if (p === undefined) {
      p = renderPayload(r, this.views, view, this.onError);
      cache.set(r, p);
    }
    return p;
  }
}

/** One render, guarded: a throwing renderer yields no payload (the failure is reported once per event and dialect). */
export function renderPayload(r: Renderer, views: EventViews, view: View, onError: (err: unknown, r: Renderer) => void): Payload | null {
  try {
    const ev = views.eventFor(view);
    const text = r.render(ev, view);
    return text === null ? null : new Payload(text, ev.id);
  } catch (err) {
    onError(err, r);
    return null;
  }
}

export class Delivery {
  private readonly users = new Map<number, LocalUser>();
  /** Locally connected members of each space. */
  private readonly members = new Map<number, Set<LocalUser>>();
  private seq = 0;

  constructor(
    private readonly index: MembershipIndex,
    private readonly metrics: DeliveryMetrics,
    private readonly log: Logger,
  ) {
    index.onChange((spaceId, userId, joined) => {
      const lu = this.users.get(userId);
      if (lu === undefined) return;
      if (joined) this.memberSet(spaceId).add(lu);
      else this.dropMember(spaceId, lu);
    });
  }

  private memberSet(spaceId: number): Set<LocalUser> {
    let s = this.members.get(spaceId);
    if (s === undefined) this.members.set(spaceId, (s = new Set()));
    return s;
  }

  private dropMember(spaceId: number, lu: LocalUser): void {
    const s = this.members.get(spaceId);
    if (s?.delete(lu) && s.size === 0) this.members.delete(spaceId);
  }

  add(c: FeedCursor): void {
    let lu = this.users.get(c.userId);
    if (lu === undefined) {
      lu = { id: c.userId, all: [], bySpace: null, stamp: 0 };
      this.users.set(c.userId, lu);
      for (const s of this.index.spacesOf(c.userId)) this.memberSet(s).add(lu);
    }
    if (c.filter === null) lu.all.push(c);
    else {
      const bySpace = (lu.bySpace ??= new Map());
      const list = bySpace.get(c.filter.space);
      if (list === undefined) bySpace.set(c.filter.space, [c]);
      else list.push(c);
    }
  }

  remove(c: FeedCursor): void {
    const lu = this.users.get(c.userId);
    if (lu === undefined) return;
    if (c.filter === null) remove(lu.all, c);
    else {
      const list = lu.bySpace?.get(c.filter.space);
      if (list !== undefined && remove(list, c) && list.length === 0) lu.bySpace!.delete(c.filter.space);
    }
    if (lu.all.length === 0 && (lu.bySpace === null || lu.bySpace.size === 0)) {
      this.users.delete(c.userId);
      for (const s of this.index.spacesOf(c.userId)) this.dropMember(s, lu);
    }
  }

  cursorCount(): number {
    let n = 0;
    for (const lu of this.users.values()) {
      n += lu.all.length;
      if (lu.bySpace !== null) for (const l of lu.bySpace.values()) n += l.length;
    }
    return n;
  }

  /** Hot path: one render per dialect and view, then the same payload to every local recipient cursor. */
  dispatch(ev: Delivered): void {
    const stamp = ++this.seq;
    const r = new EventRender(new EventViews(ev, this.index), (err, renderer) => {
      this.metrics.failed('render', renderer.name);
      this.log.error({ err, dialect: renderer.name, type: ev.type, id: ev.id }, 'render failed: this dialect skips the event');
    });
    if (ev.audience.all) {
      for (const lu of this.users.values()) this.visit(lu, ev, r, stamp);
    } else {
      for (const uid of ev.explicit) {
        const lu = this.users.get(uid);
        if (lu !== undefined) this.visit(lu, ev, r, stamp);
      }
      if (ev.audience.space !== undefined) {
        const local = this.members.get(ev.audience.space);
        if (local !== undefined) for (const lu of local) this.visit(lu, ev, r, stamp);
      }
    }
    if (r.counts.size > 0) {
      for (const [dialect, count] of r.counts) this.metrics.delivered(dialect, count);
      this.metrics.lag((Date.now() - ev.at) / 1000);
    }
  }

  private visit(lu: LocalUser, ev: Delivered, r: EventRender, stamp: number): void {
    if (lu.stamp === stamp) return;
    lu.stamp = stamp;
    if (lu.id === ev.exclude) return;
    r.forUser(lu.id);
    for (let i = 0; i < lu.all.length; i++) this.offer(lu.all[i], ev, r);
    if (ev.space_id !== null && lu.bySpace !== null && lu.bySpace.size > 0) {
      const filtered = lu.bySpace.get(ev.space_id);
      if (filtered !== undefined) for (let i = 0; i < filtered.length; i++) this.offer(filtered[i], ev, r);
    }
  }

  private offer(c: FeedCursor, ev: Delivered, r: EventRender): void {
    const renderer = c.renderer;
    if (renderer.accepts !== undefined && !renderer.accepts(ev, c.userId)) return;
    const view = renderer.privateFields ? r.userView() : 'full';
    const p = r.payload(renderer, view);
    try {
      c.offer(ev, p, view);
    } catch (err) {
      this.metrics.failed('write', renderer.name);
      this.log.error({ err, dialect: renderer.name, userId: c.userId, id: ev.id }, 'delivery to one connection failed');
      return;
    }
    if (p !== null) r.counts.set(renderer.name, (r.counts.get(renderer.name) ?? 0) + 1);
  }
}

function remove<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}
