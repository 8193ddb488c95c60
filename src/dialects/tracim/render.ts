// Tracim Live Messages: canonical events → TLM {event_id, event_type, created, read_date, fields}.
// Rendered once per event (read_date is null on the stream; the messages API fills it per user).
import type { Renderer } from '../render.js';
import type { Delivered, HeraldEvent } from '../../events/types.js';
import type { MemberView, SpaceView, UserRef } from '../../core/model.js';
import { chatTlmOf } from './chat.js';
import { iso, userFields, workspaceFields, memberFields, contentFields, reactionFields, tagFields, subscriptionFields, callFields } from './fields.js';

export interface Tlm {
  event_id: number;
  event_type: string;
  created: string;
  read_date: string | null;
  fields: Record<string, unknown>;
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
