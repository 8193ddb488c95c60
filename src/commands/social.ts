// Commands of Tracim's social side: workspace subscriptions, calls between users, and the read state
// of a user's live messages (their inbox).
import { Type } from '@sinclair/typebox';
import * as subscriptions from '../service/subscriptions.js';
import * as calls from '../service/calls.js';
import * as inbox from '../service/inbox.js';
import { command } from './command.js';
import { read, write } from './services.js';
import { CallState, Done, Id, Millis, Position, Role, literals } from './schemas.js';
import { CallSchema, SubscriptionSchema } from './views.js';

const Subscription = Type.Object({ subscription: SubscriptionSchema });
const Call = Type.Object({ call: CallSchema });
const Side = literals(['caller', 'callee'] as const);
const EventIds = Type.Array(Position, { maxItems: 1000 });
/** Live messages that stand for a chat message (its creation, edit, a mention in it): their reads are the chat's. */
const ChatMessages = Type.Optional(Type.Array(Type.Object({ event_id: Position, message_id: Id }), { maxItems: 1000 }));

export const SUBSCRIPTION_COMMANDS = [
  command({
    name: 'subscriptions.request',
    summary: 'Ask to join an on-request workspace (user_id: yourself); emits subscription.created (or .updated when renewed)',
    input: Type.Object({ user_id: Id, space_id: Id }),
    output: Subscription,
    run: write(async (c, d) => ({ subscription: await subscriptions.request(c, d.user_id, d.space_id) })),
  }),
  command({
    name: 'subscriptions.accept',
    summary: 'Accept a pending request (managers): the user joins with `role`; emits subscription.updated and member.added',
    input: Type.Object({ space_id: Id, user_id: Id, role: Type.Optional(Role) }),
    output: Subscription,
    run: write(async (c, d) => ({ subscription: await subscriptions.evaluate(c, d.space_id, d.user_id, true, d.role ?? 'member') })),
  }),
  command({
    name: 'subscriptions.reject',
    summary: 'Reject a pending request (managers); emits subscription.updated',
    input: Type.Object({ space_id: Id, user_id: Id }),
    output: Subscription,
    run: write(async (c, d) => ({ subscription: await subscriptions.evaluate(c, d.space_id, d.user_id, false) })),
  }),
  command({
    name: 'subscriptions.withdraw',
    summary: 'Withdraw your pending request; emits subscription.deleted',
    input: Type.Object({ user_id: Id, space_id: Id }),
    output: Done,
    run: write(async (c, d) => (await subscriptions.withdraw(c, d.user_id, d.space_id), {})),
  }),
  command({
    name: 'subscriptions.list',
    summary: "A workspace's requests (managers: space_id) or a user's own (user_id)",
    input: Type.Object({ space_id: Type.Optional(Id), user_id: Type.Optional(Id) }),
    output: Type.Object({ subscriptions: Type.Array(SubscriptionSchema) }),
    run: read(async (c, d) => ({ subscriptions: await subscriptions.list(c, d) })),
  }),
];

export const CALL_COMMANDS = [
  command({
    name: 'calls.create',
    summary: 'Call a user (user_id: yourself, the caller); emits call.created',
    input: Type.Object({ user_id: Id, callee_id: Id }),
    output: Call,
    run: write(async (c, d) => ({ call: await calls.create(c, d.user_id, d.callee_id) })),
  }),
  command({
    name: 'calls.set_state',
    summary: 'Change the state of a call you made (side caller) or received (side callee); emits call.updated',
    input: Type.Object({ user_id: Id, call_id: Id, side: Side, state: CallState }),
    output: Call,
    run: write(async (c, d) => ({ call: await calls.setState(c, d.user_id, d.call_id, d.side, d.state) })),
  }),
  command({
    name: 'calls.delete',
    summary: 'Delete a call you made; emits call.deleted',
    input: Type.Object({ user_id: Id, call_id: Id }),
    output: Done,
    run: write(async (c, d) => (await calls.remove(c, d.user_id, d.call_id), {})),
  }),
  command({
    name: 'calls.list',
    summary: 'Calls a user made (side caller) or received (side callee)',
    input: Type.Object({ user_id: Id, side: Side }),
    output: Type.Object({ calls: Type.Array(CallSchema) }),
    run: read(async (c, d) => ({ calls: await calls.list(c, d.user_id, d.side) })),
  }),
];

export const INBOX_COMMANDS = [
  command({
    name: 'tlm.check_access',
    summary: "Whether you may read this user's live messages (themself or an administrator)",
    input: Type.Object({ user_id: Id }),
    output: Type.Object({}),
    run: read(async (c, d) => (await inbox.checkAccess(c, d.user_id), {})),
  }),
  command({
    name: 'tlm.read_state',
    summary: "Read dates of some of a user's live messages, the position up to which all are read, and the log head",
    input: Type.Object({ user_id: Id, event_ids: EventIds, chat: ChatMessages }),
    output: Type.Object({ read: Type.Array(Type.Object({ event_id: Position, read_at: Millis })), all_read_through: Position, head: Position }),
    run: read((c, d) => inbox.readState(c, d.user_id, d.event_ids, d.chat ?? [])),
  }),
  command({
    name: 'tlm.mark_read',
    summary: "Mark some of a user's live messages read (first read dates are kept)",
    input: Type.Object({ user_id: Id, event_ids: EventIds, chat: ChatMessages }),
    output: Type.Object({ marked: Type.Integer() }),
    run: write(async (c, d) => ({ marked: await inbox.markRead(c, d.user_id, d.event_ids, d.chat ?? []) })),
  }),
  command({
    name: 'tlm.mark_all_read',
    summary: "Mark every live message of a user read so far",
    input: Type.Object({ user_id: Id }),
    output: Type.Object({ through: Position }),
    run: write(async (c, d) => ({ through: await inbox.markAllRead(c, d.user_id) })),
  }),
];
