// Tracim Live Messages: canonical events → TLM {event_id, event_type, created, read_date, fields}.
// Rendered once per event (read_date is null on the stream; the messages API fills it per user).
import type { Renderer } from '../render.js';
import type { Delivered, HeraldEvent } from '../../events/types.js';
import type { MemberView, Role, SpaceView, UserRef } from '../../core/model.js';
import type { CallView, ContentReactionView, ContentView, SpaceRef, SubscriptionView, TagView } from '../../core/content-model.js';
import { chatTlmOf } from './chat.js';

export interface Tlm {
  event_id: number;
  event_type: string;
  created: string;
  read_date: string | null;
  fields: Record<string, unknown>;
}

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

/** The author of a space/member event: found in the snapshot (member list, the member itself); null for the server. */
function spaceAuthor(space: SpaceView, actorId: number | null, member?: MemberView) {
  if (actorId === null) return null;
  const u = space.members.find((m) => m.user.id === actorId)?.user ?? (member?.user.id === actorId ? member.user : undefined);
  return u ? userFields(u) : { user_id: actorId, username: null, public_name: null, is_active: true, is_deleted: false, has_avatar: false, avatar_url: null };
}

const authorOf = (a: UserRef | null) => (a === null ? null : userFields(a));

/** event_type and fields of the TLM for one canonical event, or null when Tracim clients never see it. */
export function tlmOf(ev: HeraldEvent): { event_type: string; fields: Record<string, unknown> } | null {
  switch (ev.type) {
    case 'user.created':
      // Herald's user.created does not record who created the account: author is null (sign-up or API key).
      return { event_type: 'user.created', fields: { author: null, user: userFields(ev.data.user) } };
    case 'user.updated': {
      // Routes of this dialect add `author`/`actor_id`; chat-side profile changes are made by the user themself.
      const d = ev.data as { user: UserRef; author?: UserRef | null };
      return { event_type: 'user.modified', fields: { author: d.author !== undefined ? authorOf(d.author) : userFields(d.user), user: userFields(d.user) } };
    }
    case 'user.deleted':
    case 'user.undeleted':
      return { event_type: ev.type, fields: { author: authorOf(ev.data.author), user: userFields({ ...ev.data.user, deleted: ev.type === 'user.deleted' }) } };
    case 'space.created':
    case 'space.updated':
    case 'space.deleted':
    case 'space.undeleted': {
      if (ev.data.space.kind !== 'multi') return null; // 1-to-1 chats are not Tracim workspaces
      const core = { 'space.created': 'created', 'space.updated': 'modified', 'space.deleted': 'deleted', 'space.undeleted': 'undeleted' }[ev.type];
      return { event_type: `workspace.${core}`, fields: { author: spaceAuthor(ev.data.space, ev.data.actor_id), workspace: workspaceFields(ev.data.space) } };
    }
    case 'member.added':
    case 'member.updated':
    case 'member.removed': {
      if (ev.data.space.kind !== 'multi') return null;
      const core = { 'member.added': 'created', 'member.updated': 'modified', 'member.removed': 'deleted' }[ev.type];
      const { space, member } = ev.data;
      return {
        event_type: `workspace_member.${core}`,
        fields: { author: spaceAuthor(space, ev.data.actor_id, member), user: userFields(member.user), workspace: workspaceFields(space), member: memberFields(member) },
      };
    }
    case 'content.created':
    case 'content.updated':
    case 'content.deleted':
    case 'content.undeleted':
    case 'content.moved':
    case 'content.copied': {
      const core = { 'content.created': 'created', 'content.updated': 'modified', 'content.deleted': 'deleted', 'content.undeleted': 'undeleted', 'content.moved': 'moved', 'content.copied': 'copied' }[ev.type];
      const { content, space, author } = ev.data;
      return { event_type: `content.${core}.${content.type}`, fields: { author: authorOf(author), workspace: workspaceFields(space), content: contentFields(content) } };
    }
    case 'mention.created': {
      const { content, space, author } = ev.data;
      return { event_type: 'mention.created', fields: { author: authorOf(author), workspace: workspaceFields(space), content: contentFields(content), mention: { recipient: ev.data.recipient } } };
    }
    case 'content_reaction.added':
    case 'content_reaction.removed': {
      const { content, space, author, reaction } = ev.data;
      return {
        event_type: ev.type === 'content_reaction.added' ? 'reaction.created' : 'reaction.deleted',
        fields: { author: authorOf(author), workspace: workspaceFields(space), content: contentFields(content), reaction: reactionFields(reaction), user: userFields(reaction.user) },
      };
    }
    case 'tag.created':
    case 'tag.updated':
    case 'tag.deleted': {
      const core = { 'tag.created': 'created', 'tag.updated': 'modified', 'tag.deleted': 'deleted' }[ev.type];
      return { event_type: `tag.${core}`, fields: { author: authorOf(ev.data.author), workspace: workspaceFields(ev.data.space), tag: tagFields(ev.data.tag) } };
    }
    case 'content_tag.added':
    case 'content_tag.removed':
      return {
        event_type: ev.type === 'content_tag.added' ? 'content_tag.created' : 'content_tag.deleted',
        fields: { author: authorOf(ev.data.author), workspace: workspaceFields(ev.data.space), tag: tagFields(ev.data.tag), content: contentFields(ev.data.content) },
      };
    case 'subscription.created':
    case 'subscription.updated':
    case 'subscription.deleted': {
      const core = { 'subscription.created': 'created', 'subscription.updated': 'modified', 'subscription.deleted': 'deleted' }[ev.type];
      const s = ev.data.subscription;
      return {
        event_type: `workspace_subscription.${core}`,
        fields: { author: authorOf(ev.data.author), workspace: workspaceFields(s.space), subscription: subscriptionFields(s), user: userFields(s.author) },
      };
    }
    case 'call.created':
    case 'call.updated':
    case 'call.deleted': {
      const core = { 'call.created': 'created', 'call.updated': 'modified', 'call.deleted': 'deleted' }[ev.type];
      // "user is always the callee"
      return { event_type: `user_call.${core}`, fields: { author: authorOf(ev.data.author), user_call: callFields(ev.data.call), user: userFields(ev.data.call.callee) } };
    }
    default:
      // Chat events: the workspace's chat thread (chat.ts).
      return chatTlmOf(ev);
  }
}

export function renderTlm(ev: { id: number | null; at: number } & HeraldEvent, readDate: number | null = null): Tlm | null {
  if (ev.id === null) return null;
  const t = tlmOf(ev);
  if (t === null) return null;
  return { event_id: ev.id, event_type: t.event_type, created: iso(ev.at), read_date: readDate === null ? null : iso(readDate), fields: t.fields };
}

export const tracimRenderer: Renderer = {
  name: 'tracim',
  // TLM user objects never carry email or the admin flag: one view serves every recipient.
  privateFields: false,
  render(ev: Delivered): string | null {
    const tlm = renderTlm(ev);
    return tlm === null ? null : JSON.stringify(tlm);
  },
};
