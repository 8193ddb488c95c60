// Tracim-style collaboration entities that live in Herald spaces: the content tree (with revisions),
// content reactions, tags, workspace subscriptions and calls. Timestamps are UTC milliseconds.
import type { UserRef } from './model.js';

export const CONTENT_TYPES = ['thread', 'html-document', 'folder', 'file', 'comment', 'kanban', 'todo'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export const CONTENT_STATUSES = ['open', 'closed-validated', 'closed-unvalidated', 'closed-deprecated'] as const;
export type ContentStatus = (typeof CONTENT_STATUSES)[number];

export type RevisionType = 'creation' | 'edition' | 'deletion' | 'undeletion' | 'move' | 'copy' | 'status-update' | 'archiving' | 'unarchiving';

/** A small view of the space a content item (or tag, subscription) belongs to. */
export interface SpaceRef {
  id: number;
  name: string;
  description: string;
  access: string;
  deleted: boolean;
}

export interface ContentView {
  id: number;
  uuid: string;
  space_id: number;
  parent_id: number | null;
  /** Label of the parent (todos and comments show it). */
  parent_label: string | null;
  type: ContentType;
  label: string;
  raw_content: string;
  status: ContentStatus;
  is_archived: boolean;
  is_deleted: boolean;
  file_extension: string;
  filename: string;
  slug: string;
  /** Files and kanban boards only. */
  mimetype: string | null;
  size: number | null;
  /** Todos only. */
  assignee_id: number | null;
  author: UserRef | null;
  current_revision_id: number;
  current_revision_type: RevisionType;
  created_at: number;
  updated_at: number;
}

export interface ContentReactionView {
  id: number;
  content_id: number;
  emoji: string;
  user: UserRef;
  created_at: number;
}

export interface TagView {
  id: number;
  space_id: number;
  name: string;
  created_at: number;
}

export const SUBSCRIPTION_STATES = ['pending', 'accepted', 'rejected'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

export interface SubscriptionView {
  id: number;
  space: SpaceRef;
  author: UserRef;
  state: SubscriptionState;
  created_at: number;
  evaluator: UserRef | null;
  evaluated_at: number | null;
}

export const CALL_STATES = ['in_progress', 'accepted', 'rejected', 'declined', 'cancelled', 'unanswered', 'possible'] as const;
export type CallState = (typeof CALL_STATES)[number];

export interface CallView {
  id: number;
  caller: UserRef;
  callee: UserRef;
  state: CallState;
  url: string;
  created_at: number;
  updated_at: number;
}

/** A change to a content (a new revision): what the Tracim routes and the chat mapping accept. */
export interface ContentPatch {
  label?: string;
  raw_content?: string;
  status?: ContentStatus;
  assignee_id?: number | null;
  mimetype?: string;
  size?: number;
  storage_key?: string;
  file_extension?: string;
}
