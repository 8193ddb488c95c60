// Audience rules: who receives each canonical event. Pure; the store resolves the descriptor into user
// ids inside the transaction that appends the event, so "member at the time" means exactly that.
import type { Audience, HeraldEvent } from '../events/types.js';

/** Tracim's workspace rule: confidential → members and administrators; open / on-request → every user. */
function workspaceAudience(spaceId: number, access: string): Audience {
  return access === 'confidential' ? { space: spaceId, admins: true } : { space: spaceId, all: true };
}

/**
 * A restricted message's events go to its audience (the users still members when the event was made,
 * carried in the event), never to the rest of the space; an unrestricted one's to the space.
 */
function messageAudience(spaceId: number, audience: readonly number[] | undefined): Audience {
  return audience === undefined ? { space: spaceId } : { users: [...audience], within: spaceId };
}

export function audienceOf(ev: HeraldEvent): Audience {
  switch (ev.type) {
    case 'user.created':
      return { users: [ev.data.user.id], admins: true };
    case 'user.updated':
    case 'user.deleted':
    case 'user.undeleted':
      // Administrators too (Tracim: "administrators, user itself, user in at least one same space").
      return { users: [ev.data.user.id], peers_of: ev.data.user.id, admins: true };
    case 'space.created':
    case 'space.updated':
    case 'space.deleted':
    case 'space.undeleted':
      // Open and on-request spaces are visible to every user, confidential ones to members (and administrators).
      return workspaceAudience(ev.data.space.id, ev.data.space.kind === 'multi' ? ev.data.space.access : 'confidential');
    case 'member.added':
    case 'member.updated':
      return { space: ev.data.space.id, admins: true };
    case 'member.removed':
      // The removed user's membership has already ended; they still learn they were removed.
      return { space: ev.data.space.id, users: [ev.data.member.user.id], admins: true };
    // ---- Tracim block (content tree, tags, subscriptions, calls) ----
    case 'content.created':
    case 'content.updated':
    case 'content.deleted':
    case 'content.undeleted':
    case 'content.moved':
    case 'content.copied':
    case 'content_reaction.added':
    case 'content_reaction.removed':
    case 'content_tag.added':
    case 'content_tag.removed':
      return { space: ev.data.space.id };
    case 'mention.created':
      return { users: ev.data.user_ids };
    case 'tag.created':
    case 'tag.updated':
    case 'tag.deleted':
      return workspaceAudience(ev.data.space.id, ev.data.space.access);
    case 'subscription.created':
    case 'subscription.updated':
    case 'subscription.deleted':
      return { users: [ev.data.subscription.author.id, ...ev.data.manager_ids], admins: true };
    case 'call.created':
    case 'call.updated':
    case 'call.deleted':
      return { users: [ev.data.call.caller.id, ev.data.call.callee.id] };
    // ---- end of Tracim block ----
    case 'message.created':
    case 'message.updated':
    case 'message.deleted':
    case 'message.read':
    case 'reaction.added':
    case 'reaction.removed':
      return messageAudience(ev.data.message.space_id, ev.data.message.audience);
    case 'attachment.deleted':
      return messageAudience(ev.data.space_id, ev.data.audience);
    case 'file.created':
      return { space: ev.data.file.space_id };
    case 'lock.acquired':
    case 'lock.released':
      return { space: ev.data.lock.space_id };
    case 'action.created':
    case 'action.updated':
    case 'action.deleted':
      return { space: ev.data.action.space_id };
    case 'unread.updated':
      return { users: [ev.data.unread.user_id] };
    case 'alert.created':
      return { users: [ev.data.alert.user_id] };
    case 'typing.started':
    case 'typing.stopped':
    case 'presence.online':
    case 'presence.offline':
      return { space: ev.data.space_id };
    default:
      // custom.* events: the space when given, otherwise everyone (API-key broadcast).
      return ev.data.space_id !== null ? { space: ev.data.space_id } : { all: true };
  }
}

/** The space an event belongs to, for metrics, filters and the log's `space_id` (also when it is addressed to users). */
export function spaceOf(ev: HeraldEvent): number | null {
  const a = audienceOf(ev);
  return a.space ?? a.within ?? null;
}

/** Users who never receive this event even when in its audience (the typist, the user whose presence changed). */
export function excludedFrom(ev: HeraldEvent): number | undefined {
  switch (ev.type) {
    case 'typing.started':
    case 'typing.stopped':
    case 'presence.online':
    case 'presence.offline':
      return ev.data.user.id;
    default:
      return undefined;
  }
}

/**
 * Membership as the log sees it: a user is a member for events with `from < id <= to`
 * (`to` null while still a member). `from` is the log head just before the join event, so the join
 * itself reaches the new member; `to` is the head just before the removal, so later events never do.
 */
export interface MembershipInterval {
  space_id: number;
  user_id: number;
  from: number;
  to: number | null;
}

export function wasMemberAt(intervals: readonly MembershipInterval[], spaceId: number, userId: number, eventId: number): boolean {
  return intervals.some(
    (m) => m.space_id === spaceId && m.user_id === userId && m.from < eventId && (m.to === null || eventId <= m.to),
  );
}
