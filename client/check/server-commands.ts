// Compile-time agreement between the SDK's command map and the server's command table (compiled by the
// root tsconfig only, so the published package does not drag the server's types in). If a command's input
// or result, or an event field an app reads, changes on the server, `npm run build` fails here until
// client/src/types.ts follows.
import type { InputOf, OutputOf } from '../../src/commands/index.js';
import type { HeraldRest } from '../src/rest.js';
import type { CommandMap, CreateSpaceInput, EventOfType, HeraldEventFrame } from '../src/types.js';

/** The native wire names and the table commands they run (src/dialects/native/commands.ts, WIRE). */
interface Wire {
  post: 'messages.post';
  edit: 'messages.edit';
  delete: 'messages.delete';
  typing: 'typing.start';
  typing_stop: 'typing.stop';
  read: 'reads.mark';
  read_all: 'reads.mark_all';
  react: 'reactions.add';
  unreact: 'reactions.remove';
}

type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Fits<Server, Client> = [Server] extends [Client] ? true : false;

/** Inputs: what the client may send is exactly what the server accepts. Results: what the server returns fits the client's type. */
type Agreement = {
  [K in keyof Wire]: [Mutual<CommandMap[K]['input'], InputOf<Wire[K]>>, Fits<OutputOf<Wire[K]>, CommandMap[K]['result']>];
};
type AllTrue<T> = { [K in keyof T]: T[K] extends [true, true] ? true : false }[keyof T];

const agree = <T extends true>(_: T[] = []) => undefined;
agree<AllTrue<Agreement>>();

/** The REST helpers' results: what the server returns fits what the helper promises. */
type Result<M extends keyof HeraldRest> = HeraldRest[M] extends (...a: never[]) => Promise<infer R> ? R : never;
type Rest = [
  Fits<OutputOf<'users.login'>, Result<'login'>>,
  Fits<OutputOf<'users.register'>, Result<'register'>>,
  Fits<OutputOf<'users.get'>, Result<'me'>>,
  Fits<OutputOf<'spaces.list'>, Result<'listSpaces'>>,
  Fits<OutputOf<'spaces.create'>, Result<'createSpace'>>,
  Fits<OutputOf<'spaces.get'>, Result<'getSpace'>>,
  Fits<OutputOf<'messages.post'>, Result<'postMessage'>>,
  Fits<OutputOf<'messages.list'>, Result<'listMessages'>>,
  Fits<OutputOf<'messages.edit'>, Result<'editMessage'>>,
  Fits<OutputOf<'reactions.add'>, Result<'react'>>,
  Fits<OutputOf<'reads.mark'>, Result<'markRead'>>,
  Fits<OutputOf<'reads.mark_all'>, Result<'markAllRead'>>,
  Fits<OutputOf<'reads.unread'>, Result<'unread'>>,
  Fits<OutputOf<'typing.start'>, Result<'typing'>>,
  /** Inputs: the helper sends what the server accepts. */
  Mutual<CreateSpaceInput, InputOf<'spaces.create'>>,
];
agree<Rest[number]>();

/** How an app reads events: narrowing by `type` must keep working (a renamed field breaks this function). */
export function _usage(ev: HeraldEventFrame): string | number | null {
  switch (ev.type) {
    case 'message.created':
      return ev.id + ev.data.message.content.length + ev.data.space.id;
    case 'reaction.added':
      return ev.data.emoji + ev.data.user.display_name;
    case 'typing.started':
      return ev.id ?? ev.data.space_id;
    case 'unread.updated':
      return ev.data.unread.total_unread;
  }
  const custom: EventOfType<'custom.poll'> | null = ev.type.startsWith('custom.') ? (ev as EventOfType<'custom.poll'>) : null;
  return custom ? custom.data.space_id : null;
}
