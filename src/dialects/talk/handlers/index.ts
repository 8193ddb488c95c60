// One handler per client frame of a connected session (CONNECT and STOMP are handled before, in
// protocol.ts). Each either completes (the session then sends the RECEIPT asked for) or throws a
// StompError (the session sends ERROR and closes).
import type { SessionContext } from '../session-context.js';
import type { StompFrame } from '../stomp-codec.js';
import { ack, applyAck } from './ack.js';
import { send, applySend } from './send.js';
import { subscribe, unsubscribe } from './subscribe.js';
import { abort, begin, commit } from './transaction.js';

export type Handler = (s: SessionContext, f: StompFrame) => Promise<void> | void;

export const HANDLERS: Readonly<Record<string, Handler>> = {
  SEND: send,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: unsubscribe,
  ACK: ack,
  NACK: ack,
  BEGIN: begin,
  COMMIT: commit,
  ABORT: abort,
  DISCONNECT: (s, f) => s.disconnect(f.headers.receipt),
};

/** A SEND, ACK or NACK applied now (outside a transaction, or at its COMMIT). */
export function applyFrame(s: SessionContext, f: StompFrame): Promise<void> | void {
  return f.command === 'SEND' ? applySend(s, f) : applyAck(s, f);
}
