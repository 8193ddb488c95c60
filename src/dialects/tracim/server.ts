// Tracim dialect HTTP API: TLM read state, session login, and the Tracim-style routes whose calls cause
// each TLM (workspaces, members, contents, comments, todos, files, reactions, tags, subscriptions, calls).
// The TLM stream itself is protocol.ts. See docs/dialects/tracim.md.
// UNFINISHED (restructure): these routes move to routes/*.ts behind tracimRoutes(app, deps), fed by the
// Tracim plugin's host (commands engineer); until then they take the Context and are mounted by herald.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { rm } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { saveUpload, type SavedUpload } from '../../http/uploads.js';
import type { Context } from '../../context.js';
import type { Role, SpaceView, User } from '../../core/model.js';
import { HeraldError, badRequest, forbidden } from '../../core/errors.js';
import { actorOf } from '../../http/actor.js';
import type { Actor } from '../../core/actor.js';
import { ContentService } from '../../service/content.js';
import type { Delivered } from '../../events/types.js';
import { callFields, contentFields, iso, reactionFields, renderTlm, subscriptionFields, tagFields, userFields, workspaceFields, memberFields, type Tlm } from './render.js';
import { SESSION_COOKIE, cookies } from './session-cookie.js';
import * as S from './schemas.js';

const FEED_BATCH = 500;

const ROLE_IN: Record<string, Role> = {
  'workspace-manager': 'manager',
  'content-manager': 'member',
  contributor: 'member',
  reader: 'reader',
  owner: 'owner',
  manager: 'manager',
  member: 'member',
};

/** Bearer token / API key (as the HTTP API), `access_token` query, or the login session cookie. */
export async function tracimActor(ctx: Context, req: FastifyRequest): Promise<Actor> {
  const q = req.query as { access_token?: unknown } | undefined;
  const session = cookies(req.headers.cookie)[SESSION_COOKIE];
  if (!req.headers.authorization && typeof q?.access_token !== 'string' && session) {
    return (await ctx.auth.authenticate({ token: session })).actor;
  }
  if (!req.headers.authorization && typeof q?.access_token !== 'string') throw new HeraldError('unauthenticated', 'log in (session cookie) or send a bearer token');
  return actorOf(ctx, req);
}

const workspaceOut = (s: SpaceView) => ({ ...workspaceFields(s), created: iso(s.created_at), owner_id: s.owner_id, number_of_members: s.members.length });
const userOut = (u: User) => ({ ...userFields(u), email: u.email, profile: u.is_admin ? 'administrators' : 'users', created: iso(u.created_at) });

export function tracimHttp(app0: FastifyInstance, ctx: Context): void {
  const svc = new ContentService(ctx.store, ctx.bus);
  const filesDir = join(ctx.config.dataDir, 'tracim-files');
  const actor = (req: FastifyRequest) => tracimActor(ctx, req);

  /** The actor may act on `userId`'s stream / messages: themself, an administrator, or the server API key. */
  async function selfOrAdmin(req: FastifyRequest, userId: number): Promise<Actor> {
    const a = await actor(req);
    if (a.userId !== userId && !(await svc.isAdminActor(a))) throw forbidden("only the user themself or an administrator may read this user's live messages");
    await ctx.chat.user(userId);
    return a;
  }

  /** The user's TLMs (every canonical event addressed to them that Tracim renders), oldest first. */
  async function allTlms(userId: number): Promise<Tlm[]> {
    const out: Tlm[] = [];
    for (let after = 0; ; ) {
      const batch = await ctx.store.read((r) => r.feed(userId, after, FEED_BATCH));
      for (const e of batch) {
        const t = renderTlm({ type: e.type, data: e.data, id: e.id, at: e.at } as unknown as Delivered);
        if (t) out.push(t);
      }
      if (batch.length < FEED_BATCH) break;
      after = batch[batch.length - 1].id;
    }
    const dates = await svc.tlmReadDates(userId, out.map((t) => t.event_id));
    for (const t of out) {
      const d = dates.get(t.event_id);
      if (d !== undefined) t.read_date = iso(d);
    }
    return out;
  }

  void app0.register(async (root) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['tracim'];

    // ---- TLM read state ---------------------------------------------------------------------------
    app.get('/api/users/:user_id/messages', { schema: { tags, summary: "A user's TLMs, newest first, paged (page_token = next_page_token)", params: S.UserParam, querystring: S.ListMessages } }, async (req) => {
      const userId = req.params.user_id;
      await selfOrAdmin(req, userId);
      const status = req.query.read_status ?? 'all';
      const count = req.query.count ?? 100;
      const before = req.query.page_token ? Number(req.query.page_token) : Infinity;
      const types = req.query.event_types ? new Set(req.query.event_types.split(',').map((s) => s.trim())) : null;
      const all = (await allTlms(userId))
        .filter((t) => status === 'all' || (status === 'read') === (t.read_date !== null))
        .filter((t) => types === null || types.has(t.event_type) || types.has(t.event_type.split('.').slice(0, 2).join('.')))
        .reverse();
      const page = all.filter((t) => t.event_id < before).slice(0, count);
      const hasNext = all.some((t) => t.event_id < (page[page.length - 1]?.event_id ?? 0));
      return {
        items: page,
        per_page: count,
        has_next: hasNext,
        next_page_token: hasNext ? String(page[page.length - 1].event_id) : '',
        has_previous: before !== Infinity,
        previous_page_token: '',
      };
    });

    app.get('/api/users/:user_id/messages/summary', { schema: { tags, summary: 'Counts of read and unread TLMs', params: S.UserParam } }, async (req) => {
      const userId = req.params.user_id;
      await selfOrAdmin(req, userId);
      const all = await allTlms(userId);
      const unread = all.filter((t) => t.read_date === null).length;
      return { user_id: userId, messages_count: all.length, read_messages_count: all.length - unread, unread_messages_count: unread };
    });

    app.put('/api/users/:user_id/messages/read', { schema: { tags, summary: 'Mark every TLM of the user read', params: S.UserParam } }, async (req, reply) => {
      const userId = req.params.user_id;
      await selfOrAdmin(req, userId);
      await svc.markTlmsRead(userId, (await allTlms(userId)).filter((t) => t.read_date === null).map((t) => t.event_id));
      void reply.status(204);
    });

    app.put('/api/users/:user_id/messages/:event_id/read', { schema: { tags, summary: 'Mark one TLM read (sets read_date)', params: S.UserEventParam } }, async (req, reply) => {
      const { user_id: userId, event_id: eventId } = req.params;
      await selfOrAdmin(req, userId);
      if (!(await allTlms(userId)).some((t) => t.event_id === eventId)) throw new HeraldError('not_found', 'message not found');
      await svc.markTlmsRead(userId, [eventId]);
      void reply.status(204);
    });

    // ---- session login ----------------------------------------------------------------------------
    app.post('/api/auth/login', { schema: { tags, summary: 'Log in; sets the session cookie and returns the user (and a bearer token)', body: S.Login, security: [] } }, async (req, reply) => {
      const login = req.body.email ?? req.body.username;
      if (!login) throw badRequest('give email or username');
      const user = await ctx.chat.login(login, req.body.password);
      const token = await ctx.auth.issue(user.id);
      void reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ctx.config.tokenTtlSeconds}`);
      return { ...userOut(user), token };
    });
    app.post('/api/auth/logout', { schema: { tags, summary: 'Clears the session cookie', security: [] } }, async (_req, reply) => {
      void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`).status(204);
    });
    app.get('/api/auth/whoami', { schema: { tags, summary: 'The logged-in user' } }, async (req) => {
      const a = await actor(req);
      if (a.userId === null) throw badRequest('the server API key is not a user');
      return userOut(await ctx.chat.user(a.userId));
    });

    // ---- users ------------------------------------------------------------------------------------
    app.post('/api/users', { schema: { tags, summary: 'Create a user (server API key, or open sign-up); emits user.created', body: S.CreateUser } }, async (req, reply) => {
      const a = req.headers.authorization || req.headers.cookie ? await actor(req) : null;
      const user = await ctx.chat.register(a, { email: req.body.email, password: req.body.password, username: req.body.username, display_name: req.body.public_name, is_admin: req.body.profile === 'administrators' });
      void reply.status(200);
      return userOut(user);
    });
    app.get('/api/users/:user_id', { schema: { tags, summary: 'A user', params: S.UserParam } }, async (req) => {
      await actor(req);
      return userOut(await ctx.chat.user(req.params.user_id));
    });
    app.put('/api/users/:user_id', { schema: { tags, summary: 'Change public_name (the user or an administrator); emits user.modified', params: S.UserParam, body: S.UserPatch } }, async (req) =>
      userOut(await svc.updateUser(await actor(req), req.params.user_id, { display_name: req.body.public_name })),
    );
    app.put('/api/users/:user_id/trashed', { schema: { tags, summary: 'Delete (disable) a user (administrators); emits user.deleted', params: S.UserParam } }, async (req, reply) => {
      await svc.setUserDeleted(await actor(req), req.params.user_id, true);
      void reply.status(204);
    });
    app.put('/api/users/:user_id/trashed/restore', { schema: { tags, summary: 'Restore a deleted user (administrators); emits user.undeleted', params: S.UserParam } }, async (req, reply) => {
      await svc.setUserDeleted(await actor(req), req.params.user_id, false);
      void reply.status(204);
    });

    // ---- workspaces and members (the chat side's spaces) ------------------------------------------
    app.post('/api/workspaces', { schema: { tags, summary: 'Create a workspace; emits workspace.created', body: S.CreateWorkspace } }, async (req, reply) => {
      const { space } = await ctx.chat.createSpace(await actor(req), { name: req.body.label, description: req.body.description, access: req.body.access_type, kind: 'multi' });
      void reply.status(200);
      return workspaceOut(space);
    });
    app.get('/api/workspaces/:workspace_id', { schema: { tags, summary: 'A workspace', params: S.WsParam } }, async (req) => workspaceOut(await ctx.chat.space(await actor(req), req.params.workspace_id)));
    app.put('/api/workspaces/:workspace_id', { schema: { tags, summary: 'Rename, describe or change the access type; emits workspace.modified', params: S.WsParam, body: S.WorkspacePatch } }, async (req) =>
      workspaceOut(await ctx.chat.updateSpace(await actor(req), req.params.workspace_id, { name: req.body.label, description: req.body.description, access: req.body.access_type })),
    );
    app.put('/api/workspaces/:workspace_id/trashed', { schema: { tags, summary: 'Delete a workspace (owner); emits workspace.deleted', params: S.WsParam } }, async (req, reply) => {
      await ctx.chat.deleteSpace(await actor(req), req.params.workspace_id);
      void reply.status(204);
    });
    app.put('/api/workspaces/:workspace_id/trashed/restore', { schema: { tags, summary: 'Restore a deleted workspace; emits workspace.undeleted', params: S.WsParam } }, async (req) =>
      workspaceOut(await svc.undeleteSpace(await actor(req), req.params.workspace_id)),
    );
    app.get('/api/workspaces/:workspace_id/members', { schema: { tags, summary: 'Members and their roles', params: S.WsParam } }, async (req) => {
      const space = await ctx.chat.space(await actor(req), req.params.workspace_id);
      return space.members.map((m) => ({ ...memberFields(m), user_id: m.user.id, workspace_id: space.id, user: userFields(m.user) }));
    });
    app.post('/api/workspaces/:workspace_id/members', { schema: { tags, summary: 'Add a member; emits workspace_member.created', params: S.WsParam, body: S.AddMember } }, async (req) => {
      const m = await ctx.chat.addMember(await actor(req), req.params.workspace_id, req.body.user_id, ROLE_IN[req.body.role ?? 'member']);
      return { ...memberFields(m), user_id: m.user.id, workspace_id: req.params.workspace_id, user: userFields(m.user) };
    });
    app.put('/api/workspaces/:workspace_id/members/:user_id', { schema: { tags, summary: "Change a member's role; emits workspace_member.modified", params: S.WsUserParam, body: S.RolePatch } }, async (req) => {
      const m = await ctx.chat.setRole(await actor(req), req.params.workspace_id, req.params.user_id, ROLE_IN[req.body.role]);
      return { ...memberFields(m), user_id: m.user.id, workspace_id: req.params.workspace_id, user: userFields(m.user) };
    });
    const removeMember = async (req: FastifyRequest<{ Params: { workspace_id: number; user_id: number } }>, reply: FastifyReply) => {
      await ctx.chat.removeMember(await actor(req), req.params.workspace_id, req.params.user_id);
      void reply.status(204);
    };
    app.delete('/api/workspaces/:workspace_id/members/:user_id', { schema: { tags, summary: 'Remove a member (or leave); emits workspace_member.deleted', params: S.WsUserParam } }, removeMember);
    app.put('/api/workspaces/:workspace_id/members/:user_id/disabled', { schema: { tags, summary: 'Same as DELETE (Tracim path)', params: S.WsUserParam } }, removeMember);

    // ---- contents ---------------------------------------------------------------------------------
    app.get('/api/workspaces/:workspace_id/contents', { schema: { tags, summary: 'Contents of a workspace (parent_id=0: root)', params: S.WsParam, querystring: S.ListContents } }, async (req) => {
      const parent = req.query.parent_id === undefined ? undefined : req.query.parent_id === 0 ? null : req.query.parent_id;
      return (await svc.contents(await actor(req), req.params.workspace_id, parent, req.query.show_deleted ?? false)).map(contentFields);
    });
    app.post('/api/workspaces/:workspace_id/contents', { schema: { tags, summary: 'Create a content (thread, html-document, folder, kanban, ...); emits content.created.<type>', params: S.WsParam, body: S.CreateContent } }, async (req) => {
      if (req.body.content_type === 'file') throw badRequest('upload files with POST /api/workspaces/{workspace_id}/files');
      if (req.body.content_type === 'comment' || req.body.content_type === 'todo') throw badRequest(`create a ${req.body.content_type} under its content: POST .../contents/{content_id}/${req.body.content_type}s`);
      return contentFields(await svc.createContent(await actor(req), req.params.workspace_id, { ...req.body }));
    });
    app.get('/api/workspaces/:workspace_id/contents/:content_id', { schema: { tags, summary: 'One content', params: S.ContentParam } }, async (req) => {
      const c = await svc.content(await actor(req), req.params.workspace_id, req.params.content_id);
      return { ...contentFields(c), reactions: c.reactions.map(reactionFields), tags: c.tags.map(tagFields) };
    });
    app.put('/api/workspaces/:workspace_id/contents/:content_id', { schema: { tags, summary: 'Change label / raw_content (new revision); emits content.modified.<type>', params: S.ContentParam, body: S.ContentPatch } }, async (req) =>
      contentFields(await svc.updateContent(await actor(req), req.params.workspace_id, req.params.content_id, req.body)),
    );
    app.put('/api/workspaces/:workspace_id/contents/:content_id/status', { schema: { tags, summary: 'Change status; emits content.modified.<type>', params: S.ContentParam, body: S.StatusPatch } }, async (req, reply) => {
      await svc.updateContent(await actor(req), req.params.workspace_id, req.params.content_id, { status: req.body.status });
      void reply.status(204);
    });
    app.put('/api/workspaces/:workspace_id/contents/:content_id/move', { schema: { tags, summary: 'Move; emits content.moved.<type>', params: S.ContentParam, body: S.Move } }, async (req) =>
      contentFields(await svc.move(await actor(req), req.params.workspace_id, req.params.content_id, req.body)),
    );
    app.post('/api/workspaces/:workspace_id/contents/:content_id/copy', { schema: { tags, summary: 'Copy; emits content.copied.<type> for the new content', params: S.ContentParam, body: S.Copy } }, async (req) =>
      contentFields(await svc.copy(await actor(req), req.params.workspace_id, req.params.content_id, req.body)),
    );
    app.put('/api/workspaces/:workspace_id/contents/:content_id/trashed', { schema: { tags, summary: 'Delete; emits content.deleted.<type>', params: S.ContentParam } }, async (req, reply) => {
      await svc.setDeleted(await actor(req), req.params.workspace_id, req.params.content_id, true);
      void reply.status(204);
    });
    app.put('/api/workspaces/:workspace_id/contents/:content_id/trashed/restore', { schema: { tags, summary: 'Undelete; emits content.undeleted.<type>', params: S.ContentParam } }, async (req, reply) => {
      await svc.setDeleted(await actor(req), req.params.workspace_id, req.params.content_id, false);
      void reply.status(204);
    });
    app.get('/api/workspaces/:workspace_id/contents/:content_id/revisions', { schema: { tags, summary: 'Revisions (current_revision_id is the last)', params: S.ContentParam } }, async (req) =>
      (await svc.revisions(await actor(req), req.params.workspace_id, req.params.content_id)).map((r) => ({
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
      (await svc.contents(await actor(req), req.params.workspace_id, req.params.content_id, false)).filter((c) => c.type === 'comment').map(contentFields),
    );
    app.post('/api/workspaces/:workspace_id/contents/:content_id/comments', { schema: { tags, summary: 'Comment; emits content.created.comment (and mention.created)', params: S.ContentParam, body: S.CreateComment } }, async (req) =>
      contentFields(await svc.addComment(await actor(req), req.params.workspace_id, req.params.content_id, req.body.raw_content)),
    );
    app.put('/api/workspaces/:workspace_id/contents/:content_id/comments/:child_id', { schema: { tags, summary: 'Edit a comment; emits content.modified.comment', params: S.ContentChildParam, body: S.CreateComment } }, async (req) =>
      contentFields(await svc.updateContent(await actor(req), req.params.workspace_id, req.params.child_id, { raw_content: req.body.raw_content })),
    );
    app.delete('/api/workspaces/:workspace_id/contents/:content_id/comments/:child_id', { schema: { tags, summary: 'Delete a comment; emits content.deleted.comment', params: S.ContentChildParam } }, async (req, reply) => {
      await svc.setDeleted(await actor(req), req.params.workspace_id, req.params.child_id, true);
      void reply.status(204);
    });
    app.post('/api/workspaces/:workspace_id/contents/:content_id/todos', { schema: { tags, summary: 'Create a todo; emits content.created.todo', params: S.ContentParam, body: S.CreateTodo } }, async (req) =>
      contentFields(await svc.addTodo(await actor(req), req.params.workspace_id, req.params.content_id, req.body)),
    );
    app.put('/api/workspaces/:workspace_id/contents/:content_id/todos/:child_id', { schema: { tags, summary: 'Update a todo (status, assignee); emits content.modified.todo', params: S.ContentChildParam, body: S.TodoPatch } }, async (req) =>
      contentFields(await svc.updateContent(await actor(req), req.params.workspace_id, req.params.child_id, req.body)),
    );

    // files (multipart upload: field "files"; optional text field "parent_id" sent before the file)
    const upload = async (req: FastifyRequest): Promise<SavedUpload & { fields: Record<string, string> }> => {
      if (!req.isMultipart()) throw badRequest('send the file as multipart/form-data');
      const fields: Record<string, string> = {};
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value);
          continue;
        }
        const saved = await saveUpload(part, filesDir, ctx.config.maxUploadBytes);
        // Drain the rest of the request so the connection is reusable.
        try {
          for await (const rest of req.parts()) if (rest.type === 'field') fields[rest.fieldname] = String(rest.value);
        } catch (e) {
          await rm(join(filesDir, saved.key), { force: true });
          throw e;
        }
        return { ...saved, fields };
      }
      throw badRequest('no file in the request');
    };
    app.post('/api/workspaces/:workspace_id/files', { schema: { tags, summary: 'Upload a file (multipart "files"); emits content.created.file with mimetype and size', params: S.WsParam, consumes: ['multipart/form-data'] } }, async (req) => {
      const a = await actor(req);
      const f = await upload(req);
      const parent = f.fields.parent_id ? Number(f.fields.parent_id) : null;
      if (parent !== null && (!Number.isSafeInteger(parent) || parent < 0)) throw badRequest('parent_id must be an integer');
      const ext = extname(f.filename);
      try {
        return contentFields(
          await svc.createContent(a, req.params.workspace_id, { content_type: 'file', label: ext ? f.filename.slice(0, -ext.length) : f.filename, parent_id: parent || null, mimetype: f.mimetype, size: f.size, storage_key: f.key, file_extension: ext }),
        );
      } catch (e) {
        await rm(join(filesDir, f.key), { force: true });
        throw e;
      }
    });
    app.put('/api/workspaces/:workspace_id/files/:content_id/raw', { schema: { tags, summary: 'Upload a new revision of a file; emits content.modified.file', params: S.ContentParam, consumes: ['multipart/form-data'] } }, async (req) => {
      const a = await actor(req);
      const f = await upload(req);
      return contentFields(await svc.updateContent(a, req.params.workspace_id, req.params.content_id, { mimetype: f.mimetype, size: f.size, storage_key: f.key }));
    });

    // ---- reactions --------------------------------------------------------------------------------
    app.get('/api/workspaces/:workspace_id/contents/:content_id/reactions', { schema: { tags, summary: 'Reactions on a content', params: S.ContentParam } }, async (req) =>
      (await svc.content(await actor(req), req.params.workspace_id, req.params.content_id)).reactions.map(reactionFields),
    );
    app.post('/api/workspaces/:workspace_id/contents/:content_id/reactions', { schema: { tags, summary: 'React (emoji in value); emits reaction.created', params: S.ContentParam, body: S.CreateReaction } }, async (req) =>
      reactionFields(await svc.react(await actor(req), req.params.workspace_id, req.params.content_id, req.body.value)),
    );
    app.delete('/api/workspaces/:workspace_id/contents/:content_id/reactions/:child_id', { schema: { tags, summary: 'Remove your reaction; emits reaction.deleted', params: S.ContentChildParam } }, async (req, reply) => {
      await svc.unreact(await actor(req), req.params.workspace_id, req.params.content_id, req.params.child_id);
      void reply.status(204);
    });

    // ---- tags -------------------------------------------------------------------------------------
    app.get('/api/workspaces/:workspace_id/tags', { schema: { tags, summary: 'Tags of a workspace', params: S.WsParam } }, async (req) => (await svc.tags(await actor(req), req.params.workspace_id)).map(tagFields));
    app.post('/api/workspaces/:workspace_id/tags', { schema: { tags, summary: 'Create a tag; emits tag.created', params: S.WsParam, body: S.CreateTag } }, async (req) =>
      tagFields(await svc.createTag(await actor(req), req.params.workspace_id, req.body.tag_name)),
    );
    app.put('/api/workspaces/:workspace_id/tags/:tag_id', { schema: { tags, summary: 'Rename a tag (managers); emits tag.modified', params: S.TagParam, body: S.CreateTag } }, async (req) =>
      tagFields(await svc.renameTag(await actor(req), req.params.workspace_id, req.params.tag_id, req.body.tag_name)),
    );
    app.delete('/api/workspaces/:workspace_id/tags/:tag_id', { schema: { tags, summary: 'Delete a tag (managers); emits tag.deleted', params: S.TagParam } }, async (req, reply) => {
      await svc.deleteTag(await actor(req), req.params.workspace_id, req.params.tag_id);
      void reply.status(204);
    });
    app.get('/api/workspaces/:workspace_id/contents/:content_id/tags', { schema: { tags, summary: 'Tags of a content', params: S.ContentParam } }, async (req) =>
      (await svc.contentTags(await actor(req), req.params.workspace_id, req.params.content_id)).map(tagFields),
    );
    app.post('/api/workspaces/:workspace_id/contents/:content_id/tags', { schema: { tags, summary: 'Tag a content (tag_id, or tag_name creating the tag); emits content_tag.created', params: S.ContentParam, body: S.AddContentTag } }, async (req) =>
      tagFields(await svc.tagContent(await actor(req), req.params.workspace_id, req.params.content_id, req.body)),
    );
    app.delete('/api/workspaces/:workspace_id/contents/:content_id/tags/:child_id', { schema: { tags, summary: 'Untag a content; emits content_tag.deleted', params: S.ContentChildParam } }, async (req, reply) => {
      await svc.untagContent(await actor(req), req.params.workspace_id, req.params.content_id, req.params.child_id);
      void reply.status(204);
    });

    // ---- workspace subscriptions ------------------------------------------------------------------
    app.put('/api/users/:user_id/workspace_subscriptions', { schema: { tags, summary: 'Ask to join an on-request workspace; emits workspace_subscription.created', params: S.UserParam, body: S.Subscribe } }, async (req) =>
      subscriptionFields(await svc.subscribe(await actor(req), req.params.user_id, req.body.workspace_id)),
    );
    app.get('/api/users/:user_id/workspace_subscriptions', { schema: { tags, summary: "A user's subscriptions", params: S.UserParam } }, async (req) =>
      (await svc.subscriptions(await actor(req), { userId: req.params.user_id })).map(subscriptionFields),
    );
    app.delete('/api/users/:user_id/workspace_subscriptions/:workspace_id', { schema: { tags, summary: 'Withdraw a pending subscription; emits workspace_subscription.deleted', params: S.WsUserParam } }, async (req, reply) => {
      await svc.withdraw(await actor(req), req.params.user_id, req.params.workspace_id);
      void reply.status(204);
    });
    app.get('/api/workspaces/:workspace_id/subscriptions', { schema: { tags, summary: 'Subscriptions to a workspace (managers)', params: S.WsParam } }, async (req) =>
      (await svc.subscriptions(await actor(req), { spaceId: req.params.workspace_id })).map(subscriptionFields),
    );
    app.put('/api/workspaces/:workspace_id/subscriptions/:user_id/accept', { schema: { tags, summary: 'Accept (the user joins); emits workspace_subscription.modified and workspace_member.created', params: S.WsUserParam, body: S.Accept } }, async (req) =>
      subscriptionFields(await svc.evaluate(await actor(req), req.params.workspace_id, req.params.user_id, true, ROLE_IN[req.body?.role ?? 'member'])),
    );
    app.put('/api/workspaces/:workspace_id/subscriptions/:user_id/reject', { schema: { tags, summary: 'Reject; emits workspace_subscription.modified', params: S.WsUserParam } }, async (req) =>
      subscriptionFields(await svc.evaluate(await actor(req), req.params.workspace_id, req.params.user_id, false)),
    );

    // ---- calls ------------------------------------------------------------------------------------
    app.post('/api/users/:user_id/outgoing_calls', { schema: { tags, summary: 'Call a user; emits user_call.created', params: S.UserParam, body: S.CreateCall } }, async (req) =>
      callFields(await svc.createCall(await actor(req), req.params.user_id, req.body.callee_id)),
    );
    app.get('/api/users/:user_id/outgoing_calls', { schema: { tags, summary: 'Calls made', params: S.UserParam } }, async (req) => (await svc.calls(await actor(req), req.params.user_id, 'caller')).map(callFields));
    app.get('/api/users/:user_id/incoming_calls', { schema: { tags, summary: 'Calls received', params: S.UserParam } }, async (req) => (await svc.calls(await actor(req), req.params.user_id, 'callee')).map(callFields));
    app.put('/api/users/:user_id/outgoing_calls/:call_id/state', { schema: { tags, summary: 'Caller changes the state (cancelled, unanswered); emits user_call.modified', params: S.UserCallParam, body: S.CallStatePatch } }, async (req) =>
      callFields(await svc.setCallState(await actor(req), req.params.user_id, req.params.call_id, 'caller', req.body.state)),
    );
    app.put('/api/users/:user_id/incoming_calls/:call_id/state', { schema: { tags, summary: 'Callee changes the state (accepted, rejected, declined); emits user_call.modified', params: S.UserCallParam, body: S.CallStatePatch } }, async (req) =>
      callFields(await svc.setCallState(await actor(req), req.params.user_id, req.params.call_id, 'callee', req.body.state)),
    );
    app.delete('/api/users/:user_id/outgoing_calls/:call_id', { schema: { tags, summary: 'Caller deletes a call; emits user_call.deleted', params: S.UserCallParam } }, async (req, reply) => {
      await svc.deleteCall(await actor(req), req.params.user_id, req.params.call_id);
      void reply.status(204);
    });
  });
}
