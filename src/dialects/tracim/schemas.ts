// Request schemas of the Tracim-style HTTP API (typebox: validation + OpenAPI).
import { Type } from '@sinclair/typebox';
import { ACCESS_MODES } from '../../core/model.js';
import { CALL_STATES, CONTENT_STATUSES, CONTENT_TYPES } from '../../core/content-model.js';
// String enums via the commands' helper: TypeBox's compiler checks them (Type.Unsafe would not be checked).
import { literals } from '../../commands/schemas.js';

export const Id = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 });
const Label = Type.String({ minLength: 1, maxLength: 1024 });
const Raw = Type.String({ maxLength: 200_000 });

/** Tracim role names, and Herald's. */
export const TracimRole = literals(['workspace-manager', 'content-manager', 'contributor', 'reader', 'owner', 'manager', 'member'] as const);
export const AccessType = literals(ACCESS_MODES);
export const ContentTypeSchema = literals(CONTENT_TYPES);
export const StatusSchema = literals(CONTENT_STATUSES);

export const UserParam = Type.Object({ user_id: Id });
export const WsParam = Type.Object({ workspace_id: Id });
export const WsUserParam = Type.Object({ workspace_id: Id, user_id: Id });
export const ContentParam = Type.Object({ workspace_id: Id, content_id: Id });
export const ContentChildParam = Type.Object({ workspace_id: Id, content_id: Id, child_id: Id });
export const TagParam = Type.Object({ workspace_id: Id, tag_id: Id });
export const UserEventParam = Type.Object({ user_id: Id, event_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
export const UserCallParam = Type.Object({ user_id: Id, call_id: Id });

export const Login = Type.Object(
  { email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })), username: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const CreateUser = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 8, maxLength: 256 }),
    public_name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    username: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{2,64}$' })),
    profile: Type.Optional(literals(['users', 'trusted-users', 'administrators'] as const)),
  },
  { additionalProperties: false },
);

export const UserPatch = Type.Object({ public_name: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

export const CreateWorkspace = Type.Object(
  { label: Type.String({ minLength: 1, maxLength: 200 }), description: Type.Optional(Type.String({ maxLength: 4000 })), access_type: Type.Optional(AccessType) },
  { additionalProperties: false },
);
export const WorkspacePatch = Type.Object(
  { label: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), description: Type.Optional(Type.String({ maxLength: 4000 })), access_type: Type.Optional(AccessType) },
  { additionalProperties: false },
);

export const AddMember = Type.Object({ user_id: Id, role: Type.Optional(TracimRole) }, { additionalProperties: false });
export const RolePatch = Type.Object({ role: TracimRole }, { additionalProperties: false });

export const CreateContent = Type.Object(
  {
    content_type: ContentTypeSchema,
    label: Label,
    raw_content: Type.Optional(Raw),
    parent_id: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  { additionalProperties: false },
);
export const ContentPatch = Type.Object({ label: Type.Optional(Label), raw_content: Type.Optional(Raw) }, { additionalProperties: false });
export const StatusPatch = Type.Object({ status: StatusSchema }, { additionalProperties: false });
export const Move = Type.Object({ new_parent_id: Type.Union([Id, Type.Null()]), new_workspace_id: Type.Optional(Id) }, { additionalProperties: false });
export const Copy = Type.Object(
  { new_label: Type.Optional(Label), new_parent_id: Type.Optional(Type.Union([Id, Type.Null()])), new_workspace_id: Type.Optional(Id) },
  { additionalProperties: false },
);
export const ListContents = Type.Object({ parent_id: Type.Optional(Type.Integer({ minimum: 0 })), show_deleted: Type.Optional(Type.Boolean()) });

export const CreateComment = Type.Object({ raw_content: Type.String({ minLength: 1, maxLength: 200_000 }) }, { additionalProperties: false });
export const CreateTodo = Type.Object({ raw_content: Type.String({ minLength: 1, maxLength: 200_000 }), assignee_id: Type.Optional(Type.Union([Id, Type.Null()])) }, { additionalProperties: false });
export const TodoPatch = Type.Object({ status: Type.Optional(StatusSchema), assignee_id: Type.Optional(Type.Union([Id, Type.Null()])), raw_content: Type.Optional(Raw) }, { additionalProperties: false });

export const CreateReaction = Type.Object({ value: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export const TagName = Type.String({ minLength: 1, maxLength: 255 });
export const CreateTag = Type.Object({ tag_name: TagName }, { additionalProperties: false });
export const AddContentTag = Type.Object({ tag_id: Type.Optional(Id), tag_name: Type.Optional(TagName) }, { additionalProperties: false });

export const Subscribe = Type.Object({ workspace_id: Id }, { additionalProperties: false });
export const Accept = Type.Object({ role: Type.Optional(TracimRole) }, { additionalProperties: false });

export const CreateCall = Type.Object({ callee_id: Id }, { additionalProperties: false });
export const CallStatePatch = Type.Object({ state: literals(CALL_STATES) }, { additionalProperties: false });

export const ListMessages = Type.Object({
  read_status: Type.Optional(literals(['all', 'read', 'unread'] as const)),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  page_token: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  event_types: Type.Optional(Type.String({ maxLength: 2000 })),
});

export const StreamQuery = Type.Object({ last_event_id: Type.Optional(Type.String({ maxLength: 32 })), access_token: Type.Optional(Type.String()) });
