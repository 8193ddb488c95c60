// Tracim users and login sessions: sign-up, profiles (public projection for non-peers), profile
// changes, password changes, account deletion; login sets the session cookie, logout revokes its token.
import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { HeraldError, badRequest } from '../../../core/errors.js';
import { Password } from '../../../commands/schemas.js';
import { credentialsOf } from '../../../gateway/http-auth.js';
import type { Principal } from '../../../gateway/auth.js';
import * as S from '../schemas.js';
import { type App, runner, tags, userOut } from './common.js';
import { SESSION_COOKIE, type TracimRouteDeps } from './deps.js';

/** Tracim's SetPasswordSchema. */
const SetPassword = Type.Object(
  { loggedin_user_password: Type.String({ minLength: 1, maxLength: 256 }), new_password: Password, new_password2: Type.String({ maxLength: 256 }) },
  { additionalProperties: false },
);

/** The user tokens a logout request presents: its bearer token and its session cookie's (either may be absent). */
function presentedTokens(req: FastifyRequest): string[] {
  const bearer = credentialsOf(req)?.token;
  const cookie = req.headers.cookie ? parseCookie(req.headers.cookie)[SESSION_COOKIE] : undefined;
  return [...new Set([bearer, cookie].filter((t): t is string => !!t))];
}

export function userRoutes(app: App, deps: TracimRouteDeps): void {
  const run = runner(deps);
  const sessionCookie = (req: FastifyRequest, value: string, maxAge: number) =>
    stringifySetCookie({ name: SESSION_COOKIE, value, path: '/', httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https', maxAge });

  app.post('/api/auth/login', { config: { auth: 'none' }, schema: { tags, summary: 'Log in; sets the session cookie and returns the user (and a bearer token)', body: S.Login, security: [] } }, async (req, reply) => {
    if (req.body.email === undefined && req.body.username === undefined) throw badRequest('give email or username');
    const { user, token } = await run(req, 'users.login', req.body);
    void reply.header('set-cookie', sessionCookie(req, token, deps.sessionSeconds));
    return { ...userOut(user), token };
  });
  // Logout works without valid credentials (it still clears the cookie): a token that is already invalid has
  // nothing left to revoke. A valid one (bearer, session cookie, or both) is refused from then on.
  app.post('/api/auth/logout', { config: { auth: 'none' }, schema: { tags, summary: 'Log out: revokes the token of the bearer header and of the session cookie, closes the connections opened with them, clears the cookie', security: [] } }, async (req, reply) => {
    for (const token of presentedTokens(req)) {
      let principal: Principal;
      try {
        principal = await deps.authenticate({ token });
      } catch (e) {
        if (e instanceof HeraldError && e.code === 'unauthenticated') continue;
        throw e;
      }
      if (principal.token === null) continue;
      await deps.commands.run('users.logout', principal.actor, { token_id: principal.token.id, expires_at: principal.token.expiresAt }, { internal: true });
    }
    void reply.header('set-cookie', sessionCookie(req, '', 0)).status(204);
  });
  app.get('/api/auth/whoami', { schema: { tags, summary: 'The logged-in user' } }, async (req) => userOut((await run(req, 'users.get', {})).user));

  app.post('/api/users', { config: { auth: 'optional' }, schema: { tags, summary: 'Create a user (server API key, or open sign-up); emits user.created', body: S.CreateUser } }, async (req) => {
    const b = req.body;
    const { user } = await run(req, 'users.register', { email: b.email, password: b.password, username: b.username, display_name: b.public_name, is_admin: b.profile === 'administrators' ? true : undefined });
    return userOut(user);
  });
  app.get('/api/users/:user_id', { schema: { tags, summary: 'A user (email and profile only for themself, administrators and users sharing a workspace)', params: S.UserParam } }, async (req) =>
    userOut((await run(req, 'users.get', { user_id: req.params.user_id })).user),
  );
  app.put('/api/users/:user_id', { schema: { tags, summary: 'Change public_name (the user or an administrator); emits user.modified', params: S.UserParam, body: S.UserPatch } }, async (req) =>
    userOut((await run(req, 'users.update', { user_id: req.params.user_id, display_name: req.body.public_name })).user),
  );
  app.put(
    '/api/users/:user_id/password',
    {
      schema: {
        tags,
        summary:
          'Set a password: the user (loggedin_user_password: theirs) or an administrator (their own); the server API key needs none. Every earlier token of the user is refused and their connections close; a cookie session that changed its own password gets a fresh cookie',
        params: S.UserParam,
        body: SetPassword,
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (b.new_password !== b.new_password2) throw badRequest('new_password and new_password2 differ');
      const { token } = await run(req, 'users.change_password', { user_id: req.params.user_id, current_password: b.loggedin_user_password, new_password: b.new_password });
      // The browser's session cookie was revoked with every other token: replace it, so the user stays logged in.
      if (token !== undefined && credentialsOf(req) === null) void reply.header('set-cookie', sessionCookie(req, token, deps.sessionSeconds));
      return reply.status(204).send();
    },
  );
  app.put('/api/users/:user_id/trashed', { schema: { tags, summary: 'Delete (disable) a user (administrators); emits user.deleted', params: S.UserParam } }, async (req, reply) => {
    await run(req, 'users.delete', { user_id: req.params.user_id });
    return reply.status(204).send();
  });
  app.put('/api/users/:user_id/trashed/restore', { schema: { tags, summary: 'Restore a deleted user (administrators); emits user.undeleted', params: S.UserParam } }, async (req, reply) => {
    await run(req, 'users.undelete', { user_id: req.params.user_id });
    return reply.status(204).send();
  });
}
