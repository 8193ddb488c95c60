// BEGIN, COMMIT and ABORT (STOMP 1.2, "BEGIN", "COMMIT", "ABORT"): a COMMIT applies the transaction's
// SEND, ACK and NACK frames in the order they came; an ABORT drops them.
import { required, type SessionContext } from '../session-context.js';
import type { StompFrame } from '../stomp-codec.js';

export function begin(s: SessionContext, f: StompFrame): void {
  s.transactions.begin(required(f, 'transaction'));
}

export async function commit(s: SessionContext, f: StompFrame): Promise<void> {
  for (const frame of s.transactions.commit(required(f, 'transaction'))) {
    if (s.stopped) return;
    await s.apply(frame);
  }
}

export function abort(s: SessionContext, f: StompFrame): void {
  s.transactions.abort(required(f, 'transaction'));
}
