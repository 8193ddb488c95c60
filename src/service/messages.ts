// Messages: post (with attachments, replies and mentions), read, list, edit, delete, and the bot
// messages that report a change in the transaction of that change.
import { newMessageUuid } from '../core/ids.js';
import type { FileView, MessageKind, MessageView } from '../core/model.js';
import { badRequest, forbidden } from '../core/errors.js';
import { can } from '../core/permissions.js';
import { parseMentions } from '../core/mentions.js';
import type { Viewer } from '../store/messages.js';
import type { CommandContext, ReadContext } from './context.js';
import { mentionTargets, raiseAlerts } from './mentions.js';

export interface PostInput {
  content: string;
  kind?: MessageKind;
  meta?: Record<string, unknown> | null;
  parent_id?: number | null;
  attachment_ids?: number[];
  /** Who may see it (the author is added); absent or null: every member of the space. */
  audience?: number[] | null;
}

/** The audience to store: deduplicated, the author added, every user a member of the space (else 400). */
async function checkedAudience(c: CommandContext, spaceId: number, wanted: readonly number[] | null | undefined): Promise<number[] | null> {
  if (wanted === undefined || wanted === null) return null;
  const ids = new Set(wanted);
  if (c.actor.userId !== null) ids.add(c.actor.userId);
  if (ids.size === 0) throw badRequest('audience is empty: omit it (or send null) to address every member');
  const members = await c.tx.spaces.membersAmong(spaceId, [...ids]);
  const strangers = [...ids].filter((id) => !members.has(id));
  if (strangers.length) throw badRequest(`audience: not members of the space: ${strangers.slice(0, 5).join(', ')}${strangers.length > 5 ? ', …' : ''}`);
  return [...ids];
}

/** The viewer the actor lists messages as (the server API key acting as a user sees as that user). */
export function viewerOf(c: ReadContext): Viewer {
  return c.actor.userId !== null ? { user: c.actor.userId } : c.actor.server ? 'all' : 'public';
}

export async function post(c: CommandContext, spaceId: number, input: PostInput): Promise<MessageView> {
  const { space, actorRef } = await c.access.space(spaceId, 'post');
  let wanted = input.audience;
  if (input.parent_id != null) {
    const parent = await c.tx.messages.row(input.parent_id);
    // A parent the actor may not see reads as one that does not exist.
    if (!parent || parent.space_id !== spaceId || parent.deleted || !(await c.access.seesMessage(parent))) throw badRequest('parent_id is not a message of this space');
    // A reply without an audience stays among the restricted parent's audience: dialects that cannot name
    // one (a Talk-and-Travel reply) would otherwise answer a private message in front of the whole space.
    if (wanted === undefined && parent.restricted) wanted = (await c.tx.messages.view(parent.id))?.audience;
  }
  const audience = await checkedAudience(c, spaceId, wanted);
  const fileIds = [...new Set(input.attachment_ids ?? [])];
  const attachments: FileView[] = [];
  for (const fid of fileIds) {
    const f = await c.tx.files.get(fid);
    if (!f || f.deleted || f.space_id !== spaceId) throw badRequest(`attachment ${fid} is not a file of this space`);
    const { storage_key: _key, deleted: _deleted, ...view } = f;
    attachments.push(view);
  }
  const row = { uuid: newMessageUuid(), space_id: spaceId, author_id: c.actor.userId, kind: input.kind ?? (fileIds.length ? 'file' : 'message'), content: input.content, meta: input.meta ?? null, parent_id: input.parent_id ?? null, mentions_all: parseMentions(input.content).all, audience };
  const id = await c.tx.messages.post(row, c.now);
  await c.tx.files.attach(id, fileIds);
  const { mentioned, alerts } = await mentionTargets(c, spaceId, input.content, input.parent_id ?? null, audience);
  if (mentioned.length) await c.tx.messages.setMentions(id, mentioned);
  const message = await c.tx.messages.freshView(id, row, c.now, space.kind, attachments, mentioned, actorRef);
  await c.emit({ type: 'message.created', data: { message, space } });
  await raiseAlerts(c, message, space, alerts, new Set());
  return message;
}

export async function get(c: ReadContext, messageId: number): Promise<MessageView> {
  await c.access.message(messageId, 'read');
  return (await c.tx.messages.view(messageId))!;
}

/** Live messages of a space, newest first. */
export async function list(c: ReadContext, spaceId: number, before: number | null, limit: number): Promise<MessageView[]> {
  await c.access.space(spaceId, 'read');
  return c.tx.messages.list(spaceId, before, limit, viewerOf(c));
}

export async function edit(c: CommandContext, messageId: number, content: string): Promise<MessageView> {
  const { row, space } = await c.access.message(messageId, 'read');
  if (!c.actor.server && row.author_id !== c.actor.userId) throw forbidden('only the author may edit a message');
  const before = await c.tx.messages.view(messageId);
  await c.tx.messages.edit(messageId, content, parseMentions(content).all, c.now);
  const { mentioned, alerts } = await mentionTargets(c, row.space_id, content, row.parent_id, before?.audience ?? null);
  await c.tx.messages.setMentions(messageId, mentioned);
  const message = (await c.tx.messages.view(messageId))!;
  await c.emit({ type: 'message.updated', data: { message, space, actor_id: c.actor.userId } });
  // An edit alerts only users it newly mentions; the quoted author was alerted when it was posted.
  const already = new Set(before?.mentions ?? []);
  for (const [id, kind] of alerts) if (kind === 'quote') already.add(id);
  await raiseAlerts(c, message, space, alerts, already);
  return message;
}

export async function remove(c: CommandContext, messageId: number): Promise<void> {
  const { row, role, space } = await c.access.message(messageId, 'read');
  if (row.author_id !== c.actor.userId && !can(role, 'manage')) throw forbidden('only the author or a manager may delete a message');
  await c.tx.messages.delete(messageId, c.now);
  await c.emit({ type: 'message.deleted', data: { message: (await c.tx.messages.view(messageId))!, space, actor_id: c.actor.userId, author: await c.tx.users.ref(c.actor.userId) } });
}

/**
 * A system message of kind 'bot' (no author) with meta {type, bot_message}, in the transaction of the
 * change it reports. Types (AirSend's): 1 a file was added to the space, 2 a user was added.
 */
export async function botMessage(c: CommandContext, spaceId: number, type: 1 | 2, text: string): Promise<void> {
  const id = await c.tx.messages.post({ space_id: spaceId, author_id: null, kind: 'bot', content: text, meta: { type, bot_message: text } }, c.now);
  await c.emit({ type: 'message.created', data: { message: (await c.tx.messages.view(id))!, space: (await c.tx.spaces.summary(spaceId))! } });
}
