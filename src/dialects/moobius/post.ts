// A message body (a user's message_up, a service's message_down) → one Herald message through the command
// table, restricted to the users the delivery rule allows (the message's audience: every dialect honours
// it), with what Herald's message has no field for kept in `meta.moobius` (docs/dialects/moobius.md): the
// recipients as given, the context, and the rule. Refusals name what is wrong; authorisation is the
// command table's and the directory's.
import type { Commands } from '../../commands/command.js';
import { call } from '../../commands/index.js';
import type { Actor } from '../../core/actor.js';
import { HeraldError } from '../../core/errors.js';
import type { MessageView } from '../../core/model.js';
import { checkContent, recipientList, Refusal, refusalOf, type MessageBodyIn } from './frames.js';
import type { Channel, Directory } from './directory.js';
import { kindForSubtype, MOOBIUS_META_KEY, moobiusMeta } from './render.js';

/**
 * Who sees a message (`meta.moobius.delivery`), enforced for every dialect by the message's audience
 * (`audienceFor`):
 * - `service`: a user's message_up while a service ran the channel: the author and the channel's services.
 * - `direct`: a user's message_up with no service connected: the author, the named recipients and the
 *   channel's services (they receive it when they next connect); `[]`: the whole channel.
 * - `down`: a service's message_down: the service and the named recipients; `[]`: the whole channel.
 * Messages of other dialects have none (their own audience, if any, applies).
 */
export type DeliveryRule = 'service' | 'direct' | 'down';

export interface Delivery {
  rule: DeliveryRule;
  /** The users of the services configured for the channel that are members of it (`service`, `direct`). */
  services: readonly number[];
}

/** The message's audience (null: every member), the author aside (the core adds them). */
export function audienceFor(d: Delivery, recipients: readonly number[]): number[] | null {
  if (d.rule === 'service') return [...d.services];
  if (recipients.length === 0) return null;
  return [...new Set([...recipients, ...(d.rule === 'direct' ? d.services : [])])];
}

export function deliveryRule(m: MessageView): DeliveryRule | null {
  const raw = m.meta?.[MOOBIUS_META_KEY];
  const d = typeof raw === 'object' && raw !== null ? (raw as { delivery?: unknown }).delivery : undefined;
  return d === 'service' || d === 'direct' || d === 'down' ? d : null;
}

/**
 * Whether the Moobius user with this uuid is shown the message (as `message_down`), among those the core
 * delivered it to (its audience): presentation only, e.g. the sender of a message_up is not echoed.
 */
export function userSees(m: MessageView, userUuid: string): boolean {
  const rule = deliveryRule(m);
  if (rule === null) return true;
  if (rule === 'service') return false;
  const { recipients } = moobiusMeta(m);
  const list = recipients === null ? [] : recipientList(recipients);
  // An empty list addresses the whole channel.
  return list.length === 0 || list.includes(userUuid);
}

/** The Herald path of an upload: `/spaces/<space>/files/<file>/<name>`. */
const PATH = /^\/spaces\/([1-9][0-9]{0,9})\/files\/([1-9][0-9]{0,9})\/[^/]/;

/** Posts a message body as `actor` (whose user id is `userId`) into one of its channels; returns the new message. */
export async function postBody(commands: Commands, actor: Actor, userId: number, directory: Directory, body: MessageBodyIn, rule: (c: Channel) => Delivery | Promise<Delivery>): Promise<{ id: number; uuid: string }> {
  const content = checkContent(body);
  const channel = await directory.channel(body.channel_id);
  if (channel === null) throw new Refusal('not_member', `you are not a member of channel ${body.channel_id.slice(0, 64)} (or it does not exist)`);
  // The rule may refuse (a service outside its channels) before anything else is looked at.
  const delivery = await rule(channel);
  const named = recipientList(body.recipients);
  const strangers = named.filter((r) => !channel.members.has(r));
  if (strangers.length > 0) throw new Refusal('invalid_recipients', `not members of the channel: ${strangers.slice(0, 5).join(', ')}${strangers.length > 5 ? ', …' : ''}`);
  const audience = audienceFor(delivery, named.map((r) => channel.members.get(r)!));
  const attachmentIds: number[] = [];
  if (body.subtype !== 'text' && 'path' in content) attachmentIds.push(await uploadedFile(commands, actor, userId, channel, content.path));
  const text = 'text' in content && content.text !== undefined ? content.text : '';
  const meta = { [MOOBIUS_META_KEY]: { recipients: body.recipients, context: body.context ?? {}, delivery: delivery.rule } };
  try {
    const out = await call(commands, 'messages.post', actor, { space_id: channel.id, content: text, kind: kindForSubtype(body.subtype), meta, attachment_ids: attachmentIds, audience });
    return out.message;
  } catch (e) {
    if (e instanceof HeraldError) throw refusalOf(e, 'unknown_channel');
    throw e;
  }
}

/** The file id behind `path`, refused unless this user uploaded it to this channel. */
async function uploadedFile(commands: Commands, actor: Actor, userId: number, channel: Channel, path: string): Promise<number> {
  const m = PATH.exec(path);
  const refuse = () => new Refusal('invalid_path', `"${path.slice(0, 200)}" is not a file you uploaded to this channel: upload it first (POST /moobius/upload)`);
  if (m === null || Number(m[1]) !== channel.id) throw refuse();
  try {
    const { file } = await call(commands, 'files.download', actor, { file_id: Number(m[2]) }, { internal: true });
    if (file.uploaded_by !== userId || file.path !== path) throw refuse();
    return file.id;
  } catch (e) {
    if (e instanceof HeraldError) throw refuse();
    throw e;
  }
}
