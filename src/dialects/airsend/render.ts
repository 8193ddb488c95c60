// Canonical events → AirSend RTM frames {"meta":{"api":"v1"},"event":...,"payload":...}.
// `render` runs once per event and view for every AirSend connection; `accepts` narrows channel events to
// the channel's members (other dialects may deliver open-space events to every user). The frames AirSend
// adds per recipient (channel.update after membership changes, user.profileUpdate per shared channel)
// are in extras.ts.
import type { Delivered } from '../../events/types.js';
import type { SpaceView } from '../../core/model.js';
import type { SpaceStats } from '../../core/conversation.js';
import type { Renderer } from '../render.js';
import { airAction, airAlert, airChannel, airLock, airMessage, airUnread, airUser } from './format.js';

export interface AirSendRenderOptions {
  /** display_name of bot messages ("AirBot"). */
  botName: string;
  isOnline: (userId: number) => boolean;
}

export function airEnvelope(event: string, payload: unknown): string {
  return JSON.stringify({ meta: { api: 'v1' }, event, payload });
}

/** One frame for one canonical event, or null when AirSend clients never see it. */
export function renderAirSend(ev: Delivered, o: AirSendRenderOptions): string | null {
  switch (ev.type) {
    case 'message.created':
      return airEnvelope('chat.postMessage', { message: airMessage(ev.data.message, o.botName) });
    case 'message.updated':
    case 'message.read':
    case 'reaction.added':
    case 'reaction.removed':
      return airEnvelope('chat.updateMessage', { message: airMessage(ev.data.message, o.botName) });
    case 'message.deleted':
      return airEnvelope('chat.deleteMessage', { message_id: ev.data.message.id, channel_id: ev.data.message.space_id });
    case 'space.created':
      return airEnvelope('channel.create', { channel: airChannel(ev.data.space, o.isOnline, false, ev.data.stats, o.botName) });
    case 'space.updated':
    case 'member.updated':
      return airEnvelope('channel.update', { channel: airChannel(ev.data.space, o.isOnline, true, ev.data.stats, o.botName) });
    case 'space.deleted':
      return airEnvelope('channel.remove', { channel_id: ev.data.space.id });
    case 'member.added':
      return airEnvelope('user_added.channel', { channel_id: ev.data.space.id, user: airUser(ev.data.member.user, o.isOnline(ev.data.member.user.id)) });
    case 'member.removed':
      return airEnvelope('user_removed.channel', {
        removed_user_id: ev.data.member.user.id,
        // 0 when the server API key removed the user (neither a leave nor a kick by a user).
        removed_by_user_id: ev.data.actor_id ?? 0,
        channel_id: ev.data.space.id,
      });
    case 'typing.started':
      return airEnvelope('chat.userTyping', { user: airUser(ev.data.user, o.isOnline(ev.data.user.id)), channel_id: ev.data.space_id });
    case 'presence.online':
      return airEnvelope('user.online', { user: airUser(ev.data.user, true), channel_id: ev.data.space_id });
    case 'presence.offline':
      return airEnvelope('user.offline', { user: airUser(ev.data.user, false), channel_id: ev.data.space_id });
    case 'alert.created':
      return airEnvelope('alert.notification', airAlert(ev.data.alert, o.isOnline));
    case 'action.created':
      return airEnvelope('action.create', { action: airAction(ev.data.action), channel_id: ev.data.action.space_id });
    case 'action.updated':
      return airEnvelope('action.update', { action: airAction(ev.data.action), channel_id: ev.data.action.space_id });
    case 'action.deleted':
      return airEnvelope('action.delete', { action: airAction(ev.data.action), channel_id: ev.data.action.space_id, action_id: ev.data.action.id });
    case 'unread.updated':
      return airEnvelope('chat.unreadCountUpdate', airUnread(ev.data.unread));
    case 'lock.acquired':
      return airEnvelope('lock.acquire', airLock(ev.data.lock, ev.data.lock.user_id));
    case 'lock.released':
      return airEnvelope('lock.release', airLock(ev.data.lock, ev.data.actor_id ?? ev.data.lock.user_id));
    // user.updated: one `user.profileUpdate` per shared channel, per recipient (extras.ts).
    default:
      return renderOther(ev, o);
  }
}

/** Events outside the AirSend document: restored channels, and custom events published by an app's backend. */
function renderOther(ev: Delivered, o: AirSendRenderOptions): string | null {
  const type: string = ev.type;
  if (type === 'space.undeleted') {
    const d = ev.data as { space: SpaceView; stats?: SpaceStats };
    return airEnvelope('channel.create', { channel: airChannel(d.space, o.isOnline, false, d.stats, o.botName) });
  }
  if (type.startsWith('custom.')) {
    const data = ev.data as { space_id: number | null; payload: Record<string, unknown> };
    return airEnvelope(type, { channel_id: data.space_id, payload: data.payload });
  }
  return null;
}

// ---- per-recipient selection ----------------------------------------------------------------------------

const memberSets = new WeakMap<SpaceView, Set<number>>();

function membersOf(space: SpaceView): Set<number> {
  let s = memberSets.get(space);
  if (s === undefined) memberSets.set(space, (s = new Set(space.members.map((m) => m.user.id))));
  return s;
}

/** Channel events go to the users associated with the channel only (and a removed user learns of it). */
export function acceptsAirSend(ev: Delivered, userId: number): boolean {
  switch (ev.type) {
    case 'space.created':
    case 'space.updated':
    case 'space.deleted':
    case 'member.added':
    case 'member.updated':
      return membersOf(ev.data.space).has(userId);
    case 'member.removed':
      return userId === ev.data.member.user.id || membersOf(ev.data.space).has(userId);
    default: {
      const type: string = ev.type;
      if (type === 'space.undeleted') return membersOf((ev.data as { space: SpaceView }).space).has(userId);
      return true;
    }
  }
}

export function airsendRenderer(o: AirSendRenderOptions): Renderer {
  return {
    name: 'airsend',
    // User objects carry `email`: blank in the public view.
    privateFields: true,
    render: (ev) => renderAirSend(ev, o),
    accepts: acceptsAirSend,
  };
}
