// Commands of the users aggregate: sign-up, login, logout, password changes, profiles (public
// projection for non-peers), profile changes and account deletion.
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
      // A new account is at credential generation 0 (the column's default).
      return { user, token: await s.issueToken(user.id, 0) };
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
      const { user, generation } = await users.login(s.runtime, d);
      return { user, token: await s.issueToken(user.id, generation) };
    },
  }),
  command({
    name: 'users.logout',
    summary: 'Log out: the token used is refused from now on, with the tokens issued from it (RTM), and the connections opened with them close (4009); the user’s other sessions stay',
    // The token's id and expiry come from authentication, never from a client's input.
    internal: true,
    input: Type.Object({ token_id: Type.String({ minLength: 1, maxLength: 64 }), expires_at: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    output: Type.Object({}),
    run: async (s: Services, actor, d) => {
      await users.logout(s.runtime, actor, d);
      s.closeConnections({ userId: userOf(actor), tokens: [d.token_id], reason: 'logged out' });
      return {};
    },
  }),
  command({
    name: 'users.change_password',
    summary:
      'Change a password: your own (current_password: yours), or as an administrator another user’s (current_password: your own), or with the server API key (no current_password). Every earlier token of the user is refused and their open connections close (4009); changing your own returns a fresh token',
    input: Type.Object(
      { user_id: Type.Optional(Id), current_password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })), new_password: Password },
      { additionalProperties: false },
    ),
    output: Type.Object({ user: UserSchema, token: Type.Optional(Type.String({ description: 'A fresh bearer token, when you changed your own password' })) }),
    run: async (s: Services, actor, d) => {
      const target = d.user_id ?? userOf(actor);
      const { user, generation } = await users.changePassword(s.runtime, actor, { ...d, user_id: target });
      s.closeConnections({ userId: target, reason: 'the password was changed: log in again' });
      const own = !actor.server && actor.userId === target;
      return own ? { user, token: await s.issueToken(target, generation) } : { user };
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
