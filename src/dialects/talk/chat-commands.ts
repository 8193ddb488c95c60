// The SEND destinations that change state (docs/dialects/talk-and-travel.md, "SEND destinations"):
// `/chat/events.joinChat`, `.leaveChat`, `.startTyping`, `.stopTyping` with the document's
// `{authorId, chatId}`, and `/chat/messages.send`. Bodies are validated with TypeBox; every change runs
// through the command table; a refusal is a TalkCommandError with a typed code.
import { isUtf8 } from 'node:buffer';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { Commands } from '../../commands/command.js';
import type { Actor } from '../../core/actor.js';
import { HeraldError } from '../../core/errors.js';
import type { MembershipQuery } from '../../gateway/membership.js';
import type { ChatAction } from './destinations.js';
import { TalkCommandError, talkErrorOf } from './errors.js';

const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** The document's payload of the four event destinations (more keys are ignored). */
const EventBody = Type.Object({ authorId: Id, chatId: Id });
/** Posting a message: the keys of the `/messages` snapshot it produces. */
const MessageBody = Type.Object({
  chatId: Id,
  content: Type.String({ minLength: 1, maxLength: 40_000 }),
  senderId: Type.Optional(Id),
  repliedMessageId: Type.Optional(Type.Union([Id, Type.Null()])),
});

const eventBody = TypeCompiler.Compile(EventBody);
const messageBody = TypeCompiler.Compile(MessageBody);

export interface ChatContext {
  commands: Commands;
  membership: MembershipQuery;
  actor: Actor;
  userId: number;
}

function parse<T extends TSchema>(check: TypeCheck<T>, body: Buffer): Static<T> {
  let value: unknown;
  try {
    if (!isUtf8(body)) throw new Error('not UTF-8');
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new TalkCommandError('malformed_json', 'the body is not valid JSON');
  }
  if (!check.Check(value)) {
    const e = check.Errors(value).First();
    throw new TalkCommandError('invalid_body', e ? `${e.path || 'body'}: ${e.message}` : 'the body does not fit this destination');
  }
  return value;
}

function ownAuthor(c: ChatContext, id: number | undefined, key: string): void {
  if (id !== undefined && id !== c.userId) throw new TalkCommandError('author_mismatch', `${key} ${id} is not you (user ${c.userId})`);
}

async function run(c: ChatContext, name: string, input: unknown, refine: (e: HeraldError) => TalkCommandError = talkErrorOf): Promise<void> {
  try {
    await c.commands.run(name, c.actor, input);
  } catch (e) {
    if (e instanceof HeraldError) throw refine(e);
    throw e;
  }
}

/** Runs one chat action for the session's user; throws TalkCommandError when it is refused. */
export async function runChatAction(c: ChatContext, action: ChatAction, body: Buffer): Promise<void> {
  if (action === 'messages.send') {
    const m = parse(messageBody, body);
    ownAuthor(c, m.senderId, 'senderId');
    return run(c, 'messages.post', { space_id: m.chatId, content: m.content, parent_id: m.repliedMessageId ?? null });
  }
  const { authorId, chatId } = parse(eventBody, body);
  ownAuthor(c, authorId, 'authorId');
  switch (action) {
    case 'events.joinChat':
      if (c.membership.isMember(chatId, c.userId)) throw new TalkCommandError('already_member', `you are already a member of chat ${chatId}`);
      return run(c, 'members.join', { space_id: chatId }, (e) => (e.code === 'conflict' ? new TalkCommandError('already_member', e.message) : talkErrorOf(e)));
    case 'events.leaveChat':
      return run(c, 'members.leave', { space_id: chatId }, (e) =>
        e.code === 'conflict' && !c.membership.isMember(chatId, c.userId) ? new TalkCommandError('not_member', `you are not a member of chat ${chatId}`) : talkErrorOf(e),
      );
    case 'events.startTyping':
      // Throttled typing is dropped quietly (`delivered: false`): a typist sends these on every keystroke.
      return run(c, 'typing.start', { space_id: chatId });
    case 'events.stopTyping':
      return run(c, 'typing.stop', { space_id: chatId });
  }
}
