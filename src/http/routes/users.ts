// Sign-up, login, profiles, alerts and unread counts.
import { Type } from '@sinclair/typebox';
import type { RouteDef } from '../rest.js';

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
  { method: 'GET', url: '/api/v1/users/:id', command: 'users.get', tags, params: { id: 'user_id' } },
  { method: 'GET', url: '/api/v1/alerts', command: 'alerts.list', tags, query: ['limit'] },
  { method: 'GET', url: '/api/v1/unread', command: 'reads.unread', tags },
];
