// Spaces (groups, channels, workspaces), members and roles, typing, read-all, action items.
import { under, type RouteDef } from '../rest.js';

const tags = ['spaces'];
const space = { id: 'space_id' };
const member = { id: 'space_id', userId: 'user_id' };

export const SPACE_ROUTES: RouteDef[] = [
  { method: 'POST', url: '/api/v1/spaces', command: 'spaces.create', tags, statusOf: { statuses: [200, 201], pick: (r) => ((r as { created: boolean }).created ? 201 : 200) } },
  { method: 'GET', url: '/api/v1/spaces', command: 'spaces.list', tags },
  { method: 'GET', url: '/api/v1/spaces/:id', command: 'spaces.get', tags, params: space },
  { method: 'PATCH', url: '/api/v1/spaces/:id', command: 'spaces.update', tags, params: space },
  { method: 'DELETE', url: '/api/v1/spaces/:id', command: 'spaces.delete', tags, params: space, status: 204 },
  { method: 'POST', url: '/api/v1/spaces/:id/members', command: 'members.add', tags, params: space, status: 201 },
  { method: 'PATCH', url: '/api/v1/spaces/:id/members/:userId', command: 'members.set_role', tags, params: member },
  { method: 'DELETE', url: '/api/v1/spaces/:id/members/:userId', command: 'members.remove', tags, params: member, status: 204 },
  { method: 'POST', url: '/api/v1/spaces/:id/typing', command: 'typing.start', tags, params: space },
  { method: 'POST', url: '/api/v1/spaces/:id/read', command: 'reads.mark_all', tags, params: space, reply: under('unread') },
  { method: 'GET', url: '/api/v1/spaces/:id/actions', command: 'actions.list', tags: ['actions'], params: space },
  { method: 'POST', url: '/api/v1/spaces/:id/actions', command: 'actions.create', tags: ['actions'], params: space, status: 201 },
  { method: 'PATCH', url: '/api/v1/actions/:id', command: 'actions.update', tags: ['actions'], params: { id: 'action_id' } },
  { method: 'DELETE', url: '/api/v1/actions/:id', command: 'actions.delete', tags: ['actions'], params: { id: 'action_id' }, status: 204 },
];
