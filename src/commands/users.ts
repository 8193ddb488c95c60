// Commands of the users aggregate: sign-up, login, profiles (public projection for non-peers),
// profile changes and account deletion.
import { Type } from '@sinclair/typebox';
import * as users from '../service/users.js';
import { userOf } from '../service/commit.js';
import { command } from './command.js';
import { write, type Services } from './services.js';
import { DisplayName, Email, Id, Password, Username } from './schemas.js';
import { PublicUserSchema, UserSchema } from './views.js';

const Session = Type.Object({ user: UserSchema, token: Type.String({ description: 'Bearer token for the HTTP API and realtime connections' }) });
const Online = { online: Type.Boolean() };

export const USER_COMMANDS = [
  command({
    name: 'users.register',
    summary: 'Register a user (open sign-up, or the server API key); returns a bearer token',
    anonymous: true,
    input: Type.Object(
      { email: Email, password: Password, username: Type.Optional(Username), display_name: Type.Optional(DisplayName), is_admin: Type.Optional(Type.Boolean()) },
      { additionalProperties: false },
    ),
    output: Session,
    run: async (s: Services, actor, d) => {
      const user = await users.register(s.runtime, actor, d);
      return { user, token: await s.issueToken(user.id) };
    },
  }),
  command({
    name: 'users.login',
    summary: 'Log in with email (or username, in either field) and password; returns a bearer token',
    anonymous: true,
    input: Type.Object(
      { email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })), username: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })), password: Type.String({ minLength: 1, maxLength: 256 }) },
      { additionalProperties: false },
    ),
    output: Session,
    run: async (s: Services, _actor, d) => {
      const user = await users.login(s.runtime, d);
      return { user, token: await s.issueToken(user.id) };
    },
  }),
  command({
    name: 'users.get',
    summary: 'A user (yourself when no user_id) and whether they are online; email and admin flag only for yourself, administrators and users sharing a space',
    input: Type.Object({ user_id: Type.Optional(Id) }),
    output: Type.Object({ user: Type.Union([Type.Composite([UserSchema, Type.Object(Online)]), Type.Composite([PublicUserSchema, Type.Object(Online)])]) }),
    run: async (s: Services, actor, d) => {
      const id = d.user_id ?? userOf(actor);
      const user = await s.runtime.read(actor, (c) => users.profile(c, id));
      return { user: { ...user, online: (await s.ephemeral.online([id])).has(id) } };
    },
  }),
  command({
    name: 'users.update',
    summary: 'Change a profile (yours when no user_id; administrators change anyone’s); emits user.updated',
    input: Type.Object({ user_id: Type.Optional(Id), display_name: Type.Optional(DisplayName), has_avatar: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    output: Type.Object({ user: UserSchema }),
    run: write(async (c, d) => ({ user: await users.update(c, d.user_id ?? userOf(c.actor), { display_name: d.display_name, has_avatar: d.has_avatar }) })),
  }),
  command({
    name: 'users.delete',
    summary: 'Delete (disable) an account: administrators and the server API key; emits user.deleted',
    input: Type.Object({ user_id: Id }),
    output: Type.Object({ user: UserSchema }),
    run: write(async (c, d) => ({ user: await users.setDeleted(c, d.user_id, true) })),
  }),
  command({
    name: 'users.undelete',
    summary: 'Restore a deleted account: administrators and the server API key; emits user.undeleted',
    input: Type.Object({ user_id: Id }),
    output: Type.Object({ user: UserSchema }),
    run: write(async (c, d) => ({ user: await users.setDeleted(c, d.user_id, false) })),
  }),
];
