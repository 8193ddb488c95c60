// Read state of a user's Tracim live messages (their inbox): single messages marked read, plus "all read"
// marks. A mark records the log head when the user marked everything read, so marking all read is one
// row whatever the length of the feed; a message's read date is the earliest of its own and the first
// mark that covers it.
import { n, type Db } from './db.js';

export interface ReadMark {
  /** Every message at or below this position is read. */
  through: number;
  read_at: number;
}

export class InboxRepo {
  constructor(private readonly db: Db) {}

  /** "All read" marks, oldest first (positions and dates both increase). */
  async marks(userId: number): Promise<ReadMark[]> {
    const rows = await this.db.selectFrom('tlm_read_marks').select(['through_pos', 'read_at']).where('user_id', '=', userId).orderBy('through_pos').execute();
    return rows.map((r) => ({ through: n(r.through_pos), read_at: n(r.read_at) }));
  }

  /** Read dates of these messages (absent: unread). */
  async readDates(userId: number, eventIds: readonly number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (eventIds.length === 0) return out;
    const marks = await this.marks(userId);
    for (const id of eventIds) {
      const m = marks.find((x) => x.through >= id);
      if (m) out.set(id, m.read_at);
    }
    const rows = await this.db.selectFrom('tlm_reads').selectAll().where('user_id', '=', userId).where('event_id', 'in', [...new Set(eventIds)]).execute();
    for (const r of rows) {
      const at = n(r.read_at);
      const byMark = out.get(n(r.event_id));
      if (byMark === undefined || at < byMark) out.set(n(r.event_id), at);
    }
    return out;
  }

  /** Marks these messages read (those already read keep their first read date); returns how many changed. */
  async markRead(userId: number, eventIds: readonly number[], now: number): Promise<number> {
    const already = await this.readDates(userId, eventIds);
    const fresh = [...new Set(eventIds)].filter((id) => !already.has(id));
    for (let i = 0; i < fresh.length; i += 500) {
      await this.db.insertInto('tlm_reads').values(fresh.slice(i, i + 500).map((event_id) => ({ user_id: userId, event_id, read_at: now }))).execute();
    }
    return fresh.length;
  }

  /** Marks every message up to `through` read; false when an earlier mark already covers it. */
  async markAllRead(userId: number, through: number, now: number): Promise<boolean> {
    const last = await this.db.selectFrom('tlm_read_marks').select((eb) => eb.fn.max('through_pos').as('max')).where('user_id', '=', userId).executeTakeFirst();
    if (n(last?.max ?? 0) >= through) return false;
    await this.db.insertInto('tlm_read_marks').values({ user_id: userId, through_pos: through, read_at: now }).execute();
    return true;
  }
}
