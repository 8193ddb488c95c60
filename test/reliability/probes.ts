// One probe per transport for the authorisation tests: presents a credential the way that transport's
// client does and says whether Herald let it in. Every probe answers "accepted" only on real access.
import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { WsClient, SseStream, isRefused } from '../helpers/realtime.js';

export interface Verdict {
  transport: string;
  accepted: boolean;
  /** Status code or close code, for the report. */
  detail: string;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function rest(base: string, token: string): Promise<Verdict> {
  const r = await fetch(`${base}/api/v1/me`, { headers: bearer(token) });
  await r.text();
  return { transport: 'rest', accepted: r.status < 300, detail: String(r.status) };
}

export async function nativeWs(base: string, token: string): Promise<Verdict> {
  const c = await WsClient.open(`${base.replace('http', 'ws')}/api/v1/ws`, bearer(token));
  if (isRefused(c)) return { transport: 'native-ws', accepted: false, detail: String(c.status) };
  const welcomed = await c.next((f) => f.type === 'session.welcome', 2000).then(
    () => true,
    () => false,
  );
  await c.close();
  return { transport: 'native-ws', accepted: welcomed, detail: welcomed ? 'welcome' : `open, close ${c.closeCode}` };
}

async function sse(url: string, headers: Record<string, string>, transport: string): Promise<Verdict> {
  const s = new SseStream(url, headers);
  const status = await s.ready();
  s.close();
  return { transport, accepted: status === 200, detail: String(status) };
}

export const nativeSse = (base: string, token: string) => sse(`${base}/api/v1/events`, bearer(token), 'native-sse');
export const tracimStream = (base: string, userId: number, token: string) => sse(`${base}/api/users/${userId}/live_messages`, bearer(token), 'tracim-stream');
export const tracimStreamCookie = (base: string, userId: number, token: string) => sse(`${base}/api/users/${userId}/live_messages`, { cookie: `session_key=${encodeURIComponent(token)}` }, 'tracim-stream-cookie');

export async function tracimRest(base: string, token: string): Promise<Verdict> {
  const r = await fetch(`${base}/api/auth/whoami`, { headers: bearer(token) });
  await r.text();
  return { transport: 'tracim-rest', accepted: r.status < 300, detail: String(r.status) };
}

export async function tracimCookie(base: string, token: string): Promise<Verdict> {
  const r = await fetch(`${base}/api/auth/whoami`, { headers: { cookie: `session_key=${encodeURIComponent(token)}` } });
  await r.text();
  return { transport: 'tracim-cookie', accepted: r.status < 300, detail: String(r.status) };
}

export async function rtmConnect(base: string, token: string): Promise<Verdict> {
  const r = await fetch(`${base}/api/v1/rtm.connect`, { method: 'POST', headers: bearer(token) });
  await r.text();
  return { transport: 'rtm.connect', accepted: r.status < 300, detail: String(r.status) };
}

/** ws_auth with `token` as the first frame; accepted when a following ws_ping is answered. */
export async function wsAuth(base: string, token: string): Promise<Verdict> {
  const c = await WsClient.open(`${base.replace('http', 'ws')}/rtm`);
  if (isRefused(c)) return { transport: 'ws_auth', accepted: false, detail: `upgrade ${c.status}` };
  c.sendJson({ command: 'ws_auth', auth_token: token });
  c.sendJson({ command: 'ws_ping' });
  const outcome = await Promise.race([c.next((f) => f.event === 'pong', 3000).then(() => 'pong', () => 'timeout'), c.closed.then(() => 'closed')]);
  c.terminate();
  return { transport: 'ws_auth', accepted: outcome === 'pong', detail: outcome === 'closed' ? `close ${c.closeCode}` : outcome };
}

// ---- tokens ------------------------------------------------------------------------------------------

const key = (secret: string) => new TextEncoder().encode(secret);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

export interface TokenClaims {
  sub: string;
  purpose: 'api' | 'rtm';
  [k: string]: unknown;
}

/**
 * HS256 with `secret`; `exp` relative to now in seconds, or null for no expiry. Carries the revocation
 * claims a Herald token has (a random `jti`, credential generation `gen` 0) unless `claims` overrides them
 * (`undefined` leaves one out), so each case is refused for its own reason.
 */
export function signed(secret: string, claims: TokenClaims, expIn: number | null): Promise<string> {
  const jwt = new SignJWT({ jti: randomBytes(12).toString('base64url'), gen: 0, ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now() - 10);
  if (expIn !== null) jwt.setExpirationTime(now() + expIn);
  return jwt.sign(key(secret));
}

/** `alg: none`: a header and payload with an empty signature. */
export function unsigned(claims: TokenClaims): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iat: now(), exp: now() + 3600 })}.`;
}

/** A real token whose payload is swapped for another user's (the signature no longer matches). */
export function forged(token: string, claims: TokenClaims): string {
  const [h, , s] = token.split('.');
  return `${h}.${b64({ ...claims, iat: now(), exp: now() + 3600 })}.${s}`;
}

/** A real token with its signature changed. */
export function tampered(token: string): string {
  const [h, p, s] = token.split('.');
  return `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
}
