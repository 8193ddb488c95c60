// AirSend's `rtm.connect` over HTTP: the WebSocket endpoint a client can reach, and a short-lived,
// single-purpose ws_token that remembers the feed position (ws_auth replays whatever happens in between).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomInt } from 'node:crypto';
import { HeraldError } from '../../core/errors.js';
import { bearerToken } from '../../gateway/auth.js';
import type { DialectHost } from '../plugin.js';
import { airTime } from './format.js';

/** Path of the AirSend WebSocket endpoint (what rtm.connect's ws_endpoint points at). */
export const AIRSEND_WS_PATH = '/rtm';

const first = (h: string | string[] | undefined): string | undefined => {
  const v = Array.isArray(h) ? h[0] : h;
  const part = v?.split(',')[0]?.trim();
  return part ? part : undefined;
};

/** RFC 7239 `Forwarded: for=..;proto=https;host=example.com` (first element). */
function forwarded(header: string | string[] | undefined): { proto?: string; host?: string } {
  const v = first(header);
  if (!v) return {};
  const out: { proto?: string; host?: string } = {};
  for (const pair of v.split(';')) {
    const [k, raw] = pair.split('=');
    const val = raw?.trim().replace(/^"|"$/g, '');
    if (!val) continue;
    if (k.trim().toLowerCase() === 'proto') out.proto = val;
    if (k.trim().toLowerCase() === 'host') out.host = val;
  }
  return out;
}

/**
 * The WebSocket URL a client can reach: HERALD_PUBLIC_URL when set; otherwise the URL the request came
 * in on, as a proxy describes it (Forwarded, X-Forwarded-Proto/Host/Prefix) or the Host header.
 */
export function wsEndpoint(host: DialectHost, req: FastifyRequest): string {
  const publicUrl = host.server.publicUrl;
  if (publicUrl) return publicUrl.replace(/^http/i, 'ws').replace(/\/+$/, '') + AIRSEND_WS_PATH;
  const fwd = forwarded(req.headers.forwarded);
  const proto = (first(req.headers['x-forwarded-proto']) ?? fwd.proto ?? req.protocol).toLowerCase();
  const hostHeader = first(req.headers['x-forwarded-host']) ?? fwd.host ?? req.headers.host ?? `127.0.0.1:${host.server.port()}`;
  const prefix = (first(req.headers['x-forwarded-prefix']) ?? '').replace(/\/+$/, '');
  const scheme = proto === 'https' || proto === 'wss' ? 'wss' : 'ws';
  return `${scheme}://${hostHeader}${prefix && !prefix.startsWith('/') ? '/' : ''}${prefix}${AIRSEND_WS_PATH}`;
}

/** A random connection fingerprint like the document's example ("bjcpogakubya"). */
function fingerprint(): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += String.fromCharCode(97 + randomInt(26));
  return s;
}

export function rtmConnectRoute(app: FastifyInstance, host: DialectHost, ttlSeconds: number): void {
  const handler = async (req: FastifyRequest) => {
    const actAs = req.headers['x-herald-user'];
    const { actor, token } = await host.authenticate({ token: bearerToken(req.headers.authorization, undefined) ?? '', allowServer: true, actAs: typeof actAs === 'string' ? actAs : undefined });
    if (actor.userId === null) throw new HeraldError('bad_request', 'rtm.connect needs a user: log in with user.login, or act as a user with X-Herald-User');
    const userId = actor.userId;
    const { position, epoch } = await host.feeds.head();
    const claims = {
      user_id: userId,
      client_ip: req.ip,
      user_agent: first(req.headers['user-agent']) === undefined ? '' : String(req.headers['user-agent']),
      expiry: airTime(Date.now() + ttlSeconds * 1000),
      finger_print: fingerprint(),
      herald_position: position,
      herald_epoch: epoch,
    };
    // Part of the caller's login session: logging it out (or a password change) revokes this token too.
    const ws_token = await host.issueToken(userId, { purpose: 'rtm', ttlSeconds, claims, parent: token ?? undefined });
    return { meta: { ok: true }, rtm: { ws_endpoint: wsEndpoint(host, req), ws_token } };
  };
  const schema = {
    tags: ['airsend'],
    summary: 'AirSend RTM: WebSocket endpoint and a short-lived, single-purpose ws_token for ws_auth',
    description: 'Bearer token from user.login. Returns {meta:{ok:true}, rtm:{ws_endpoint, ws_token}}; see docs/dialects/airsend.md.',
  };
  // Encapsulated, so AirSend clients may POST form-encoded (or empty) bodies without affecting other routes.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.get('/api/v1/rtm.connect', { schema }, handler);
    scope.post('/api/v1/rtm.connect', { schema }, handler);
  });
}
