// Tracim's field structures (user, workspace, member, content, reaction, tag, subscription, call), shared by
// the TLM renderers (render.ts, chat.ts) and the REST routes.
import type { MemberView, Role, SpaceView, UserRef } from '../../core/model.js';
import type { CallView, ContentReactionView, ContentView, SpaceRef, SubscriptionView, TagView } from '../../core/content-model.js';

export const iso = (ms: number) => new Date(ms).toISOString();

/** Herald roles → Tracim workspace roles. */
export const TRACIM_ROLE: Record<Role, string> = { owner: 'workspace-manager', manager: 'workspace-manager', member: 'contributor', reader: 'reader' };

export function userFields(u: UserRef & { deleted?: boolean }) {
  const deleted = u.deleted ?? false;
  return { user_id: u.id, username: u.username, public_name: u.display_name, is_active: !deleted, is_deleted: deleted, has_avatar: u.has_avatar, avatar_url: null };
}

export function workspaceFields(s: SpaceView | SpaceRef) {
  const desc = s.description;
  return { workspace_id: s.id, label: s.name, is_deleted: s.deleted, description: desc, access_type: s.access, slug: slug(s.name) };
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');

export function memberFields(m: MemberView) {
  return { role: TRACIM_ROLE[m.role], email_notification_type: 'summary', herald_role: m.role };
}

/** The content structure Tracim's API returns for this content type (ContentSchema, FileContentSchema, CommentSchema, todo). */
export function contentFields(c: ContentView): Record<string, unknown> {
  if (c.type === 'comment') {
    return {
      content_id: c.id,
      parent_id: c.parent_id,
      raw_content: c.raw_content,
      author: c.author === null ? null : { avatar_url: null, user_id: c.author.id, public_name: c.author.display_name, username: c.author.username },
      created: iso(c.created_at),
      content_type: 'comment',
      workspace_id: c.space_id,
      is_deleted: c.is_deleted,
      current_revision_id: c.current_revision_id,
    };
  }
  if (c.type === 'todo') {
    return {
      // The document shows assignee_id as a string ("2"); Herald follows it (null when unassigned).
      assignee_id: c.assignee_id === null ? null : String(c.assignee_id),
      content_id: c.id,
      parent_id: c.parent_id,
      parent_label: c.parent_label ?? '',
      status: c.status,
      raw_content: c.raw_content,
      content_type: 'todo',
      workspace_id: c.space_id,
      is_deleted: c.is_deleted,
      author: c.author === null ? null : userFields(c.author),
      created: iso(c.created_at),
      current_revision_id: c.current_revision_id,
    };
  }
  const base: Record<string, unknown> = {
    content_id: c.id,
    content_namespace: '',
    slug: c.slug,
    label: c.label,
    parent_id: c.parent_id,
    sub_content_types: c.type === 'folder' ? ['thread', 'html-document', 'folder', 'file', 'kanban'] : [],
    status: c.status,
    is_archived: c.is_archived,
    is_deleted: c.is_deleted,
    is_editable: !c.is_deleted && !c.is_archived,
    show_in_ui: true,
    file_extension: c.file_extension,
    filename: c.filename,
    modified: iso(c.updated_at),
    created: iso(c.created_at),
    actives_shares: 0,
    workspace_id: c.space_id,
    current_revision_id: c.current_revision_id,
    current_revision_type: c.current_revision_type,
    content_type: c.type,
    raw_content: c.raw_content,
  };
  if (c.type === 'file' || c.type === 'kanban') {
    base.mimetype = c.mimetype ?? 'application/octet-stream';
    base.size = c.size ?? 0;
  }
  return base;
}

export function reactionFields(r: ContentReactionView) {
  return { reaction_id: r.id, content_id: r.content_id, value: r.emoji, created: iso(r.created_at), author: userFields(r.user) };
}

export function tagFields(t: TagView) {
  return { tag_name: t.name, tag_id: t.id, workspace_id: t.space_id };
}

const avatarUser = (u: UserRef) => ({ avatar_url: null, public_name: u.display_name, user_id: u.id, username: u.username });

export function subscriptionFields(s: SubscriptionView) {
  return {
    state: s.state,
    created_date: iso(s.created_at),
    workspace: { workspace_id: s.space.id, label: s.space.name, is_deleted: s.space.deleted },
    author: avatarUser(s.author),
    evaluation_date: s.evaluated_at === null ? null : iso(s.evaluated_at),
    evaluator: s.evaluator === null ? null : avatarUser(s.evaluator),
  };
}

const callUser = (u: UserRef) => ({ user_id: u.id, public_name: u.display_name, username: u.username, has_avatar: u.has_avatar, has_cover: false });

export function callFields(c: CallView) {
  return { call_id: c.id, caller: callUser(c.caller), callee: callUser(c.callee), state: c.state, created: iso(c.created_at), modified: iso(c.updated_at), url: c.url };
}
