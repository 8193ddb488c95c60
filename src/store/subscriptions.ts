// Workspace subscriptions: a user's request to join an on-request workspace, and its evaluation.
import type { SubscriptionState, SubscriptionView } from '../core/content-model.js';
import { n, type Db } from './db.js';
import type { SpaceRepo } from './spaces.js';
import type { UserRepo } from './users.js';

export class SubscriptionRepo {
  constructor(
    private readonly db: Db,
    private readonly users: UserRepo,
    private readonly spaces: SpaceRepo,
  ) {}

  async row(spaceId: number, authorId: number) {
    return (await this.db.selectFrom('subscriptions').selectAll().where('space_id', '=', spaceId).where('author_id', '=', authorId).executeTakeFirst()) ?? null;
  }

  /** Creates a pending subscription, or renews an evaluated one; returns its id. */
  async upsert(spaceId: number, authorId: number, now: number): Promise<number> {
    const existing = await this.row(spaceId, authorId);
    if (existing) {
      await this.db.updateTable('subscriptions').set({ state: 'pending', created_at: now, evaluator_id: null, evaluated_at: null }).where('id', '=', existing.id).execute();
      return n(existing.id);
    }
    const r = await this.db.insertInto('subscriptions').values({ space_id: spaceId, author_id: authorId, state: 'pending', created_at: now, evaluator_id: null, evaluated_at: null }).returning('id').executeTakeFirstOrThrow();
    return n(r.id);
  }

  async evaluate(id: number, state: SubscriptionState, evaluatorId: number | null, now: number): Promise<void> {
    await this.db.updateTable('subscriptions').set({ state, evaluator_id: evaluatorId, evaluated_at: now }).where('id', '=', id).execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('subscriptions').where('id', '=', id).execute();
  }

  async view(id: number): Promise<SubscriptionView | null> {
    const r = await this.db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    const space = await this.spaces.ref(r.space_id);
    const author = await this.users.ref(r.author_id);
    if (!space || !author) return null;
    return {
      id: n(r.id),
      space,
      author,
      state: r.state as SubscriptionState,
      created_at: n(r.created_at),
      evaluator: await this.users.ref(r.evaluator_id),
      evaluated_at: r.evaluated_at === null ? null : n(r.evaluated_at),
    };
  }

  async list(filter: { spaceId?: number; authorId?: number }): Promise<SubscriptionView[]> {
    let q = this.db.selectFrom('subscriptions').select('id');
    if (filter.spaceId !== undefined) q = q.where('space_id', '=', filter.spaceId);
    if (filter.authorId !== undefined) q = q.where('author_id', '=', filter.authorId);
    const out: SubscriptionView[] = [];
    for (const r of await q.orderBy('id').execute()) {
      const v = await this.view(n(r.id));
      if (v) out.push(v);
    }
    return out;
  }
}
