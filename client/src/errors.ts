// Typed errors of the SDK. A command rejects with CommandError; `code` says whether the server refused it
// (its `command.error` codes) or the SDK gave up waiting (`timeout`, `disconnected`, `closed`).
import type { ServerErrorCode } from './types.js';

/**
 * - a server code (`bad_request`, `forbidden`, …): the server answered `command.error` (or the REST fallback a problem JSON);
 * - `timeout`: no answer within the command's timeout (it may still run on the server);
 * - `disconnected`: the connection dropped after the command was sent (it may or may not have run: the
 *   SDK does not resend, so a post is never duplicated; check the events after the resume);
 * - `closed`: `close()` was called before the command could be sent.
 */
export type CommandErrorCode = ServerErrorCode | 'timeout' | 'disconnected' | 'closed';

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: CommandErrorCode,
    message: string,
    /** The native command (`post`, `react`, …). */
    readonly command: string,
    readonly requestId: string | number | null = null,
  ) {
    super(message);
  }

  /** A command run over REST (the SSE fallback) failed: an ApiError keeps its code, anything else is a lost request. */
  static fromRest(e: unknown, command: string, requestId: number): CommandError {
    if (e instanceof ApiError) return new CommandError(e.code as ServerErrorCode, e.message, command, requestId);
    return new CommandError('disconnected', `the request for ${command} failed: ${e instanceof Error ? e.message : String(e)}`, command, requestId);
  }
}

/** A REST call answered with an error status (problem JSON: `code`, `title`). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server refused the token and no `refreshToken` callback gave a new one: the client stops. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    /** `unauthenticated`: the token is not (or no longer) valid; `revoked`: closed with 4009 (logout, password change, deleted account). */
    readonly reason: 'unauthenticated' | 'revoked',
    message: string,
  ) {
    super(message);
  }
}
