// A STOMP protocol violation, thrown by handlers and answered by the session with an ERROR frame and
// the end of the connection; and the check for a frame's required headers.
import type { StompFrame } from './stomp-codec.js';

/**
 * A protocol violation: the session answers with an ERROR frame (`message` header, `detail` as the body,
 * `receipt-id` of the offending frame) and closes the connection (STOMP 1.2, "ERROR").
 */
export class StompError extends Error {
  constructor(
    message: string,
    readonly detail = '',
    /** More ERROR headers (`version` when no version could be agreed). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** A header that must be present (STOMP 1.2 lists the required headers of each frame). */
export function required(frame: StompFrame, name: string): string {
  const v = frame.headers[name];
  if (v === undefined) throw new StompError(`${frame.command} needs a ${name} header`);
  return v;
}
