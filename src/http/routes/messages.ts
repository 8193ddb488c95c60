// Messages, edits, deletes, reactions, read receipts and attachments.
import { under, type RouteDef } from '../rest.js';

const tags = ['messages'];
const message = { id: 'message_id' };

export const MESSAGE_ROUTES: RouteDef[] = [
  { method: 'GET', url: '/api/v1/spaces/:id/messages', command: 'messages.list', tags, params: { id: 'space_id' }, query: ['before', 'limit'] },
  { method: 'POST', url: '/api/v1/spaces/:id/messages', command: 'messages.post', tags, params: { id: 'space_id' }, status: 201 },
  { method: 'GET', url: '/api/v1/messages/:id', command: 'messages.get', tags, params: message },
  { method: 'PATCH', url: '/api/v1/messages/:id', command: 'messages.edit', tags, params: message },
  { method: 'DELETE', url: '/api/v1/messages/:id', command: 'messages.delete', tags, params: message, status: 204 },
  { method: 'POST', url: '/api/v1/messages/:id/reactions', command: 'reactions.add', tags, params: message },
  { method: 'DELETE', url: '/api/v1/messages/:id/reactions/:emoji', command: 'reactions.remove', tags, params: { id: 'message_id', emoji: 'emoji' } },
  { method: 'POST', url: '/api/v1/messages/:id/read', command: 'reads.mark', tags, params: message, reply: under('unread') },
  { method: 'DELETE', url: '/api/v1/messages/:id/attachments/:fileId', command: 'attachments.delete', tags, params: { id: 'message_id', fileId: 'file_id' }, status: 204 },
];
