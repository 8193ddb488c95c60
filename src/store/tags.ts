// Tags of a workspace and the tags on each content.
import type { Selectable } from 'kysely';
import type { DB } from './schema.js';
import type { TagView } from '../core/content-model.js';
import { n, type Db } from './db.js';

const toTag = (r: Selectable<DB['tags']>): TagView => ({ id: n(r.id), space_id: r.space_id, name: r.name, created_at: n(r.created_at) });

export class TagRepo {
  constructor(private readonly db: Db) {}

  async insert(spaceId: number, name: string, authorId: number | null, now: number): Promise<TagView> {
    return toTag(await this.db.insertInto('tags').values({ space_id: spaceId, name, author_id: authorId, created_at: now }).returningAll().executeTakeFirstOrThrow());
  }

  async get(id: number): Promise<TagView | null> {
    const r = await this.db.selectFrom('tags').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toTag(r) : null;
  }

  async byName(spaceId: number, name: string): Promise<TagView | null> {
    const r = await this.db.selectFrom('tags').selectAll().where('space_id', '=', spaceId).where('name', '=', name).executeTakeFirst();
    return r ? toTag(r) : null;
  }

  async list(spaceId: number): Promise<TagView[]> {
    return (await this.db.selectFrom('tags').selectAll().where('space_id', '=', spaceId).orderBy('id').execute()).map(toTag);
  }

  async rename(id: number, name: string): Promise<void> {
    await this.db.updateTable('tags').set({ name }).where('id', '=', id).execute();
  }

  /** Deletes a tag and its content associations; returns the contents that carried it. */
  async delete(id: number): Promise<number[]> {
    const rows = await this.db.selectFrom('content_tags').select('content_id').where('tag_id', '=', id).execute();
    await this.db.deleteFrom('content_tags').where('tag_id', '=', id).execute();
    await this.db.deleteFrom('tags').where('id', '=', id).execute();
    return rows.map((r) => r.content_id);
  }

  /** False when the content already had the tag. */
  async tagContent(contentId: number, tagId: number): Promise<boolean> {
    const exists = await this.db.selectFrom('content_tags').select('tag_id').where('content_id', '=', contentId).where('tag_id', '=', tagId).executeTakeFirst();
    if (exists) return false;
    await this.db.insertInto('content_tags').values({ content_id: contentId, tag_id: tagId }).execute();
    return true;
  }

  async untagContent(contentId: number, tagId: number): Promise<boolean> {
    const r = await this.db.deleteFrom('content_tags').where('content_id', '=', contentId).where('tag_id', '=', tagId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async ofContent(contentId: number): Promise<TagView[]> {
    const rows = await this.db.selectFrom('content_tags').innerJoin('tags', 'tags.id', 'content_tags.tag_id').selectAll('tags').where('content_tags.content_id', '=', contentId).orderBy('tags.id').execute();
    return rows.map(toTag);
  }
}
