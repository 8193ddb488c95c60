// ACK and NACK (STOMP 1.2, "ACK", "NACK"): settle a queue delivery in a client ack mode through the
// broker core (NACK: redelivered, to another consumer when there is one). A message of an event or
// topic subscription has nothing to settle: the frame is accepted and does nothing. Inside a
// transaction the frame waits for COMMIT.
import { required, type SessionContext } from '../session-context.js';
import type { StompFrame } from '../stomp-codec.js';

/** The id a client acknowledges: 1.2 `id` (the MESSAGE's `ack`), 1.0 / 1.1 `message-id`. */
function ackId(s: SessionContext, f: StompFrame): string {
  return s.version === '1.2' ? required(f, 'id') : required(f, 'message-id');
}

export function ack(s: SessionContext, f: StompFrame): Promise<void> | void {
  ackId(s, f);
  const tx = f.headers.transaction;
  if (tx !== undefined) return s.transactions.add(tx, f);
  applyAck(s, f);
}

export function applyAck(s: SessionContext, f: StompFrame): void {
  const id = ackId(s, f);
  if (!/^[0-9]{1,15}$/.test(id)) return;
  const tag = s.subs.settle(Number(id));
  if (tag === null) return;
  const core = s.deps.host.broker.core;
  if (f.command === 'NACK') core.nack(s.broker, tag);
  else core.ack(s.broker, tag);
}
