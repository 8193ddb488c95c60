// What the Tracim HTTP routes need from their host, and nothing more: the command table, the one
// authentication function, storage for uploaded files and the user's feed (for the inbox).
import type { Commands } from '../../../commands/command.js';
import type { Credentials, Principal } from '../../../gateway/auth.js';
import type { FileStorage } from '../../../files/store.js';

/** One event of a user's feed, as the log stored it. */
export interface FeedEvent {
  id: number;
  type: string;
  at: number;
  data: unknown;
}

export interface TracimRouteDeps {
  commands: Commands;
  /** The one authentication path (bearer token, server API key with X-Herald-User, session cookie token). */
  authenticate(credentials: Credentials): Promise<Principal>;
  /** Where uploaded file contents are stored. */
  files: FileStorage;
  /** The events addressed to `userId` after position `after`, oldest first, at most `limit`. */
  feed(userId: number, after: number, limit: number): Promise<FeedEvent[]>;
  /** Lifetime of the login session cookie, in seconds (the token's). */
  sessionSeconds: number;
  /** How long a deleted file content keeps its stored file (ms): the event log's retention. */
  fileRetentionMs: number;
}

export const SESSION_COOKIE = 'session_key';
