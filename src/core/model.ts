// Domain entities as the core sees them. Timestamps are UTC milliseconds; dialects format them.
// Every entity has an integer id and a UUID so each dialect can show the id form its spec uses.

export const SPACE_KINDS = ['multi', 'direct'] as const;
export type SpaceKind = (typeof SPACE_KINDS)[number];

export const ACCESS_MODES = ['confidential', 'open', 'on_request'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/** Ordered from most to least powerful. */
export const ROLES = ['owner', 'manager', 'member', 'reader'] as const;
export type Role = (typeof ROLES)[number];

/** Message kinds: Dino's `message_type` list plus file, audio and bot. */
export const MESSAGE_KINDS = [
  'message',
  'no_thanks',
  'no_thanks_hidden',
  'image',
  'greeter_auto',
  'greeter_manual',
  'action',
  'file',
  'audio',
  'bot',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export interface UserRef {
  id: number;
  uuid: string;
  username: string;
  email: string;
  display_name: string;
  has_avatar: boolean;
  is_admin: boolean;
  last_active_at: number;
}

export interface User extends UserRef {
  created_at: number;
  updated_at: number;
  deleted: boolean;
}

export interface MemberView {
  user: UserRef;
  role: Role;
  joined_at: number;
}

export interface SpaceView {
  id: number;
  uuid: string;
  name: string;
  description: string;
  kind: SpaceKind;
  access: AccessMode;
  owner_id: number | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
  last_active_at: number;
  deleted: boolean;
  members: MemberView[];
}

/** A space without its members. */
export type SpaceSummary = Omit<SpaceView, 'members'>;

export interface FileView {
  id: number;
  uuid: string;
  space_id: number;
  name: string;
  mimetype: string;
  size: number;
  path: string;
  uploaded_by: number | null;
  created_at: number;
}

export interface ReactionView {
  emoji: string;
  user: UserRef;
  at: number;
}

export interface ReadReceiptView {
  user: UserRef;
  at: number;
}

export interface MessageView {
  id: number;
  uuid: string;
  space_id: number;
  space_kind: SpaceKind;
  author: UserRef | null;
  kind: MessageKind;
  content: string;
  /** Structured payload for kinds that carry one (bot messages, custom apps). */
  meta: Record<string, unknown> | null;
  parent_id: number | null;
  attachments: FileView[];
  reactions: ReactionView[];
  read_by: ReadReceiptView[];
  /** Users mentioned by id or username; `all` when the message mentions @all. */
  mentions: number[];
  mentions_all: boolean;
  is_edited: boolean;
  created_at: number;
  updated_at: number;
  /**
   * Present only on a restricted message: the users who see it (the author included), those still members
   * of the space, ascending. Absent: every member sees it. Only its audience ever receives this object.
   */
  audience?: number[];
}

export interface UnreadView {
  user_id: number;
  space_id: number;
  space_unread: number;
  total_unread: number;
  /** 0 when nothing is unread. */
  oldest_unread_id: number;
}

export interface LockView {
  id: number;
  file_id: number;
  space_id: number;
  user_id: number;
  path: string;
  acquired_at: number;
}

export interface ActionView {
  id: number;
  uuid: string;
  space_id: number;
  name: string;
  description: string;
  type: number;
  status: number;
  due_at: number | null;
  assignee_id: number | null;
  created_by: number | null;
  created_at: number;
  updated_by: number | null;
  updated_at: number | null;
}

export type AlertKind = 'mention' | 'quote' | 'reaction';

export interface AlertView {
  id: number;
  user_id: number;
  kind: AlertKind;
  from: UserRef | null;
  space_id: number;
  message_id: number;
  text: string;
  is_read: boolean;
  created_at: number;
}
