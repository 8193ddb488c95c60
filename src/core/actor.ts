// Who is acting on a command: a user, or the app's backend with the server API key (optionally on
// behalf of a user). Every transport turns its credentials into one of these (gateway/auth.ts).

export interface Actor {
  userId: number | null;
  server: boolean;
}

export const asUser = (userId: number): Actor => ({ userId, server: false });
export const SERVER: Actor = { userId: null, server: true };
/** No credentials: only commands declared `anonymous` (sign-up, login) accept it. */
export const ANONYMOUS: Actor = { userId: null, server: false };
export const isAnonymous = (a: Actor): boolean => a.userId === null && !a.server;
