// Typed errors every command can return. Transports map `code` to their own error form
// (HTTP problem JSON, native `command.error`, dialect-specific frames).
export type ErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  /** A dependency (the database) cannot be reached: nothing was done; retry shortly. */
  | 'unavailable';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

export class HeraldError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export const badRequest = (m: string) => new HeraldError('bad_request', m);
export const forbidden = (m: string) => new HeraldError('forbidden', m);
export const notFound = (what: string) => new HeraldError('not_found', `${what} not found`);
export const conflict = (m: string) => new HeraldError('conflict', m);
/** The database (or another dependency) is unreachable; the command did not take effect and may be retried. */
export const unavailable = (m = 'the database is unavailable; retry in a few seconds') => new HeraldError('unavailable', m);
