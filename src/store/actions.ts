// Action items of a space (AirSend's actions: name, due date, assignee, status).
import type { Selectable } from 'kysely';
import { randomUUID } from 'node:crypto';
import type { DB } from './schema.js';
import type { ActionView } from '../core/model.js';
import { n, type Db } from './db.js';

type ActionRow = Selectable<DB['actions']>;

function toAction(r: ActionRow): ActionView {
  return {
    id: r.id,
    uuid: r.uuid,
    space_id: r.space_id,
    name: r.name,
    description: r.description,
    type: r.type,
    status: r.status,
    due_at: r.due_at === null ? null : n(r.due_at),
    assignee_id: r.assignee_id,
    created_by: r.created_by,
    created_at: n(r.created_at),
    updated_by: r.updated_by,
    updated_at: r.updated_at === null ? null : n(r.updated_at),
  };
}

export type NewAction = Pick<ActionView, 'space_id' | 'name' | 'description' | 'type' | 'status' | 'due_at' | 'assignee_id' | 'created_by'>;

export class ActionRepo {
  constructor(private readonly db: Db) {}

  async insert(a: NewAction, now: number): Promise<ActionView> {
    const r = await this.db
      .insertInto('actions')
      .values({ ...a, uuid: randomUUID(), created_at: now, updated_by: null, updated_at: null, deleted: 0 })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAction(r);
  }

  async get(id: number): Promise<ActionView | null> {
    const r = await this.db.selectFrom('actions').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    return r ? toAction(r) : null;
  }

  async list(spaceId: number): Promise<ActionView[]> {
    const rows = await this.db.selectFrom('actions').selectAll().where('space_id', '=', spaceId).where('deleted', '=', 0).orderBy('id').execute();
    return rows.map(toAction);
  }

  async update(id: number, patch: Partial<Pick<ActionView, 'name' | 'description' | 'status' | 'due_at' | 'assignee_id'>>, by: number | null, now: number): Promise<void> {
    await this.db.updateTable('actions').set({ ...patch, updated_by: by, updated_at: now }).where('id', '=', id).execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.updateTable('actions').set({ deleted: 1 }).where('id', '=', id).execute();
  }
}
