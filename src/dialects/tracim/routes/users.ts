// Tracim users and login sessions: sign-up, profiles (public projection for non-peers), profile
// changes, account deletion; login sets the session cookie.
import { stringifySetCookie } from 'cookie';
import type { FastifyRequest } from 'fastify';
import { badRequest } from '../../../core/errors.js';
import * as S from '../schemas.js';
import { type App, runner, tags, userOut } from './common.js';
import { SESSION_COOKIE, type TracimRouteDeps } from './deps.js';

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
  app.post('/api/auth/logout', { config: { auth: 'none' }, schema: { tags, summary: 'Clears the session cookie', security: [] } }, async (req, reply) => {
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
  app.put('/api/users/:user_id/trashed', { schema: { tags, summary: 'Delete (disable) a user (administrators); emits user.deleted', params: S.UserParam } }, async (req, reply) => {
    await run(req, 'users.delete', { user_id: req.params.user_id });
    return reply.status(204).send();
  });
  app.put('/api/users/:user_id/trashed/restore', { schema: { tags, summary: 'Restore a deleted user (administrators); emits user.undeleted', params: S.UserParam } }, async (req, reply) => {
    await run(req, 'users.undelete', { user_id: req.params.user_id });
    return reply.status(204).send();
  });
}
