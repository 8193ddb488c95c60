// Alerts: a user's notifications of mentions, quotes and reactions to their messages.
import type { AlertKind, AlertView, UserRef } from '../core/model.js';
import { bool, n, type Db } from './db.js';
import type { UserRepo } from './users.js';

export class AlertRepo {
  constructor(
    private readonly db: Db,
    private readonly users: UserRepo,
  ) {}

  async insert(a: { user_id: number; kind: AlertKind; from: UserRef | null; space_id: number; message_id: number; text: string }, now: number): Promise<AlertView> {
    const r = await this.db
      .insertInto('alerts')
      .values({ user_id: a.user_id, kind: a.kind, from_user_id: a.from?.id ?? null, space_id: a.space_id, message_id: a.message_id, text: a.text, is_read: 0, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: n(r.id), user_id: a.user_id, kind: a.kind, from: a.from, space_id: a.space_id, message_id: a.message_id, text: a.text, is_read: false, created_at: now };
  }

  /** The user's alerts, newest first. */
  async list(userId: number, limit: number): Promise<AlertView[]> {
    const rows = await this.db.selectFrom('alerts').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(limit).execute();
    const users = await this.users.refs(rows.flatMap((r) => (r.from_user_id === null ? [] : [r.from_user_id])));
    return rows.map((r) => ({
      id: n(r.id),
      user_id: r.user_id,
      kind: r.kind as AlertKind,
      from: r.from_user_id === null ? null : (users.get(r.from_user_id) ?? null),
      space_id: r.space_id,
      message_id: r.message_id,
      text: r.text,
      is_read: bool(r.is_read),
      created_at: n(r.created_at),
    }));
  }
}
