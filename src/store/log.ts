// The event log: positions (head + 1 under the writer lock), append with the explicit recipients resolved,
// per-user feeds for resume, the membership snapshot a node seeds its index from, pruning, and the meta
// keys that describe the log (epoch, pruned_through).
import { sql } from 'kysely';
import type { Audience, Delivered, HeraldEvent } from '../events/types.js';
import { audienceOf, spaceOf } from '../core/audience.js';
import type { Db } from './db.js';
import { runCompiled } from './fast.js';

const n = (v: unknown) => Number(v);

export interface StoredEvent {
  id: number;
  type: string;
  at: number;
  space_id: number | null;
  data: unknown;
}

/** Who is a member of what, who is an administrator, as of `head` (read under the writer lock). */
export interface MembershipSnapshot {
  head: number;
  members: { space_id: number; user_id: number }[];
  deletedSpaces: number[];
  admins: number[];
  /** Users not deleted. */
  users: number;
}

/**
 * The next position, as `head()` computes it, inside an INSERT: after the highest event, or after
 * pruned_through when a prune emptied the log (positions are never reused). Both drivers.
 */
const NEXT_POSITION = sql<number>`(select coalesce(max(h), 0) + 1 from (select max(id) as h from events union all select cast(value as bigint) as h from meta where key = 'pruned_through') as heads)`;

type EventRow = { id: number; type: string; at: number; space_id: number | null; audience_space: number | null; audience_all: number; data: string };
type RecipientRow = { event_id: number; user_id: number };

/** Where a write started: restored when it fails, so its positions and its unsent rows are dropped. */
export interface LogMark {
  head: number | null;
  events: number;
  recipients: number;
}

/** Rows per multi-row INSERT (PostgreSQL binds at most 65,535 parameters; an event row has 7). */
const ROWS_PER_INSERT = 1000;

export class EventLog {
  /** Log head inside a write transaction: read once under the writer lock, then advanced locally. */
  private cachedHead: number | null = null;
  /**
   * With `deferAppends` (PostgreSQL's writer), appends after a transaction's first are held here and sent
   * as multi-row INSERTs by `flushAppends`: before COMMIT, and before anything in the transaction reads
   * the log. Every statement is a round trip under the writer lock there; the rows need none of their own.
   */
  private pendingEvents: EventRow[] = [];
  private pendingRecipients: RecipientRow[] = [];

  constructor(
    private readonly db: Db,
    private readonly members: { peersOf(userId: number): Promise<number[]> },
    private readonly deferAppends = false,
    /** The head, when the writer knows it from its last commit (a node alone on its database). */
    knownHead: number | null = null,
  ) {
    this.cachedHead = knownHead;
  }

  // ---- meta -------------------------------------------------------------------------------------
  async meta(key: string): Promise<string | null> {
    const r = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return r?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.db.updateTable('meta').set({ value }).where('key', '=', key).execute();
  }

  // ---- positions ----------------------------------------------------------------------------------
  /** The head and unsent rows as this transaction knows them, to restore when a write is rolled back. */
  headMark(): LogMark {
    return { head: this.cachedHead, events: this.pendingEvents.length, recipients: this.pendingRecipients.length };
  }

  restoreHead(mark: LogMark): void {
    this.cachedHead = mark.head;
    this.pendingEvents.length = mark.events;
    this.pendingRecipients.length = mark.recipients;
  }

  /** Sends the deferred appends (a no-op without `deferAppends`): one statement per 1,000 events. */
  async flushAppends(): Promise<void> {
    while (this.pendingEvents.length > 0 || this.pendingRecipients.length > 0) {
      const events = this.pendingEvents.splice(0, ROWS_PER_INSERT);
      const recipients = this.pendingRecipients.splice(0, ROWS_PER_INSERT * 3);
      if (events.length > 0 && recipients.length > 0) {
        // One round trip for both tables: the recipients' INSERT as a data-modifying WITH.
        await this.db
          .with('r', (db) => db.insertInto('event_recipients').values(recipients))
          .insertInto('events')
          .values(events)
          .execute();
      } else if (events.length > 0) await this.db.insertInto('events').values(events).execute();
      else await this.db.insertInto('event_recipients').values(recipients).execute();
    }
  }

  async head(): Promise<number> {
    if (this.cachedHead === null) {
      // After a prune the log may be empty: positions continue after the pruned ones, never reused.
      // One statement for both (every write transaction reads it once).
      const { rows } = await runCompiled(this.db, 'log.head', ['pruned_through'], () =>
        this.db
          .selectFrom('events')
          .select((eb) => [eb.fn.max('id').as('max'), eb.selectFrom('meta').select('value').where('key', '=', 'pruned_through').as('pruned')]),
      );
      this.cachedHead = Math.max(n(rows[0]?.max ?? 0), n(rows[0]?.pruned ?? 0));
    }
    return this.cachedHead;
  }

  /**
   * Appends one event (only inside a write transaction). Only the explicit recipients are resolved here
   * (they are stored for resume); space members and `all` are resolved by each node at delivery, so the
   * writer lock never costs O(members) or O(users).
   */
  async append(ev: HeraldEvent, at: number): Promise<Delivered> {
    const audience = audienceOf(ev);
    const space_id = spaceOf(ev);
    const fields = { type: ev.type, at, space_id, audience_space: audience.space ?? null, audience_all: audience.all ? 1 : 0, data: JSON.stringify(ev.data) };
    let id: number;
    if (this.cachedHead === null) {
      // The transaction's first event: the head is read by the INSERT itself (one statement, not two).
      const { rows } = await runCompiled(this.db, 'log.appendFirst', Object.values(fields), () =>
        this.db
          .insertInto('events')
          .values({ id: NEXT_POSITION, ...fields })
          .returning('id'),
      );
      if (!rows[0]) throw new Error('event insert returned no id');
      id = n(rows[0].id);
    } else {
      id = this.cachedHead + 1;
      const row = { id, ...fields };
      if (this.deferAppends) this.pendingEvents.push(row);
      else await runCompiled(this.db, 'log.append', Object.values(row), () => this.db.insertInto('events').values(row));
    }
    this.cachedHead = id;

    const explicit = new Set<number>(audience.users ?? []);
    if (audience.admins) {
      for (const r of await this.db.selectFrom('users').select('id').where('is_admin', '=', 1).execute()) explicit.add(n(r.id));
    }
    if (audience.peers_of !== undefined) for (const uid of await this.members.peersOf(audience.peers_of)) explicit.add(uid);
    if (explicit.size) {
      const rows = [...explicit].map((user_id) => ({ event_id: id, user_id }));
      if (this.deferAppends) this.pendingRecipients.push(...rows);
      else await this.db.insertInto('event_recipients').values(rows).execute();
    }
    return { ...ev, id, at, space_id, audience, explicit: [...explicit] };
  }

  /** Logged events after `after`, as published (audience and explicit recipients): a node fills a gap in its stream from here. */
  async range(after: number, limit: number): Promise<Delivered[]> {
    await this.flushAppends();
    const rows = await this.db.selectFrom('events').selectAll().where('id', '>', after).orderBy('id').limit(limit).execute();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => n(r.id));
    const explicit = new Map<number, number[]>();
    for (const r of await this.db.selectFrom('event_recipients').select(['event_id', 'user_id']).where('event_id', 'in', ids).execute()) {
      const list = explicit.get(n(r.event_id)) ?? [];
      list.push(n(r.user_id));
      explicit.set(n(r.event_id), list);
    }
    return rows.map((r) => {
      const audience: Audience = {};
      if (r.audience_space !== null) audience.space = n(r.audience_space);
      if (n(r.audience_all) === 1) audience.all = true;
      const id = n(r.id);
      return { type: r.type, data: JSON.parse(r.data) as unknown, id, at: n(r.at), space_id: r.space_id === null ? null : n(r.space_id), audience, explicit: explicit.get(id) ?? [] } as Delivered;
    });
  }

  /**
   * The members of each event's audience space when it happened (the membership_log intervals feeds use):
   * event id → user ids. For a reader of the whole log (the MQTT bridge) that must address each event as
   * the per-user feeds do.
   */
  async spaceMembersAt(events: readonly { id: number; space: number }[]): Promise<Map<number, number[]>> {
    const out = new Map<number, number[]>();
    if (events.length === 0) return out;
    let min = Infinity;
    let max = 0;
    for (const e of events) {
      min = Math.min(min, e.id);
      max = Math.max(max, e.id);
    }
    const spaces = [...new Set(events.map((e) => e.space))];
    const rows = await this.db
      .selectFrom('membership_log')
      .select(['space_id', 'user_id', 'from_pos', 'to_pos'])
      .where('space_id', 'in', spaces)
      .where('from_pos', '<', max)
      .where((eb) => eb.or([eb('to_pos', 'is', null), eb('to_pos', '>=', min)]))
      .execute();
    const bySpace = new Map<number, { user: number; from: number; to: number | null }[]>();
    for (const r of rows) {
      const list = bySpace.get(n(r.space_id)) ?? [];
      list.push({ user: n(r.user_id), from: n(r.from_pos), to: r.to_pos === null ? null : n(r.to_pos) });
      bySpace.set(n(r.space_id), list);
    }
    for (const e of events) {
      const users = new Set<number>();
      for (const m of bySpace.get(e.space) ?? []) if (e.id > m.from && (m.to === null || e.id <= m.to)) users.add(m.user);
      out.set(e.id, [...users]);
    }
    return out;
  }

  /** Membership as of the log head; call inside a write transaction so nothing commits in between. */
  async membershipSnapshot(): Promise<MembershipSnapshot> {
    const head = await this.head();
    const members = (await this.db.selectFrom('members').select(['space_id', 'user_id']).execute()).map((r) => ({ space_id: n(r.space_id), user_id: n(r.user_id) }));
    const deletedSpaces = (await this.db.selectFrom('spaces').select('id').where('deleted', '=', 1).execute()).map((r) => n(r.id));
    const admins = (await this.db.selectFrom('users').select('id').where('is_admin', '=', 1).execute()).map((r) => n(r.id));
    const users = await this.db.selectFrom('users').select((eb) => eb.fn.countAll().as('c')).where('deleted', '=', 0).executeTakeFirst();
    return { head, members, deletedSpaces, admins, users: n(users?.c ?? 0) };
  }

  /** The events addressed to `userId` after position `after`, in log order (broadcasts only from their sign-up on). */
  feed(userId: number, after: number, limit: number): Promise<StoredEvent[]> {
    return this.page(userId, { after, limit, newestFirst: false });
  }

  /** The events addressed to `userId` before position `before`, newest first (paged inboxes). */
  feedBefore(userId: number, before: number, limit: number): Promise<StoredEvent[]> {
    return this.page(userId, { after: 0, before, limit, newestFirst: true });
  }

  private async page(userId: number, o: { after: number; before?: number; limit: number; newestFirst: boolean }): Promise<StoredEvent[]> {
    const { after, limit } = o;
    const before = o.before ?? Number.MAX_SAFE_INTEGER;
    await this.flushAppends();
    const rows = await sql<{ id: number | string; type: string; at: number | string; space_id: number | null; data: string }>`
      select e.id, e.type, e.at, e.space_id, e.data from events e
      where e.id > ${after} and e.id < ${before} and e.id in (
        select e2.id from events e2
          join membership_log m on m.space_id = e2.audience_space and m.user_id = ${userId}
          where e2.id > ${after} and e2.id < ${before} and e2.id > m.from_pos and (m.to_pos is null or e2.id <= m.to_pos)
        union select r.event_id from event_recipients r where r.user_id = ${userId} and r.event_id > ${after} and r.event_id < ${before}
        union select e3.id from events e3 where e3.audience_all = 1 and e3.id > ${after} and e3.id < ${before}
          and e3.at >= (select u.created_at from users u where u.id = ${userId})
      )
      order by e.id ${o.newestFirst ? sql`desc` : sql`asc`}
      limit ${limit}`.execute(this.db);
    return rows.rows.map((r) => ({ id: n(r.id), type: r.type, at: n(r.at), space_id: r.space_id, data: JSON.parse(r.data) as unknown }));
  }

  /** Drops events older than `before` (ms); returns the highest position that can no longer be resumed from. */
  async prune(before: number): Promise<number> {
    await this.flushAppends();
    const r = await this.db.selectFrom('events').select((eb) => eb.fn.max('id').as('max')).where('at', '<', before).executeTakeFirst();
    const through = n(r?.max ?? 0);
    const current = n((await this.meta('pruned_through')) ?? 0);
    if (through <= current) return current;
    await this.db.deleteFrom('event_recipients').where('event_id', '<=', through).execute();
    await this.db.deleteFrom('events').where('id', '<=', through).execute();
    await this.setMeta('pruned_through', String(through));
    return through;
  }
}
