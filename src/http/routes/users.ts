// Sign-up, login, logout, password changes, profiles, alerts and unread counts.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Commands } from '../../commands/command.js';
import { call } from '../../commands/index.js';
import { badRequest } from '../../core/errors.js';
import { actorOf } from '../../gateway/http-auth.js';
import type { RouteDef } from '../rest.js';
import { Problem } from '../schemas.js';

/** The HTTP API's sign-up and login answer `{ meta: { ok: true }, user, token }`. */
const withMeta: RouteDef['reply'] = {
  schema: (o) => Type.Composite([Type.Object({ meta: Type.Object({ ok: Type.Boolean() }) }), o as ReturnType<typeof Type.Object>]),
  map: (r) => ({ meta: { ok: true }, ...(r as object) }),
};

const tags = ['users'];

export const USER_ROUTES: RouteDef[] = [
  { method: 'POST', url: '/api/v1/users', command: 'users.register', tags, status: 201, reply: withMeta },
  { method: 'POST', url: '/api/v1/user.login', command: 'users.login', tags, reply: withMeta },
  { method: 'GET', url: '/api/v1/me', command: 'users.get', tags, summary: 'The calling user' },
  { method: 'PATCH', url: '/api/v1/me', command: 'users.update', tags, omit: ['user_id'], summary: 'Update your profile; emits user.updated' },
  {
    method: 'PUT',
    url: '/api/v1/me/password',
    command: 'users.change_password',
    tags,
    omit: ['user_id'],
    summary: 'Change your password (current_password, new_password): every earlier token of yours is refused and your open connections close (4009); returns a fresh token',
  },
  {
    method: 'PUT',
    url: '/api/v1/users/:id/password',
    command: 'users.change_password',
    tags,
    params: { id: 'user_id' },
    summary: 'Set a user’s password: the user (current_password: theirs), an administrator (current_password: the administrator’s own) or the server API key (none); revokes the user’s earlier tokens and closes their connections',
  },
  { method: 'GET', url: '/api/v1/users/:id', command: 'users.get', tags, params: { id: 'user_id' } },
  { method: 'GET', url: '/api/v1/alerts', command: 'alerts.list', tags, query: ['limit'] },
  { method: 'GET', url: '/api/v1/unread', command: 'reads.unread', tags },
];

/** `POST /api/v1/user.logout`: revokes the bearer token used (not the user's other sessions); 204. */
export function logoutRoute(app: FastifyInstance, commands: Commands): void {
  app.post(
    '/api/v1/user.logout',
    {
      schema: {
        tags,
        summary: 'Log out: this token (and the RTM tokens issued from it) is refused from now on and the connections opened with it close (4009); your other sessions stay',
        response: { 204: Type.Null({ description: 'No Content' }), '4xx': Problem },
      },
    },
    async (req, reply) => {
      const token = req.authToken;
      if (token === null) throw badRequest('the server API key is no session: log out with the user token to revoke');
      await call(commands, 'users.logout', actorOf(req), { token_id: token.id, expires_at: token.expiresAt }, { internal: true });
      return reply.status(204).send();
    },
  );
}
