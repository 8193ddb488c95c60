// Table types for kysely. Booleans are stored as 0/1 and JSON as text so one schema fits SQLite and Postgres.
import type { Generated } from 'kysely';

export interface DB {
  meta: { key: string; value: string };
  users: {
    id: Generated<number>;
    uuid: string;
    username: string;
    email: string;
    password_hash: string;
    display_name: string;
    has_avatar: number;
    is_admin: number;
    created_at: number;
    updated_at: number;
    last_active_at: number;
    deleted: number;
    /** Credential generation: a password change moves it on, and tokens of an older one are refused. */
    token_generation: Generated<number>;
  };
  spaces: {
    id: Generated<number>;
    uuid: string;
    name: string;
    description: string;
    kind: string;
    access: string;
    owner_id: number | null;
    created_by: number | null;
    created_at: number;
    updated_at: number;
    last_active_at: number;
    deleted: number;
    /** "<low id>:<high id>" for 1-to-1 spaces, so a pair has at most one. */
    direct_key: string | null;
  };
  members: {
    space_id: number;
    user_id: number;
    role: string;
    joined_at: number;
    /** Messages with an id at or below this are read ("mark all read"). */
    read_through: number;
  };
  /** Membership as the event log sees it: member for events with from_pos < id <= to_pos. */
  membership_log: {
    id: Generated<number>;
    space_id: number;
    user_id: number;
    from_pos: number;
    to_pos: number | null;
  };
  messages: {
    id: Generated<number>;
    uuid: string;
    space_id: number;
    author_id: number | null;
    kind: string;
    content: string;
    meta: string | null;
    parent_id: number | null;
    mentions_all: number;
    is_edited: number;
    created_at: number;
    updated_at: number;
    deleted: number;
    /** 1 when the message has an audience (rows in message_audience); 0: every member of the space. */
    restricted: Generated<number>;
  };
  /** Who may see a restricted message (the author included). */
  message_audience: { message_id: number; user_id: number };
  files: {
    id: Generated<number>;
    uuid: string;
    space_id: number;
    name: string;
    mimetype: string;
    size: number;
    storage_key: string;
    uploaded_by: number | null;
    created_at: number;
    deleted: number;
  };
  message_files: { message_id: number; file_id: number; position: number };
  reactions: { message_id: number; user_id: number; emoji: string; created_at: number };
  read_receipts: { message_id: number; user_id: number; read_at: number };
  mentions: { message_id: number; user_id: number };
  locks: { id: Generated<number>; file_id: number; space_id: number; user_id: number; acquired_at: number };
  actions: {
    id: Generated<number>;
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
    deleted: number;
  };
  alerts: {
    id: Generated<number>;
    user_id: number;
    kind: string;
    from_user_id: number | null;
    space_id: number;
    message_id: number;
    text: string;
    is_read: number;
    created_at: number;
  };
  /** The event log. `id` is assigned as head+1 under the writer lock, so ids follow commit order with no holes. */
  events: {
    id: number;
    type: string;
    at: number;
    space_id: number | null;
    /** Audience: members of `space_id` at the time (via membership_log), plus event_recipients, or everyone. */
    audience_space: number | null;
    audience_all: number;
    data: string;
  };
  event_recipients: { event_id: number; user_id: number };
  // ---- Tracim dialect (migration 002_tracim; queries in content.ts, tags.ts, subscriptions.ts, calls.ts, inbox.ts) ----
  contents: {
    id: Generated<number>;
    uuid: string;
    space_id: number;
    parent_id: number | null;
    type: string;
    label: string;
    raw_content: string;
    status: string;
    is_archived: number;
    deleted: number;
    file_extension: string;
    mimetype: string | null;
    size: number | null;
    storage_key: string | null;
    assignee_id: number | null;
    author_id: number | null;
    current_revision_id: number;
    current_revision_type: string;
    created_at: number;
    updated_at: number;
  };
  content_revisions: {
    id: Generated<number>;
    content_id: number;
    revision_type: string;
    label: string;
    raw_content: string;
    status: string;
    author_id: number | null;
    created_at: number;
  };
  content_reactions: { id: Generated<number>; content_id: number; user_id: number; emoji: string; created_at: number };
  tags: { id: Generated<number>; space_id: number; name: string; author_id: number | null; created_at: number };
  content_tags: { content_id: number; tag_id: number };
  subscriptions: {
    id: Generated<number>;
    space_id: number;
    author_id: number;
    state: string;
    created_at: number;
    evaluator_id: number | null;
    evaluated_at: number | null;
  };
  calls: { id: Generated<number>; caller_id: number; callee_id: number; state: string; url: string; created_at: number; updated_at: number };
  /** Read state of Tracim live messages: one row per (user, event) marked read. */
  tlm_reads: { user_id: number; event_id: number; read_at: number };
  /** "All read" marks of Tracim live messages: everything at or below `through_pos` was read at `read_at` (migration 003). */
  tlm_read_marks: { user_id: number; through_pos: number; read_at: number };
  /** Tokens (or login sessions) logged out, kept until the token would have expired anyway. */
  revoked_tokens: { jti: string; user_id: number; expires_at: number };
}
