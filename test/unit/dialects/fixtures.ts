// Snapshot builders for the dialect renderer tests: plain objects of the core's view types, with every
// field set explicitly so each test states the values its expected wire shape is written from.
import type { FileView, MemberView, MessageView, SpaceSummary, SpaceView, UserRef } from '../../../src/core/model.js';
import type { HeraldEvent } from '../../../src/events/types.js';

export function user(id: number, over: Partial<UserRef> = {}): UserRef {
  return { id, uuid: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`, username: `user${id}`, email: `user${id}@example.test`, display_name: `User ${id}`, has_avatar: false, is_admin: false, last_active_at: 0, ...over };
}

export function member(u: UserRef, joined_at = 1_600_000_000_000): MemberView {
  return { user: u, role: 'member', joined_at };
}

export function space(over: Partial<SpaceView> = {}): SpaceView {
  return {
    id: 42,
    uuid: '9d78163c-1144-485a-92c6-6015afc6cd40',
    name: 'a name',
    description: '',
    kind: 'multi',
    access: 'confidential',
    owner_id: 1234,
    created_by: 1234,
    created_at: 1597877421453,
    updated_at: 1597877421453,
    last_active_at: 1597877421453,
    deleted: false,
    members: [],
    ...over,
  };
}

export function summary(s: SpaceView): SpaceSummary {
  const { members: _m, ...rest } = s;
  return rest;
}

export function file(over: Partial<FileView> = {}): FileView {
  return { id: 9, uuid: '238fd179-ec79-4eff-bc03-3f491c335838', space_id: 42, name: 'photo.jpg', mimetype: 'image/jpeg', size: 2048, path: '/spaces/42/files/9/photo.jpg', uploaded_by: 1234, created_at: 1597877384794, ...over };
}

export function message(over: Partial<MessageView> = {}): MessageView {
  return {
    id: 812,
    uuid: 'c87efd18-8879-4c24-8b26-ccb7f40a0fe5',
    space_id: 42,
    space_kind: 'multi',
    author: user(1234),
    kind: 'message',
    content: '<some content>',
    meta: null,
    parent_id: null,
    attachments: [],
    reactions: [],
    read_by: [],
    mentions: [],
    mentions_all: false,
    is_edited: false,
    created_at: 1597877384794,
    updated_at: 1597877384794,
    ...over,
  };
}

/** A delivered canonical event as a renderer sees it. */
export function at<T extends HeraldEvent>(ev: T, id: number | null, time: number): T & { id: number | null; at: number } {
  return { ...ev, id, at: time };
}

/** One event of every type that carries no chat content a Dino/Moobius client is shown (for "renders to null" checks). */
export function unrelatedEvents(): HeraldEvent[] {
  const u = user(7);
  const m = message();
  return [
    { type: 'user.created', data: { user: u } },
    { type: 'user.updated', data: { user: u, actor_id: 7, author: u } },
    { type: 'reaction.added', data: { message: m, user: u, emoji: '👍' } },
    { type: 'reaction.removed', data: { message: m, user: u, emoji: '👍' } },
    { type: 'unread.updated', data: { unread: { user_id: 7, space_id: 42, space_unread: 0, total_unread: 0, oldest_unread_id: 0 }, all_read: true } },
    { type: 'lock.acquired', data: { lock: { id: 1, file_id: 9, space_id: 42, user_id: 7, path: '/x', acquired_at: 0 } } },
    { type: 'lock.released', data: { lock: { id: 1, file_id: 9, space_id: 42, user_id: 7, path: '/x', acquired_at: 0 }, actor_id: 7 } },
    { type: 'action.created', data: { action: { id: 1, uuid: 'a', space_id: 42, name: 'n', description: '', type: 1, status: 0, due_at: null, assignee_id: null, created_by: 7, created_at: 0, updated_by: null, updated_at: null } } },
    { type: 'alert.created', data: { alert: { id: 1, user_id: 7, kind: 'mention', from: u, space_id: 42, message_id: 812, text: 't', is_read: false, created_at: 0 } } },
    { type: 'user.deleted', data: { user: u, actor_id: 1, author: null } },
    { type: 'call.created', data: { call: { id: 1, caller: u, callee: user(8), state: 'in_progress', url: '', created_at: 0, updated_at: 0 }, author: null } },
    { type: 'custom.poll', data: { space_id: 42, payload: { q: 1 }, actor_id: null } },
  ];
}
