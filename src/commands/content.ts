// Commands of the Tracim content tree: contents, comments, todos, revisions, moves and copies, and the
// file contents (uploads and revisions are internal: their storage keys come from the HTTP route).
import { Type } from '@sinclair/typebox';
import * as content from '../service/content.js';
import { copy, move } from '../service/content-tree.js';
import * as contentFiles from '../service/content-files.js';
import { command } from './command.js';
import { read, write } from './services.js';
import { ContentStatus, ContentType, Id, Label, Millis, MimeType, Nullable, RawContent, StorageKey } from './schemas.js';
import { ContentReactionSchema, ContentSchema, RevisionSchema, TagSchema } from './views.js';

const Where = { space_id: Id, content_id: Id };
const One = Type.Object({ content: ContentSchema });
const Stored = { mimetype: MimeType, size: Type.Integer({ minimum: 0 }), storage_key: StorageKey };

export const CONTENT_COMMANDS = [
  command({
    name: 'content.create',
    summary: 'Create a content (thread, html-document, folder, kanban); files are uploaded, comments and todos go under a content; emits content.created',
    input: Type.Object({ space_id: Id, content_type: ContentType, label: Label, raw_content: Type.Optional(RawContent), parent_id: Type.Optional(Nullable(Id)) }, { additionalProperties: false }),
    output: One,
    run: write(async (c, { space_id, ...input }) => ({ content: await content.create(c, space_id, input) })),
  }),
  command({
    name: 'content.get',
    summary: 'One content (deleted ones too) with its reactions and tags',
    input: Type.Object(Where),
    output: Type.Object({ content: ContentSchema, reactions: Type.Array(ContentReactionSchema), tags: Type.Array(TagSchema) }),
    run: read((c, d) => content.get(c, d.space_id, d.content_id)),
  }),
  command({
    name: 'content.list',
    summary: 'Contents of a workspace, oldest first (parent_id 0: the root; absent: any)',
    input: Type.Object({ space_id: Id, parent_id: Type.Optional(Type.Integer({ minimum: 0 })), show_deleted: Type.Optional(Type.Boolean()), content_type: Type.Optional(ContentType) }),
    output: Type.Object({ contents: Type.Array(ContentSchema) }),
    run: read(async (c, d) => ({
      contents: await content.list(c, d.space_id, { parent_id: d.parent_id === 0 ? null : d.parent_id, include_deleted: d.show_deleted, content_type: d.content_type }),
    })),
  }),
  command({
    name: 'content.update',
    summary: 'Change label, text, status or assignee (a new revision); emits content.updated',
    input: Type.Object({ ...Where, label: Type.Optional(Label), raw_content: Type.Optional(RawContent), status: Type.Optional(ContentStatus), assignee_id: Type.Optional(Nullable(Id)) }, { additionalProperties: false }),
    output: One,
    run: write(async (c, { space_id, content_id, ...patch }) => ({ content: await content.update(c, space_id, content_id, patch) })),
  }),
  command({
    name: 'content.delete',
    summary: 'Delete (trash) a content (its author or managers); emits content.deleted',
    input: Type.Object(Where),
    output: One,
    run: write(async (c, d) => ({ content: await content.setDeleted(c, d.space_id, d.content_id, true) })),
  }),
  command({
    name: 'content.undelete',
    summary: 'Restore a deleted content; emits content.undeleted',
    input: Type.Object(Where),
    output: One,
    run: write(async (c, d) => ({ content: await content.setDeleted(c, d.space_id, d.content_id, false) })),
  }),
  command({
    name: 'content.move',
    summary: 'Move under another folder (null: the root), possibly of another workspace; emits content.moved',
    input: Type.Object({ ...Where, new_parent_id: Nullable(Id), new_workspace_id: Type.Optional(Id) }, { additionalProperties: false }),
    output: One,
    run: write(async (c, { space_id, content_id, ...to }) => ({ content: await move(c, space_id, content_id, to) })),
  }),
  command({
    name: 'content.copy',
    summary: 'Copy one content (not what is under it); emits content.copied for the copy',
    input: Type.Object({ ...Where, new_label: Type.Optional(Label), new_parent_id: Type.Optional(Nullable(Id)), new_workspace_id: Type.Optional(Id) }, { additionalProperties: false }),
    output: One,
    run: write(async (c, { space_id, content_id, ...to }) => ({ content: await copy(c, space_id, content_id, to) })),
  }),
  command({
    name: 'content.revisions',
    summary: 'Revisions of a content, oldest first (the last is current_revision_id)',
    input: Type.Object(Where),
    output: Type.Object({ revisions: Type.Array(RevisionSchema) }),
    run: read(async (c, d) => ({ revisions: await content.revisions(c, d.space_id, d.content_id) })),
  }),
  command({
    name: 'comments.add',
    summary: 'Comment on a content; emits content.created (comment) and mention.created',
    input: Type.Object({ ...Where, raw_content: Type.String({ minLength: 1, maxLength: 200_000 }) }, { additionalProperties: false }),
    output: One,
    run: write(async (c, d) => ({ content: await content.comment(c, d.space_id, d.content_id, d.raw_content) })),
  }),
  command({
    name: 'todos.add',
    summary: 'Add a todo under a content; emits content.created (todo)',
    input: Type.Object({ ...Where, raw_content: Type.String({ minLength: 1, maxLength: 200_000 }), assignee_id: Type.Optional(Nullable(Id)) }, { additionalProperties: false }),
    output: One,
    run: write(async (c, { space_id, content_id, ...input }) => ({ content: await content.todo(c, space_id, content_id, input) })),
  }),
  command({
    name: 'content.check_upload',
    summary: 'Whether you may upload a file to the workspace, or a new revision of a file (checked before any byte is read)',
    input: Type.Object({ space_id: Id, content_id: Type.Optional(Id) }),
    output: Type.Object({}),
    run: read(async (c, d) => (await contentFiles.checkUpload(c, d.space_id, d.content_id), {})),
  }),
  command({
    name: 'content.upload',
    summary: 'Record a stored upload as a file content; emits content.created (file)',
    internal: true,
    input: Type.Object({ space_id: Id, label: Label, file_extension: Type.String({ maxLength: 255 }), parent_id: Type.Optional(Nullable(Id)), ...Stored }),
    output: One,
    run: write(async (c, { space_id, ...f }) => ({ content: await contentFiles.upload(c, space_id, f) })),
  }),
  command({
    name: 'content.upload_revision',
    summary: 'Record a stored upload as a new revision of a file; returns the stored file it replaced when nothing needs it any more',
    internal: true,
    input: Type.Object({ ...Where, ...Stored }),
    output: Type.Object({ content: ContentSchema, released: Nullable(StorageKey) }),
    run: write((c, { space_id, content_id, ...f }) => contentFiles.uploadRevision(c, space_id, content_id, f)),
  }),
  command({
    name: 'content.purge_files',
    summary: 'Forget the stored files of file contents deleted before `before`; returns those nothing points at any more (server only)',
    internal: true,
    input: Type.Object({ before: Millis }),
    output: Type.Object({ released: Type.Array(StorageKey) }),
    run: write(async (c, d) => ({ released: await contentFiles.purgeDeleted(c, d.before) })),
  }),
];
