// The canonical events: one discriminated union, named `entity.action`. Each carries the state of the
// entity after the change, so a dialect renders any event without reading the store.
import type {
  ActionView,
  AlertView,
  FileView,
  LockView,
  MemberView,
  MessageView,
  SpaceSummary,
  SpaceView,
  UnreadView,
  UserRef,
} from '../core/model.js';
import type { ContentReactionView, ContentView, SpaceRef, SubscriptionView, TagView, CallView } from '../core/content-model.js';
import type { SpaceStats } from '../core/conversation.js';

/**
 * Who receives an event (see core/audience.ts). The log stores the descriptor; explicit users (`users`,
 * `admins`, `peers_of`) are resolved once at append into `event_recipients`; each node resolves space
 * members and `all` from its own membership index at delivery (gateway/membership.ts).
 */
export interface Audience {
  /** Members of this space at the moment of the event. */
  space?: number;
  /** These users, in addition. */
  users?: number[];
  /** Every user (open workspaces, broadcasts from the server API key). */
  all?: boolean;
  /** Server administrators. */
  admins?: boolean;
  /** Everyone who shares at least one space with this user (profile changes). */
  peers_of?: number;
  /** The space of an event addressed to some of its members only (a restricted message's): not an audience. */
  within?: number;
}

interface E<T extends string, D> {
  type: T;
  data: D;
}

export type HeraldEvent =
  | E<'user.created', { user: UserRef }>
  | E<'user.updated', { user: UserRef; actor_id: number | null; author: UserRef | null }>
  // `stats`: the space's latest message and file totals when the event was appended (absent in older events).
  | E<'space.created', { space: SpaceView; actor_id: number | null; stats?: SpaceStats }>
  | E<'space.updated', { space: SpaceView; actor_id: number | null; stats?: SpaceStats }>
  | E<'space.deleted', { space: SpaceView; actor_id: number | null }>
  | E<'member.added', { space: SpaceView; member: MemberView; actor_id: number | null; stats?: SpaceStats }>
  | E<'member.updated', { space: SpaceView; member: MemberView; actor_id: number | null; stats?: SpaceStats }>
  /** `actor_id === member.user.id` means the user left; otherwise they were removed by the actor. */
  | E<'member.removed', { space: SpaceView; member: MemberView; actor_id: number | null; stats?: SpaceStats }>
  // Message events carry their space's summary (name, kind, times) for dialects that embed it (Dino's group).
  // A restricted message's events (its `audience`) go to its audience only (core/audience.ts).
  | E<'message.created', { message: MessageView; space: SpaceSummary }>
  | E<'message.updated', { message: MessageView; space: SpaceSummary; actor_id: number | null }>
  /** `author`: who deleted it (absent in events logged before it was recorded). */
  | E<'message.deleted', { message: MessageView; space: SpaceSummary; actor_id: number | null; author?: UserRef | null }>
  | E<'message.read', { message: MessageView; space: SpaceSummary; user: UserRef; at: number }>
  // `space` (and the optional keys below) are always set now; events logged before they were recorded lack them.
  | E<'reaction.added', { message: MessageView; user: UserRef; emoji: string; space?: SpaceSummary }>
  | E<'reaction.removed', { message: MessageView; user: UserRef; emoji: string; space?: SpaceSummary }>
  /** `audience`: only when the message is restricted (see MessageView.audience): then only they receive it. */
  | E<'attachment.deleted', { space_id: number; space: SpaceSummary; message_ids: number[]; message_uuids: string[]; files: FileView[]; actor_id: number | null; audience?: number[] }>
  | E<'file.created', { file: FileView; space: SpaceSummary; actor_id: number | null; author?: UserRef | null }>
  | E<'unread.updated', { unread: UnreadView; all_read: boolean }>
  | E<'lock.acquired', { lock: LockView }>
  | E<'lock.released', { lock: LockView; actor_id: number | null }>
  | E<'action.created', { action: ActionView }>
  | E<'action.updated', { action: ActionView }>
  | E<'action.deleted', { action: ActionView; actor_id: number | null }>
  /** The message and space the alert is about; `recipient` (mentions): the alerted username, or "all" when only @all reached them. */
  | E<'alert.created', { alert: AlertView; message?: MessageView; space?: SpaceSummary; recipient?: string }>
  // ---- Tracim content tree, tags, subscriptions, calls (src/service/content.ts) ---------------
  // `author` is the acting user's snapshot (null for the server API key).
  | E<'user.deleted', { user: UserRef; actor_id: number | null; author: UserRef | null }>
  | E<'user.undeleted', { user: UserRef; actor_id: number | null; author: UserRef | null }>
  | E<'space.undeleted', { space: SpaceView; actor_id: number | null; stats?: SpaceStats }>
  | E<'content.created', { content: ContentView; space: SpaceRef; author: UserRef | null }>
  | E<'content.updated', { content: ContentView; space: SpaceRef; author: UserRef | null }>
  | E<'content.deleted', { content: ContentView; space: SpaceRef; author: UserRef | null }>
  | E<'content.undeleted', { content: ContentView; space: SpaceRef; author: UserRef | null }>
  | E<'content.moved', { content: ContentView; space: SpaceRef; author: UserRef | null; from_space_id: number; from_parent_id: number | null }>
  | E<'content.copied', { content: ContentView; space: SpaceRef; author: UserRef | null; source_id: number }>
  /** `recipient` is a username or "all"; `user_ids` are the mentioned members (every member for "all"). */
  | E<'mention.created', { content: ContentView; space: SpaceRef; author: UserRef | null; recipient: string; user_ids: number[] }>
  | E<'content_reaction.added', { content: ContentView; space: SpaceRef; author: UserRef | null; reaction: ContentReactionView }>
  | E<'content_reaction.removed', { content: ContentView; space: SpaceRef; author: UserRef | null; reaction: ContentReactionView }>
  | E<'tag.created', { tag: TagView; space: SpaceRef; author: UserRef | null }>
  | E<'tag.updated', { tag: TagView; space: SpaceRef; author: UserRef | null }>
  | E<'tag.deleted', { tag: TagView; space: SpaceRef; author: UserRef | null }>
  | E<'content_tag.added', { tag: TagView; content: ContentView; space: SpaceRef; author: UserRef | null }>
  | E<'content_tag.removed', { tag: TagView; content: ContentView; space: SpaceRef; author: UserRef | null }>
  /** `manager_ids`: the space's owners and managers when the event was appended (they receive it). */
  | E<'subscription.created', { subscription: SubscriptionView; author: UserRef | null; manager_ids: number[] }>
  | E<'subscription.updated', { subscription: SubscriptionView; author: UserRef | null; manager_ids: number[] }>
  | E<'subscription.deleted', { subscription: SubscriptionView; author: UserRef | null; manager_ids: number[] }>
  | E<'call.created', { call: CallView; author: UserRef | null }>
  | E<'call.updated', { call: CallView; author: UserRef | null }>
  | E<'call.deleted', { call: CallView; author: UserRef | null }>
  // ---- end of Tracim block ------------------------------------------------------------------
  // Ephemeral: never stored, never replayed, carry no position.
  | E<'typing.started', { space_id: number; user: UserRef }>
  | E<'typing.stopped', { space_id: number; user: UserRef }>
  | E<'presence.online', { space_id: number; user: UserRef }>
  | E<'presence.offline', { space_id: number; user: UserRef }>
  // Published by an app's backend with the server API key.
  | E<`custom.${string}`, { space_id: number | null; payload: Record<string, unknown>; actor_id: number | null }>;

export type EventType = HeraldEvent['type'];
export type EventOf<T extends EventType> = Extract<HeraldEvent, { type: T }>;

export const EPHEMERAL_TYPES: ReadonlySet<string> = new Set(['typing.started', 'typing.stopped', 'presence.online', 'presence.offline']);

/** An event as delivered: position (null when ephemeral), time, and who it is for. */
export type Delivered<T extends HeraldEvent = HeraldEvent> = T & {
  /** Global position in commit order; each user's feed is the subsequence addressed to them. */
  id: number | null;
  at: number;
  space_id: number | null;
  /** The audience descriptor; a node resolves `space` and `all` against its local index. */
  audience: Audience;
  /** Users addressed explicitly (the rows of `event_recipients`: `users`, resolved `admins` and `peers_of`). */
  explicit: readonly number[];
  /** Users never sent this one (the typist for typing). */
  exclude?: number;
};
