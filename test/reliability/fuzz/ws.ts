// Shared by the WebSocket surfaces: odd frames (binary, invalid UTF-8, oversized) and the verdict on how a
// connection took a frame: a 1011 or 1006 close, or silence past the timeout, fails; a protocol close
// (1007, 1008, 1009, 4xxx) is the expected answer to garbage and is tallied.
import type { Rng } from '../../helpers/rng.js';
import type { WsClient } from '../../helpers/realtime.js';
import { anyJson, mutateText, mutateValue, type Tally } from './harness.js';

export type WsPayload = { text: string } | { bytes: Buffer; binary: boolean };

/** Frames no JSON generator makes: binary, invalid UTF-8 sent as text, larger than the frame limit, empty. */
export function oddFrame(rng: Rng): WsPayload {
  switch (rng.int(0, 4)) {
    case 0:
      return { bytes: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), binary: false };
    case 1:
      return { bytes: Buffer.from(JSON.stringify({ type: 'ping' })), binary: true };
    case 2:
      return { text: 'x'.repeat(70 * 1024) };
    case 3:
      return { text: '' };
    default:
      return { bytes: Buffer.alloc(rng.int(1, 64), rng.int(0, 255)), binary: rng.chance(0.5) };
  }
}

/** The mix every JSON frame surface sends: `valid` as is, mutated structurally or textually, any JSON, or an odd frame. */
export function mixFrame(valid: unknown, rng: Rng): WsPayload {
  const x = rng.next();
  if (x < 0.4) return { text: JSON.stringify(valid) };
  if (x < 0.65) return { text: JSON.stringify(mutateValue(valid, rng)) };
  if (x < 0.85) return { text: mutateText(JSON.stringify(valid), rng) };
  if (x < 0.93) return { text: JSON.stringify(anyJson(rng, 4)) };
  return oddFrame(rng);
}

export function sendPayload(c: WsClient, p: WsPayload): void {
  if ('text' in p) c.send(p.text);
  else c.sendRaw(p.bytes, p.binary);
}

export const describe = (p: WsPayload): string => ('text' in p ? p.text.slice(0, 200) : `<${p.binary ? 'binary' : 'raw text'} ${p.bytes.length} bytes>`);

/**
 * Waits until `answered()` or the connection closes; tallies the outcome and records failures.
 * Returns false when the connection is gone (the caller reconnects).
 */
export async function verdict(c: WsClient, answered: () => boolean, tally: Tally, what: string, timeoutMs = 5000): Promise<boolean> {
  const closed = c.closed.then(() => 'closed' as const);
  const answer = c.next(() => answered(), timeoutMs).then(
    () => 'answer' as const,
    () => 'timeout' as const,
  );
  const r = await Promise.race([answer, closed]);
  if (r === 'answer') return true;
  if (r === 'timeout') {
    tally.fail(`no answer within ${timeoutMs} ms to ${what}`);
    return false;
  }
  const code = c.closeCode ?? 0;
  tally.saw(`close ${code}`);
  if (code === 1011 || code === 1006) tally.fail(`connection closed with ${code} (${c.closeReason}) after ${what}`);
  return false;
}
