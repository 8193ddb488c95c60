// Errors that reach the client without ending its connection: a refused command (and a few notices
// about its subscriptions) becomes a MESSAGE on `/user/queue/errors`, Spring's convention, carrying a
// typed code and the `receipt` of the frame that caused it. Protocol violations are ERROR frames instead
// (context.ts StompError).
import { HeraldError, type ErrorCode } from '../../core/errors.js';
import { ERRORS_DESTINATION } from './destinations.js';
import type { Subscriptions } from './subscriptions.js';
import type { StompWriter } from './writer.js';

export type TalkErrorCode =
  /** The chat does not exist, or it is not one the user may see. */
  | 'unknown_chat'
  /** `authorId` / `senderId` is not the authenticated user. */
  | 'author_mismatch'
  | 'already_member'
  | 'not_member'
  /** A join the chat does not allow (an on-request chat takes join requests). */
  | 'forbidden'
  /** Another refusal of the chat's rules (e.g. the last owner cannot leave). */
  | 'conflict'
  | 'malformed_json'
  /** Valid JSON that misses a field or has one of the wrong type. */
  | 'invalid_body'
  | 'rate_limited'
  | 'too_large'
  /** The database is unavailable for a moment: send again in a few seconds. */
  | 'unavailable'
  /** A `/chat/...` destination that is none of the documented ones. */
  | 'unknown_destination'
  /** `x-herald-resume` could not be honoured (too old, ahead, another epoch): the subscription starts now. */
  | 'resume_unavailable'
  /** The server ended subscriptions (the user left the group of a broker namespace). */
  | 'subscription_revoked'
  | 'internal_error';

/** A refused chat command, in the client's terms. */
export class TalkCommandError extends Error {
  constructor(
    readonly code: TalkErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The error codes of the command table, in Talk terms (commands whose refusals need more context map them first). */
const FROM_HERALD: Record<ErrorCode, TalkErrorCode> = {
  bad_request: 'invalid_body',
  unauthenticated: 'forbidden',
  forbidden: 'forbidden',
  not_found: 'unknown_chat',
  conflict: 'conflict',
  unavailable: 'unavailable',
  too_large: 'too_large',
  rate_limited: 'rate_limited',
};

export function talkErrorOf(e: HeraldError): TalkCommandError {
  return new TalkCommandError(FROM_HERALD[e.code], e.message);
}

export interface ErrorReport {
  code: TalkErrorCode;
  message: string;
  /** The destination of the frame that failed. */
  destination?: string;
  /** The `receipt` header of that frame. */
  receipt?: string;
  /** The subscriptions concerned (resume and revocation notices). */
  subscriptions?: string[];
}

/**
 * Sends the report to each of the session's `/user/queue/errors` subscriptions. A client that has none
 * does not hear about it (as in Spring); the RECEIPT it asked for still follows.
 */
export function reportError(subs: Subscriptions, writer: StompWriter, r: ErrorReport): void {
  const body = JSON.stringify({ code: r.code, message: r.message, destination: r.destination, receiptId: r.receipt, subscriptions: r.subscriptions });
  for (const sub of subs.errors()) {
    const id = writer.nextId();
    writer.frame(
      'MESSAGE',
      { subscription: sub.id, 'message-id': id, ack: sub.ack === 'auto' ? undefined : id, destination: ERRORS_DESTINATION, 'content-type': 'application/json', 'receipt-id': r.receipt },
      body,
    );
  }
}
