// Wire types of Herald's native protocol (docs/protocol.md), derived from the server's own event and entity
// types. The imports are type-only and erased at build, so no server code runs in the client; a server
// change that alters an event changes these types, and a client that no longer fits fails type-checking.
import type { HeraldEvent } from '../../src/events/types.js';
import type { ErrorCode } from '../../src/core/errors.js';
import type { MessageKind, MessageView, SpaceKind, AccessMode, SpaceView, UnreadView, User } from '../../src/core/model.js';

/** User objects arrive without `email` and `is_admin` to recipients who may not see them (protocol.md, "User objects"). */
type PrivateUserFields = 'email' | 'is_admin';
type UserLike = { username: string; email: string; is_admin: boolean };

/** An entity as JSON carries it: user objects anywhere inside may be public profiles. */
export type Wire<T> = T extends readonly (infer U)[]
  ? Wire<U>[]
  : T extends object
    ? T extends UserLike
      ? { [K in Exclude<keyof T, PrivateUserFields>]: Wire<T[K]> } & Partial<Pick<T, PrivateUserFields & keyof T>>
      : { [K in keyof T]: Wire<T[K]> }
    : T;

export const EPHEMERAL_EVENT_TYPES = ['typing.started', 'typing.stopped', 'presence.online', 'presence.offline'] as const;
export type EphemeralEventType = (typeof EPHEMERAL_EVENT_TYPES)[number];

/** One server envelope per canonical event: `id` is the feed position (null for ephemeral events), `at` ISO 8601. */
type Envelope<E> = E extends { type: infer T extends string; data: infer D }
  ? { id: T extends EphemeralEventType ? null : number; type: T; at: string; data: Wire<D> }
  : never;

/** Every event a native client can receive, discriminated by `type`. */
export type HeraldEventFrame = Envelope<HeraldEvent>;
export type HeraldEventType = HeraldEventFrame['type'];
/** The event of one type (works for `custom.<name>` too). */
export type EventOfType<T extends string> = HeraldEventFrame extends infer E ? (E extends { type: infer X extends string } ? (T extends X ? E : never) : never) : never;

// ---- control frames (id null, never replayed) ------------------------------------------------------------
export interface Welcome {
  user_id: number;
  epoch: string;
  position: number;
  heartbeat_seconds: number;
}
export type ResetReason = 'position_too_old' | 'position_ahead' | 'epoch_mismatch';
export interface Reset {
  reason: ResetReason;
  position: number;
  message: string;
}
/** `command.error` codes: the server's error codes plus `internal`. */
export type ServerErrorCode = ErrorCode | 'internal';

// ---- commands (WebSocket; the SDK maps them onto REST over the SSE fallback) -------------------------------
export type WireMessage = Wire<MessageView>;
export type WireSpace = Wire<SpaceView>;
export type WireUnread = UnreadView;

/** Native command name → its `data` and its `command.ack` result (the table in protocol.md, "Commands"). */
export interface CommandMap {
  ping: { input: Record<string, never>; result: { pong: boolean } };
  post: {
    input: { space_id: number; content: string; kind?: MessageKind; meta?: Record<string, unknown> | null; parent_id?: number | null; attachment_ids?: number[]; audience?: number[] | null };
    result: { message: WireMessage };
  };
  edit: { input: { message_id: number; content: string }; result: { message: WireMessage } };
  delete: { input: { message_id: number }; result: Record<string, never> };
  typing: { input: { space_id: number }; result: { delivered: boolean } };
  typing_stop: { input: { space_id: number }; result: { delivered: boolean } };
  read: { input: { message_id: number }; result: WireUnread };
  read_all: { input: { space_id: number }; result: WireUnread };
  react: { input: { message_id: number; emoji: string }; result: { message: WireMessage } };
  unreact: { input: { message_id: number; emoji: string }; result: { message: WireMessage } };
}
export type CommandName = keyof CommandMap;
/** Every native command (tests compare it with the server's list). */
export const COMMAND_NAMES = ['ping', 'post', 'edit', 'delete', 'typing', 'typing_stop', 'read', 'read_all', 'react', 'unreact'] as const satisfies readonly CommandName[];
export type CommandInput<C extends CommandName> = CommandMap[C]['input'];
export type CommandResult<C extends CommandName> = CommandMap[C]['result'];

// ---- REST shapes used by the helpers ---------------------------------------------------------------------
export type WireUser = Wire<User>;
export interface Session {
  user: WireUser;
  token: string;
}
export interface CreateSpaceInput {
  name?: string;
  description?: string;
  access?: AccessMode;
  kind?: SpaceKind;
  member_ids?: number[];
  owner_id?: number;
}
export interface UnreadSummary {
  total_unread: number;
  spaces: { space_id: number; unread: number; oldest_unread_id: number }[];
}
