// The chat as Tracim clients see it: each workspace's chat is a thread of its content tree, a message a
// comment of it, a chat file a file under it (ids by rule, core/conversation.ts). Message events render
// as content.*.comment, reactions as reaction.*, mention alerts as mention.created, chat files as
// content.*.file. 1-to-1 spaces are not workspaces: their chat renders to nothing here.
import type { HeraldEvent } from '../../events/types.js';
import type { SpaceSummary, UserRef } from '../../core/model.js';
import { commentView, fileContentView, hasThread, reactionView } from '../../core/conversation.js';
import { contentFields, reactionFields, userFields, workspaceFields } from './fields.js';

type Tlm = { event_type: string; fields: Record<string, unknown> } | null;

const authorOf = (a: UserRef | null | undefined) => (a == null ? null : userFields(a));

/** The author of a change known only by id (events logged before the snapshot was recorded). */
function actorFields(actorId: number | null, known: UserRef | null | undefined) {
  if (actorId === null) return null;
  if (known != null && known.id === actorId) return userFields(known);
  return { user_id: actorId, username: null, public_name: null, is_active: true, is_deleted: false, has_avatar: false, avatar_url: null };
}

const thread = (space: SpaceSummary | undefined): space is SpaceSummary => space !== undefined && hasThread(space);

/** The TLM of a chat event, or null when Tracim shows nothing for it (see docs/dialects/tracim.md). */
export function chatTlmOf(ev: HeraldEvent): Tlm {
  switch (ev.type) {
    case 'message.created': {
      const { message, space } = ev.data;
      if (!thread(space)) return null;
      return { event_type: 'content.created.comment', fields: { author: authorOf(message.author), workspace: workspaceFields(space), content: contentFields(commentView(message)) } };
    }
    case 'message.updated': {
      const { message, space } = ev.data;
      if (!thread(space)) return null;
      return { event_type: 'content.modified.comment', fields: { author: actorFields(ev.data.actor_id, message.author), workspace: workspaceFields(space), content: contentFields(commentView(message)) } };
    }
    case 'message.deleted': {
      const { message, space } = ev.data;
      if (!thread(space)) return null;
      const author = ev.data.author !== undefined ? authorOf(ev.data.author) : actorFields(ev.data.actor_id, message.author);
      return { event_type: 'content.deleted.comment', fields: { author, workspace: workspaceFields(space), content: contentFields(commentView(message, true)) } };
    }
    case 'reaction.added':
    case 'reaction.removed': {
      const { message, space, user, emoji } = ev.data;
      if (!thread(space)) return null;
      const held = message.reactions.find((r) => r.user.id === user.id && r.emoji === emoji);
      const reaction = reactionView(message.id, { user, emoji, at: held?.at ?? message.updated_at });
      return {
        event_type: ev.type === 'reaction.added' ? 'reaction.created' : 'reaction.deleted',
        fields: { author: userFields(user), workspace: workspaceFields(space), content: contentFields(commentView(message)), reaction: reactionFields(reaction), user: userFields(user) },
      };
    }
    case 'alert.created': {
      // Mentions only: quotes and reactions have no TLM (the reaction itself is reaction.created).
      const { alert, message, space, recipient } = ev.data;
      if (alert.kind !== 'mention' || message === undefined || recipient === undefined || !thread(space)) return null;
      return { event_type: 'mention.created', fields: { author: authorOf(alert.from), workspace: workspaceFields(space), content: contentFields(commentView(message)), mention: { recipient } } };
    }
    case 'file.created': {
      const { file, space } = ev.data;
      if (!thread(space)) return null;
      const author = ev.data.author !== undefined ? ev.data.author : null;
      return { event_type: 'content.created.file', fields: { author: author === null ? actorFields(ev.data.actor_id, null) : userFields(author), workspace: workspaceFields(space), content: contentFields(fileContentView(file, author)) } };
    }
    default:
      return null;
  }
}
