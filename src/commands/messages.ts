// Commands of the messages aggregate: messages and the alerts (mentions, quotes, reactions) they raise.
import { Type } from '@sinclair/typebox';
import * as messages from '../service/messages.js';
import { alerts } from '../service/mentions.js';
import { command } from './command.js';
import { read, write } from './services.js';
import { Done, Id, MessageKind, Nullable } from './schemas.js';
import { AlertSchema, MessageSchema } from './views.js';

const MessageId = { message_id: Id };
const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });

export const MESSAGE_COMMANDS = [
  command({
    name: 'messages.post',
    summary: 'Post a message (mentions: @<user id>, @username, @all; audience: only these members see it); emits message.created and alerts',
    input: Type.Object(
      {
        space_id: Id,
        content: Type.String({ maxLength: 40_000 }),
        kind: Type.Optional(MessageKind),
        meta: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
        parent_id: Type.Optional(Nullable(Id)),
        attachment_ids: Type.Optional(Type.Array(Id, { maxItems: 50 })),
        audience: Type.Optional(
          Nullable(
            Type.Array(Id, {
              maxItems: 2000,
              description: 'Restricts the message to these members of the space (the author is added); absent or null: every member',
            }),
          ),
        ),
      },
      { additionalProperties: false },
    ),
    output: Type.Object({ message: MessageSchema }),
    run: write(async (c, { space_id, ...input }) => ({ message: await messages.post(c, space_id, input) })),
  }),
  command({
    name: 'messages.get',
    summary: 'One message',
    input: Type.Object(MessageId),
    output: Type.Object({ message: MessageSchema }),
    run: read(async (c, d) => ({ message: await messages.get(c, d.message_id) })),
  }),
  command({
    name: 'messages.list',
    summary: 'Messages of a space, newest first (before: a message id)',
    input: Type.Object({ space_id: Id, before: Type.Optional(Id), limit: Type.Optional(Limit) }),
    output: Type.Object({ messages: Type.Array(MessageSchema) }),
    run: read(async (c, d) => ({ messages: await messages.list(c, d.space_id, d.before ?? null, d.limit ?? 50) })),
  }),
  command({
    name: 'messages.edit',
    summary: 'Edit your message; emits message.updated',
    input: Type.Object({ ...MessageId, content: Type.String({ maxLength: 40_000 }) }, { additionalProperties: false }),
    output: Type.Object({ message: MessageSchema }),
    run: write(async (c, d) => ({ message: await messages.edit(c, d.message_id, d.content) })),
  }),
  command({
    name: 'messages.delete',
    summary: 'Delete a message (author or managers); emits message.deleted',
    input: Type.Object(MessageId),
    output: Done,
    run: write(async (c, d) => (await messages.remove(c, d.message_id), {})),
  }),
  command({
    name: 'alerts.list',
    summary: 'Your alerts (mentions, quotes, reactions), newest first',
    input: Type.Object({ limit: Type.Optional(Limit) }),
    output: Type.Object({ alerts: Type.Array(AlertSchema) }),
    run: read(async (c, d) => ({ alerts: await alerts(c, d.limit ?? 50) })),
  }),
];
