// Mentions and alerts. In chat: who a message mentions (members only) and the alerts it raises
// (mentions, the quoted author). In the Tracim content tree: one mention.created per newly mentioned
// member, or one for "all".
import type { AlertView, MessageView, SpaceSummary, UserRef } from '../core/model.js';
import type { ContentType, ContentView, SpaceRef } from '../core/content-model.js';
import { parseMentions } from '../core/mentions.js';
import type { CommandContext, ReadContext } from './context.js';
import { userOf } from './commit.js';

export type AlertTargets = Map<number, 'mention' | 'quote'>;

/**
 * Who a message mentions (members only), and who gets an alert: mentioned users, or the quoted author.
 * A restricted message (`audience`) mentions and alerts only users of its audience, @all included.
 */
export async function mentionTargets(c: ReadContext, spaceId: number, content: string, parentId: number | null, audience: readonly number[] | null = null): Promise<{ mentioned: number[]; alerts: AlertTargets }> {
  const parsed = parseMentions(content);
  const alerts: AlertTargets = new Map();
  if (!parsed.all && parsed.ids.length === 0 && parsed.usernames.length === 0 && parentId === null) return { mentioned: [], alerts };
  const memberIds = new Set(audience ?? (await c.tx.spaces.memberIds(spaceId)));
  const byName = await c.tx.users.byUsername(parsed.usernames);
  const mentioned = [...new Set([...parsed.ids, ...byName.map((u) => u.id)])].filter((id) => memberIds.has(id));
  for (const id of parsed.all ? [...memberIds] : mentioned) alerts.set(id, 'mention');
  if (parentId !== null) {
    const parent = await c.tx.messages.row(parentId);
    if (parent?.author_id != null && !alerts.has(parent.author_id) && memberIds.has(parent.author_id)) alerts.set(parent.author_id, 'quote');
  }
  return { mentioned, alerts };
}

/** Alerts go out after the message they point at, never to its author or to someone already alerted. */
export async function raiseAlerts(c: CommandContext, message: MessageView, space: SpaceSummary, alerts: AlertTargets, previous: ReadonlySet<number>): Promise<void> {
  for (const [userId, kind] of alerts) {
    if (userId === message.author?.id || previous.has(userId)) continue;
    const alert = await c.tx.alerts.insert({ user_id: userId, kind, from: message.author, space_id: message.space_id, message_id: message.id, text: message.content.slice(0, 200) }, c.now);
    // Tracim shows a mention's recipient: the username, or "all" when only @all reached them.
    const recipient = kind !== 'mention' ? undefined : message.mentions_all && !message.mentions.includes(userId) ? 'all' : (await c.tx.users.ref(userId))?.username;
    await c.emit({ type: 'alert.created', data: { alert, message, space, ...(recipient === undefined ? {} : { recipient }) } });
  }
}

/** The acting user's alerts, newest first. */
export function alerts(c: ReadContext, limit: number): Promise<AlertView[]> {
  return c.tx.alerts.list(userOf(c.actor), limit);
}

/** Content types whose text can mention users. */
const MENTIONING: ReadonlySet<ContentType> = new Set(['thread', 'html-document', 'comment', 'todo']);

/** Mentions new in `text` (compared with `previous`): one mention.created per recipient, "all" for @all. */
export async function contentMentions(c: CommandContext, space: SpaceRef, content: ContentView, text: string, previous: string, author: UserRef | null): Promise<void> {
  if (!MENTIONING.has(content.type)) return;
  const now = parseMentions(text);
  const before = parseMentions(previous);
  const members = await c.tx.spaces.members(space.id);
  if (now.all && !before.all) {
    await c.emit({ type: 'mention.created', data: { content, space, author, recipient: 'all', user_ids: members.map((m) => m.user.id) } });
  }
  const old = new Set(before.usernames);
  for (const name of now.usernames) {
    if (old.has(name)) continue;
    const m = members.find((x) => x.user.username.toLowerCase() === name);
    if (m) await c.emit({ type: 'mention.created', data: { content, space, author, recipient: m.user.username, user_ids: [m.user.id] } });
  }
}
