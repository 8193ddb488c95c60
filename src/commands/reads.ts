// Commands of the reads aggregate: read receipts and unread counts. `reads.mark` and `reads.mark_all`
// return the reader's unread counts as they are (the native protocol's ack carries them).
import { Type } from '@sinclair/typebox';
import * as reads from '../service/reads.js';
import { command } from './command.js';
import { read, write } from './services.js';
import { Id } from './schemas.js';
import { UnreadSchema } from './views.js';

export const READ_COMMANDS = [
  command({
    name: 'reads.mark',
    summary: 'Mark one message read; emits message.read and unread.updated when that changed anything',
    input: Type.Object({ message_id: Id }),
    output: UnreadSchema,
    run: write((c, d) => reads.markRead(c, d.message_id)),
  }),
  command({
    name: 'reads.mark_all',
    summary: 'Mark every message of a space read; emits unread.updated when something was unread',
    input: Type.Object({ space_id: Id }),
    output: UnreadSchema,
    run: write((c, d) => reads.markAllRead(c, d.space_id)),
  }),
  command({
    name: 'reads.unread',
    summary: 'Unread counts per space and in total, with the oldest unread message id',
    input: Type.Object({}),
    output: Type.Object({
      total_unread: Type.Integer(),
      spaces: Type.Array(Type.Object({ space_id: Id, unread: Type.Integer(), oldest_unread_id: Type.Integer() })),
    }),
    run: read((c) => reads.unread(c)),
  }),
];
