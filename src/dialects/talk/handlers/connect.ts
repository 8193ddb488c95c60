// CONNECT and STOMP (STOMP 1.2, "Connecting"): the version both sides speak, the heart-beats, and the
// credentials. Pure: protocol.ts authenticates with them and answers CONNECTED or ERROR.
import type { Credentials } from '../../../gateway/auth.js';
import { StompError } from '../session-context.js';
import type { StompFrame, StompVersion } from '../stomp-codec.js';

export const SUPPORTED_VERSIONS: readonly StompVersion[] = ['1.2', '1.1', '1.0'];

export interface ConnectTerms {
  version: StompVersion;
  /** Negotiated intervals, ms (0: none): `out` the server sends at, `in` it expects the client's at. */
  heartbeat: { out: number; in: number };
  /** The CONNECTED `heart-beat` header: what the server offers. */
  serverHeartbeat: string;
  credentials: Credentials;
}

/** The highest version in `accept-version` (absent: 1.0, as the specification says). */
export function negotiateVersion(acceptVersion: string | undefined): StompVersion {
  if (acceptVersion === undefined) return '1.0';
  const offered = acceptVersion.split(',').map((v) => v.trim());
  const v = SUPPORTED_VERSIONS.find((s) => offered.includes(s));
  if (v === undefined) throw new StompError('Supported protocol versions are 1.0 1.1 1.2', `the client accepts ${acceptVersion}`, { version: '1.0,1.1,1.2' });
  return v;
}

/**
 * `heart-beat: cx,cy` against the server's `serverMs` both ways: the server sends every max(serverMs, cy)
 * unless either is 0, and expects the client's every max(serverMs, cx) unless either is 0.
 */
export function negotiateHeartbeat(header: string | undefined, serverMs: number): { out: number; in: number } {
  if (header === undefined) return { out: 0, in: 0 };
  const m = /^\s*([0-9]{1,9})\s*,\s*([0-9]{1,9})\s*$/.exec(header);
  if (m === null) throw new StompError('invalid heart-beat header', `expected two numbers of milliseconds, e.g. "10000,10000"; got "${header.slice(0, 64)}"`);
  const cx = Number(m[1]);
  const cy = Number(m[2]);
  return { out: serverMs === 0 || cy === 0 ? 0 : Math.max(serverMs, cy), in: serverMs === 0 || cx === 0 ? 0 : Math.max(serverMs, cx) };
}

/** A header by name, ignoring case (`Authorization` as browsers and stompjs users write it). */
function header(frame: StompFrame, name: string): string | undefined {
  const exact = frame.headers[name];
  if (exact !== undefined) return exact;
  for (const [k, v] of Object.entries(frame.headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/**
 * A Herald token: `Authorization: Bearer <token>`, or `passcode: <token>` (with `login`: the user's id or
 * name, which must match the token's user).
 */
export function credentialsOf(frame: StompFrame): Credentials {
  const login = frame.headers.login;
  const auth = header(frame, 'authorization');
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth.trim());
    if (m === null) throw new StompError('authentication failed', 'the Authorization header must be "Bearer <Herald token>"');
    return login === undefined || login === '' ? { token: m[1] } : { token: m[1], login };
  }
  const passcode = frame.headers.passcode;
  if (passcode !== undefined && passcode !== '') return login === undefined || login === '' ? { token: passcode } : { token: passcode, login };
  throw new StompError('authentication required', 'send a Herald token: an "Authorization: Bearer <token>" header, or "passcode: <token>" with "login: <user id or name>"');
}

export function negotiate(frame: StompFrame, serverHeartbeatMs: number): ConnectTerms {
  const version = negotiateVersion(frame.headers['accept-version']);
  const heartbeat = negotiateHeartbeat(frame.headers['heart-beat'], serverHeartbeatMs);
  return { version, heartbeat, serverHeartbeat: `${serverHeartbeatMs},${serverHeartbeatMs}`, credentials: credentialsOf(frame) };
}
