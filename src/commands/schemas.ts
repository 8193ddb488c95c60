// Input pieces the command schemas share (ids, emoji, the domain's enums), built with TypeBox so they
// validate every transport's input and document the HTTP API.
import { FormatRegistry, Type, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { ACCESS_MODES, MESSAGE_KINDS, ROLES, SPACE_KINDS } from '../core/model.js';
import { CALL_STATES, CONTENT_STATUSES, CONTENT_TYPES } from '../core/content-model.js';

FormatRegistry.Set('email', (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v));

/** A string enum schema whose static type is the union of the values (checked, unlike Type.Unsafe). */
export const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v))) as TUnion<TLiteral<T>[]>;

export const Id = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 });
export const Position = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const Millis = Type.Integer({ minimum: 0 });
export const Emoji = Type.String({ minLength: 1, maxLength: 64 });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const SpaceKind = literals(SPACE_KINDS);
export const AccessMode = literals(ACCESS_MODES);
export const Role = literals(ROLES);
export const MessageKind = literals(MESSAGE_KINDS);
export const ContentType = literals(CONTENT_TYPES);
export const ContentStatus = literals(CONTENT_STATUSES);
export const CallState = literals(CALL_STATES);

export const DisplayName = Type.String({ minLength: 1, maxLength: 128 });
export const Username = Type.String({ pattern: '^[A-Za-z0-9_.-]{2,64}$' });
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ minLength: 8, maxLength: 256 });
export const SpaceName = Type.String({ minLength: 1, maxLength: 200 });
export const Description = Type.String({ maxLength: 4000 });
export const Label = Type.String({ minLength: 1, maxLength: 1024 });
export const RawContent = Type.String({ maxLength: 200_000 });
export const TagName = Type.String({ minLength: 1, maxLength: 255 });
export const MimeType = Type.String({ minLength: 1, maxLength: 255 });
export const StorageKey = Type.String({ minLength: 1, maxLength: 128 });

/** A command that returns nothing but success. */
export const Done = Type.Object({});
