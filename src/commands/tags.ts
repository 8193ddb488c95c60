// Commands of the Tracim tags: a workspace's tags and the tags on its contents.
import { Type } from '@sinclair/typebox';
import * as tags from '../service/tags.js';
import { command } from './command.js';
import { read, write } from './services.js';
import { Done, Id, TagName } from './schemas.js';
import { TagSchema } from './views.js';

const Tag = Type.Object({ tag: TagSchema });

export const TAG_COMMANDS = [
  command({
    name: 'tags.list',
    summary: 'Tags of a workspace',
    input: Type.Object({ space_id: Id }),
    output: Type.Object({ tags: Type.Array(TagSchema) }),
    run: read(async (c, d) => ({ tags: await tags.list(c, d.space_id) })),
  }),
  command({
    name: 'tags.create',
    summary: 'Create a tag; emits tag.created',
    input: Type.Object({ space_id: Id, name: TagName }),
    output: Tag,
    run: write(async (c, d) => ({ tag: await tags.create(c, d.space_id, d.name) })),
  }),
  command({
    name: 'tags.rename',
    summary: 'Rename a tag (managers); emits tag.updated',
    input: Type.Object({ space_id: Id, tag_id: Id, name: TagName }),
    output: Tag,
    run: write(async (c, d) => ({ tag: await tags.rename(c, d.space_id, d.tag_id, d.name) })),
  }),
  command({
    name: 'tags.delete',
    summary: 'Delete a tag (managers); emits tag.deleted',
    input: Type.Object({ space_id: Id, tag_id: Id }),
    output: Done,
    run: write(async (c, d) => (await tags.remove(c, d.space_id, d.tag_id), {})),
  }),
  command({
    name: 'content_tags.list',
    summary: 'Tags of a content',
    input: Type.Object({ space_id: Id, content_id: Id }),
    output: Type.Object({ tags: Type.Array(TagSchema) }),
    run: read(async (c, d) => ({ tags: await tags.ofContent(c, d.space_id, d.content_id) })),
  }),
  command({
    name: 'content_tags.add',
    summary: 'Tag a content with a tag (tag_id), or by name (tag_name, creating the tag); emits content_tag.added',
    input: Type.Object({ space_id: Id, content_id: Id, tag_id: Type.Optional(Id), tag_name: Type.Optional(TagName) }, { additionalProperties: false }),
    output: Tag,
    run: write(async (c, { space_id, content_id, ...by }) => ({ tag: await tags.tagContent(c, space_id, content_id, by) })),
  }),
  command({
    name: 'content_tags.remove',
    summary: 'Untag a content; emits content_tag.removed',
    input: Type.Object({ space_id: Id, content_id: Id, tag_id: Id }),
    output: Done,
    run: write(async (c, d) => (await tags.untagContent(c, d.space_id, d.content_id, d.tag_id), {})),
  }),
];
