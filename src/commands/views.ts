// Result schemas: what commands return, as public projections. They document the HTTP API's responses,
// shape its serialisation (a field not declared here is never sent), and are checked at compile time
// against the core model types below so the two cannot drift apart.
import { Type, type Static } from '@sinclair/typebox';
import type { ActionView, AlertView, FileView, LockView, MemberView, MessageView, SpaceView, UnreadView, User, UserRef } from '../core/model.js';
import type { CallView, ContentReactionView, ContentView, SpaceRef, SubscriptionView, TagView } from '../core/content-model.js';
import type { PublicProfile } from '../core/projection.js';
import type { Revision } from '../store/content.js';
import { AccessMode, CallState, ContentStatus, ContentType, Id, MessageKind, Millis, Nullable, Role, SpaceKind, literals } from './schemas.js';

const Uuid = Type.String();
const UserId = Type.Integer();

// ---- users ----------------------------------------------------------------------------------------
const publicUserFields = {
  id: UserId,
  uuid: Uuid,
  username: Type.String(),
  display_name: Type.String(),
  has_avatar: Type.Boolean(),
  last_active_at: Millis,
};
/** A user as their space peers see them (with email and the admin flag). */
export const UserRefSchema = Type.Object({ ...publicUserFields, email: Type.String(), is_admin: Type.Boolean() });
const accountFields = { created_at: Millis, updated_at: Millis, deleted: Type.Boolean() };
/** A whole account: for the user themself, administrators and users who share a space with them. */
export const UserSchema = Type.Object({ ...publicUserFields, email: Type.String(), is_admin: Type.Boolean(), ...accountFields });
/** What everyone else sees of a user. */
export const PublicUserSchema = Type.Object({ ...publicUserFields, ...accountFields });

// ---- spaces and members ---------------------------------------------------------------------------
export const MemberSchema = Type.Object({ user: UserRefSchema, role: Role, joined_at: Millis });
export const SpaceSchema = Type.Object({
  id: Id,
  uuid: Uuid,
  name: Type.String(),
  description: Type.String(),
  kind: SpaceKind,
  access: AccessMode,
  owner_id: Nullable(Type.Integer()),
  created_by: Nullable(Type.Integer()),
  created_at: Millis,
  updated_at: Millis,
  last_active_at: Millis,
  deleted: Type.Boolean(),
  members: Type.Array(MemberSchema),
});

// ---- messages, files, reads, actions, alerts --------------------------------------------------------
export const FileSchema = Type.Object({
  id: Id,
  uuid: Uuid,
  space_id: Id,
  name: Type.String(),
  mimetype: Type.String(),
  size: Type.Integer(),
  path: Type.String(),
  uploaded_by: Nullable(Type.Integer()),
  created_at: Millis,
});
export const MessageSchema = Type.Object({
  id: Id,
  uuid: Uuid,
  space_id: Id,
  space_kind: SpaceKind,
  author: Nullable(UserRefSchema),
  kind: MessageKind,
  content: Type.String(),
  meta: Nullable(Type.Record(Type.String(), Type.Unknown())),
  parent_id: Nullable(Type.Integer()),
  attachments: Type.Array(FileSchema),
  reactions: Type.Array(Type.Object({ emoji: Type.String(), user: UserRefSchema, at: Millis })),
  read_by: Type.Array(Type.Object({ user: UserRefSchema, at: Millis })),
  mentions: Type.Array(Type.Integer()),
  mentions_all: Type.Boolean(),
  is_edited: Type.Boolean(),
  created_at: Millis,
  updated_at: Millis,
  audience: Type.Optional(Type.Array(Id, { description: 'Only on a restricted message: the users who see it (author included) who are still members' })),
});
export const UnreadSchema = Type.Object({ user_id: Id, space_id: Id, space_unread: Type.Integer(), total_unread: Type.Integer(), oldest_unread_id: Type.Integer() });
export const LockSchema = Type.Object({ id: Id, file_id: Id, space_id: Id, user_id: Id, path: Type.String(), acquired_at: Millis });
export const ActionSchema = Type.Object({
  id: Id,
  uuid: Uuid,
  space_id: Id,
  name: Type.String(),
  description: Type.String(),
  type: Type.Integer(),
  status: Type.Integer(),
  due_at: Nullable(Millis),
  assignee_id: Nullable(Type.Integer()),
  created_by: Nullable(Type.Integer()),
  created_at: Millis,
  updated_by: Nullable(Type.Integer()),
  updated_at: Nullable(Millis),
});
export const AlertSchema = Type.Object({
  id: Id,
  user_id: Id,
  kind: literals(['mention', 'quote', 'reaction'] as const),
  from: Nullable(UserRefSchema),
  space_id: Id,
  message_id: Id,
  text: Type.String(),
  is_read: Type.Boolean(),
  created_at: Millis,
});

// ---- the Tracim content tree ------------------------------------------------------------------------
export const SpaceRefSchema = Type.Object({ id: Id, name: Type.String(), description: Type.String(), access: Type.String(), deleted: Type.Boolean() });
export const ContentSchema = Type.Object({
  id: Id,
  uuid: Uuid,
  space_id: Id,
  parent_id: Nullable(Type.Integer()),
  parent_label: Nullable(Type.String()),
  type: ContentType,
  label: Type.String(),
  raw_content: Type.String(),
  status: ContentStatus,
  is_archived: Type.Boolean(),
  is_deleted: Type.Boolean(),
  file_extension: Type.String(),
  filename: Type.String(),
  slug: Type.String(),
  mimetype: Nullable(Type.String()),
  size: Nullable(Type.Integer()),
  assignee_id: Nullable(Type.Integer()),
  author: Nullable(UserRefSchema),
  current_revision_id: Type.Integer(),
  current_revision_type: literals(['creation', 'edition', 'deletion', 'undeletion', 'move', 'copy', 'status-update', 'archiving', 'unarchiving'] as const),
  created_at: Millis,
  updated_at: Millis,
});
export const ContentReactionSchema = Type.Object({ id: Id, content_id: Id, emoji: Type.String(), user: UserRefSchema, created_at: Millis });
export const TagSchema = Type.Object({ id: Id, space_id: Id, name: Type.String(), created_at: Millis });
export const RevisionSchema = Type.Object({
  revision_id: Id,
  content_id: Id,
  revision_type: Type.String(),
  label: Type.String(),
  raw_content: Type.String(),
  status: Type.String(),
  author: Nullable(UserRefSchema),
  created_at: Millis,
});
export const SubscriptionSchema = Type.Object({
  id: Id,
  space: SpaceRefSchema,
  author: UserRefSchema,
  state: literals(['pending', 'accepted', 'rejected'] as const),
  created_at: Millis,
  evaluator: Nullable(UserRefSchema),
  evaluated_at: Nullable(Millis),
});
export const CallSchema = Type.Object({ id: Id, caller: UserRefSchema, callee: UserRefSchema, state: CallState, url: Type.String(), created_at: Millis, updated_at: Millis });


// ---- compile-time agreement with the core model ------------------------------------------------------
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <T extends true>(..._: T[]) => undefined;
agree<Same<Static<typeof UserRefSchema>, UserRef>>();
agree<Same<Static<typeof UserSchema>, User>>();
agree<Same<Static<typeof PublicUserSchema>, PublicProfile>>();
agree<Same<Static<typeof MemberSchema>, MemberView>>();
agree<Same<Static<typeof SpaceSchema>, SpaceView>>();
agree<Same<Static<typeof FileSchema>, FileView>>();
agree<Same<Static<typeof MessageSchema>, MessageView>>();
agree<Same<Static<typeof UnreadSchema>, UnreadView>>();
agree<Same<Static<typeof LockSchema>, LockView>>();
agree<Same<Static<typeof ActionSchema>, ActionView>>();
agree<Same<Static<typeof AlertSchema>, AlertView>>();
agree<Same<Static<typeof SpaceRefSchema>, SpaceRef>>();
agree<Same<Static<typeof ContentSchema>, ContentView>>();
agree<Same<Static<typeof ContentReactionSchema>, ContentReactionView>>();
agree<Same<Static<typeof TagSchema>, TagView>>();
agree<Same<Static<typeof RevisionSchema>, Revision>>();
agree<Same<Static<typeof SubscriptionSchema>, SubscriptionView>>();
agree<Same<Static<typeof CallSchema>, CallView>>();
