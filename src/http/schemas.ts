// Request schemas shared by the routes and the OpenAPI document.
import { Type, type TLiteral, type TUnion } from '@sinclair/typebox';
import { ACCESS_MODES, MESSAGE_KINDS, ROLES, SPACE_KINDS } from '../core/model.js';

/** A string enum schema whose static type is the union of the values. */
export const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v))) as TUnion<TLiteral<T>[]>;

export const Id = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 });
export const IdParam = Type.Object({ id: Id });
export const SpaceKind = literals(SPACE_KINDS);
export const AccessMode = literals(ACCESS_MODES);
export const Role = literals(ROLES);
export const MessageKind = literals(MESSAGE_KINDS);
export const Emoji = Type.String({ minLength: 1, maxLength: 64 });

export const Register = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 8, maxLength: 256 }),
    username: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{2,64}$' })),
    display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    is_admin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const Login = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 256 }) });

export const ProfilePatch = Type.Object(
  { display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), has_avatar: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const CreateSpace = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    kind: Type.Optional(SpaceKind),
    access: Type.Optional(AccessMode),
    member_ids: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
    owner_id: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const SpacePatch = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), description: Type.Optional(Type.String({ maxLength: 4000 })), access: Type.Optional(AccessMode) },
  { additionalProperties: false },
);

export const AddMember = Type.Object({ user_id: Id, role: Type.Optional(Role) }, { additionalProperties: false });
export const MemberParams = Type.Object({ id: Id, userId: Id });
export const RolePatch = Type.Object({ role: Role }, { additionalProperties: false });

export const PostMessage = Type.Object(
  {
    content: Type.String({ maxLength: 40_000 }),
    kind: Type.Optional(MessageKind),
    meta: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
    parent_id: Type.Optional(Type.Union([Id, Type.Null()])),
    attachment_ids: Type.Optional(Type.Array(Id, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export const EditMessage = Type.Object({ content: Type.String({ maxLength: 40_000 }) }, { additionalProperties: false });
export const ListMessages = Type.Object({ before: Type.Optional(Id), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) });
export const Reaction = Type.Object({ emoji: Emoji }, { additionalProperties: false });
export const ReactionParams = Type.Object({ id: Id, emoji: Emoji });
export const AttachmentParams = Type.Object({ id: Id, fileId: Id });

export const CreateAction = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 500 }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    type: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    due_at: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    assignee_id: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  { additionalProperties: false },
);
export const ActionPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    status: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    due_at: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    assignee_id: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  { additionalProperties: false },
);

export const CustomEvent = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' }),
    space_id: Type.Optional(Type.Union([Id, Type.Null()])),
    payload: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
