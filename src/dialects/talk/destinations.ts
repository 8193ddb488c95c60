// Where a STOMP destination goes (docs/dialects/talk-and-travel.md, "Destinations"): the document's
// chat destinations served from Herald's events, the SEND destinations that run commands, the session's
// own `/user/queue/errors`, and everything else to the broker (`/topic/...`, `/queue/...`, other paths).
import type { TalkChannel } from './render.js';

/** SEND destinations that run Herald commands (the document's four, and posting a message). */
export const CHAT_ACTIONS = ['events.joinChat', 'events.leaveChat', 'events.startTyping', 'events.stopTyping', 'messages.send'] as const;
export type ChatAction = (typeof CHAT_ACTIONS)[number];

export const ERRORS_DESTINATION = '/user/queue/errors';

export type Route =
  | { readonly kind: 'talk'; readonly chatId: number; readonly channel: TalkChannel }
  | { readonly kind: 'chat'; readonly action: ChatAction }
  /** `/chat/...` that is none of the actions. */
  | { readonly kind: 'chat_unknown' }
  | { readonly kind: 'errors' }
  /** Another `/user/...` destination: nothing serves it. */
  | { readonly kind: 'user_unknown' }
  | { readonly kind: 'broker' };

const TALK = /^\/countries\/([1-9][0-9]{0,14})\/(events|messages|updates)$/;
const CHAT = '/chat/';

export function routeOf(destination: string): Route {
  const t = TALK.exec(destination);
  if (t !== null) return { kind: 'talk', chatId: Number(t[1]), channel: t[2] as TalkChannel };
  if (destination.startsWith(CHAT)) {
    const action = destination.slice(CHAT.length);
    return (CHAT_ACTIONS as readonly string[]).includes(action) ? { kind: 'chat', action: action as ChatAction } : { kind: 'chat_unknown' };
  }
  if (destination === ERRORS_DESTINATION) return { kind: 'errors' };
  if (destination.startsWith('/user/')) return { kind: 'user_unknown' };
  return { kind: 'broker' };
}
