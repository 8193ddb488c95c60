// The Tracim content tree: contents, comments, todos, revisions, status, moves, copies and deletion.
import * as S from '../schemas.js';
import { contentFields, iso, reactionFields, tagFields, userFields } from '../fields.js';
import { type App, runner, tags } from './common.js';
import type { TracimRouteDeps } from './deps.js';

export function contentRoutes(app: App, deps: TracimRouteDeps): void {
  const run = runner(deps);
  const at = (p: { workspace_id: number; content_id: number }) => ({ space_id: p.workspace_id, content_id: p.content_id });
  const child = (p: { workspace_id: number; child_id: number }) => ({ space_id: p.workspace_id, content_id: p.child_id });

  app.get('/api/workspaces/:workspace_id/contents', { schema: { tags, summary: 'Contents of a workspace (parent_id=0: root)', params: S.WsParam, querystring: S.ListContents } }, async (req) => {
    const { contents } = await run(req, 'content.list', { space_id: req.params.workspace_id, parent_id: req.query.parent_id, show_deleted: req.query.show_deleted });
    return contents.map(contentFields);
  });
  app.post('/api/workspaces/:workspace_id/contents', { schema: { tags, summary: 'Create a content (thread, html-document, folder, kanban, ...); emits content.created.<type>', params: S.WsParam, body: S.CreateContent } }, async (req) =>
    contentFields((await run(req, 'content.create', { space_id: req.params.workspace_id, ...req.body })).content),
  );
  app.get('/api/workspaces/:workspace_id/contents/:content_id', { schema: { tags, summary: 'One content', params: S.ContentParam } }, async (req) => {
    const c = await run(req, 'content.get', at(req.params));
    return { ...contentFields(c.content), reactions: c.reactions.map(reactionFields), tags: c.tags.map(tagFields) };
  });
  app.put('/api/workspaces/:workspace_id/contents/:content_id', { schema: { tags, summary: 'Change label / raw_content (new revision); emits content.modified.<type>', params: S.ContentParam, body: S.ContentPatch } }, async (req) =>
    contentFields((await run(req, 'content.update', { ...at(req.params), ...req.body })).content),
  );
  app.put('/api/workspaces/:workspace_id/contents/:content_id/status', { schema: { tags, summary: 'Change status; emits content.modified.<type>', params: S.ContentParam, body: S.StatusPatch } }, async (req, reply) => {
    await run(req, 'content.update', { ...at(req.params), status: req.body.status });
    return reply.status(204).send();
  });
  app.put('/api/workspaces/:workspace_id/contents/:content_id/move', { schema: { tags, summary: 'Move; emits content.moved.<type>', params: S.ContentParam, body: S.Move } }, async (req) =>
    contentFields((await run(req, 'content.move', { ...at(req.params), ...req.body })).content),
  );
  app.post('/api/workspaces/:workspace_id/contents/:content_id/copy', { schema: { tags, summary: 'Copy; emits content.copied.<type> for the new content', params: S.ContentParam, body: S.Copy } }, async (req) =>
    contentFields((await run(req, 'content.copy', { ...at(req.params), ...req.body })).content),
  );
  app.put('/api/workspaces/:workspace_id/contents/:content_id/trashed', { schema: { tags, summary: 'Delete; emits content.deleted.<type>', params: S.ContentParam } }, async (req, reply) => {
    await run(req, 'content.delete', at(req.params));
    return reply.status(204).send();
  });
  app.put('/api/workspaces/:workspace_id/contents/:content_id/trashed/restore', { schema: { tags, summary: 'Undelete; emits content.undeleted.<type>', params: S.ContentParam } }, async (req, reply) => {
    await run(req, 'content.undelete', at(req.params));
    return reply.status(204).send();
  });
  app.get('/api/workspaces/:workspace_id/contents/:content_id/revisions', { schema: { tags, summary: 'Revisions (current_revision_id is the last)', params: S.ContentParam } }, async (req) =>
    (await run(req, 'content.revisions', at(req.params))).revisions.map((r) => ({
      revision_id: r.revision_id,
      content_id: r.content_id,
      revision_type: r.revision_type,
      label: r.label,
      raw_content: r.raw_content,
      status: r.status,
      author: r.author === null ? null : userFields(r.author),
      created: iso(r.created_at),
    })),
  );

  // comments and todos
  app.get('/api/workspaces/:workspace_id/contents/:content_id/comments', { schema: { tags, summary: 'Comments of a content', params: S.ContentParam } }, async (req) =>
    (await run(req, 'content.list', { space_id: req.params.workspace_id, parent_id: req.params.content_id, content_type: 'comment' })).contents.map(contentFields),
  );
  app.post('/api/workspaces/:workspace_id/contents/:content_id/comments', { schema: { tags, summary: 'Comment; emits content.created.comment (and mention.created)', params: S.ContentParam, body: S.CreateComment } }, async (req) =>
    contentFields((await run(req, 'comments.add', { ...at(req.params), raw_content: req.body.raw_content })).content),
  );
  app.put('/api/workspaces/:workspace_id/contents/:content_id/comments/:child_id', { schema: { tags, summary: 'Edit a comment; emits content.modified.comment', params: S.ContentChildParam, body: S.CreateComment } }, async (req) =>
    contentFields((await run(req, 'content.update', { ...child(req.params), raw_content: req.body.raw_content })).content),
  );
  app.delete('/api/workspaces/:workspace_id/contents/:content_id/comments/:child_id', { schema: { tags, summary: 'Delete a comment; emits content.deleted.comment', params: S.ContentChildParam } }, async (req, reply) => {
    await run(req, 'content.delete', child(req.params));
    return reply.status(204).send();
  });
  app.post('/api/workspaces/:workspace_id/contents/:content_id/todos', { schema: { tags, summary: 'Create a todo; emits content.created.todo', params: S.ContentParam, body: S.CreateTodo } }, async (req) =>
    contentFields((await run(req, 'todos.add', { ...at(req.params), ...req.body })).content),
  );
  app.put('/api/workspaces/:workspace_id/contents/:content_id/todos/:child_id', { schema: { tags, summary: 'Update a todo (status, assignee); emits content.modified.todo', params: S.ContentChildParam, body: S.TodoPatch } }, async (req) =>
    contentFields((await run(req, 'content.update', { ...child(req.params), ...req.body })).content),
  );
}
