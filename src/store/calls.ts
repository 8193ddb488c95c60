// Calls between two users (Tracim's user calls): a meeting URL and a state each side changes.
import type { CallState, CallView } from '../core/content-model.js';
import { n, type Db } from './db.js';
import type { UserRepo } from './users.js';

export class CallRepo {
  constructor(
    private readonly db: Db,
    private readonly users: UserRepo,
  ) {}

  async insert(callerId: number, calleeId: number, url: string, now: number): Promise<number> {
    const r = await this.db.insertInto('calls').values({ caller_id: callerId, callee_id: calleeId, state: 'in_progress', url, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
    return n(r.id);
  }

  async setState(id: number, state: CallState, now: number): Promise<void> {
    await this.db.updateTable('calls').set({ state, updated_at: now }).where('id', '=', id).execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('calls').where('id', '=', id).execute();
  }

  async view(id: number): Promise<CallView | null> {
    const r = await this.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    const caller = await this.users.ref(r.caller_id);
    const callee = await this.users.ref(r.callee_id);
    if (!caller || !callee) return null;
    return { id: n(r.id), caller, callee, state: r.state as CallState, url: r.url, created_at: n(r.created_at), updated_at: n(r.updated_at) };
  }

  /** The calls a user made (`caller`) or received (`callee`), oldest first. */
  async list(userId: number, side: 'caller' | 'callee'): Promise<CallView[]> {
    const rows = await this.db.selectFrom('calls').select('id').where(side === 'caller' ? 'caller_id' : 'callee_id', '=', userId).orderBy('id').execute();
    const out: CallView[] = [];
    for (const r of rows) {
      const v = await this.view(n(r.id));
      if (v) out.push(v);
    }
    return out;
  }
}
