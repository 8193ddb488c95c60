// The AirSend RTM dialect's endpoints: `rtm.connect` over HTTP (ws_endpoint + ws_token), and the
// WebSocket at /rtm whose first frame must be `ws_auth`. See docs/dialects/airsend.md.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomInt } from 'node:crypto';
import WebSocket from 'ws';
import type { Context } from '../../context.js';
import type { DialectModule, Dialect } from '../dialect.js';
import type { Delivered, EventOf } from '../../events/types.js';
import { HeraldError } from '../../core/errors.js';
import { asUser } from '../../core/actor.js';
import { bearerToken } from '../../gateway/auth.js';
import { Prepared } from '../../gateway/prepared.js';
import { WsSession, newWsServer, startHeartbeat, type UpgradeHandler } from '../../transports/websocket.js';
import type { CloseReason } from '../../gateway/session.js';
import { airEnvelope, airsendDialect, extraFrames, type AirSendRenderOptions } from './render.js';
import { airTime, airUser } from './format.js';
import { AIRSEND_CLOSE, parseFrame, runCommand } from './commands.js';
import { PresenceView } from './presence.js';

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
export function wsEndpoint(ctx: Context, req: FastifyRequest): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl.replace(/^http/i, 'ws').replace(/\/+$/, '') + AIRSEND_WS_PATH;
  const fwd = forwarded(req.headers.forwarded);
  const proto = (first(req.headers['x-forwarded-proto']) ?? fwd.proto ?? req.protocol).toLowerCase();
  const host = first(req.headers['x-forwarded-host']) ?? fwd.host ?? req.headers.host ?? `127.0.0.1:${ctx.config.port}`;
  const prefix = (first(req.headers['x-forwarded-prefix']) ?? '').replace(/\/+$/, '');
  const scheme = proto === 'https' || proto === 'wss' ? 'wss' : 'ws';
  return `${scheme}://${host}${prefix && !prefix.startsWith('/') ? '/' : ''}${prefix}${AIRSEND_WS_PATH}`;
}

/** A random connection fingerprint like the document's example ("bjcpogakubya"). */
function fingerprint(): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += String.fromCharCode(97 + randomInt(26));
  return s;
}

// ---- HTTP: rtm.connect ----------------------------------------------------------------------------------

export function rtmConnectRoute(app: FastifyInstance, ctx: Context): void {
  const ttl = ctx.config.airsendTokenTtlSeconds;
  const handler = async (req: FastifyRequest) => {
    const actAs = req.headers['x-herald-user'];
    const { actor } = await ctx.auth.authenticate({ token: bearerToken(req.headers.authorization, undefined) ?? '', allowServer: true, actAs: typeof actAs === 'string' ? actAs : undefined });
    if (actor.userId === null) throw new HeraldError('bad_request', 'rtm.connect needs a user: log in with user.login, or act as a user with X-Herald-User');
    const userId = actor.userId;
    // The feed position at rtm.connect: ws_auth replays whatever happens between this call and ws_auth.
    const [position, epoch] = await Promise.all([ctx.store.read((r) => r.logHead()), ctx.store.epoch()]);
    const claims = {
      user_id: userId,
      client_ip: req.ip,
      user_agent: first(req.headers['user-agent']) === undefined ? '' : String(req.headers['user-agent']),
      expiry: airTime(Date.now() + ttl * 1000),
      finger_print: fingerprint(),
      herald_position: position,
      herald_epoch: epoch,
    };
    const ws_token = await ctx.auth.issue(userId, 'rtm', ttl, claims);
    return { meta: { ok: true }, rtm: { ws_endpoint: wsEndpoint(ctx, req), ws_token } };
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

// ---- WebSocket session ------------------------------------------------------------------------------------

interface SessionHooks {
  extras(ev: Delivered, userId: number): Prepared[];
  profileUpdate(session: AirSendSession, ev: EventOf<'user.updated'> & Delivered): void;
}

export class AirSendSession extends WsSession {
  constructor(userId: number, dialect: Dialect, ws: WebSocket, socket: Duplex, maxBuffered: number, private readonly hooks: SessionHooks) {
    super(userId, dialect, ws, socket, maxBuffered);
  }

  /** Sends the event's frame, then the frames AirSend adds for this recipient. */
  protected override send(ev: Delivered, frame: Prepared | null): boolean {
    const fresh = ev.id === null || ev.id > this.position;
    const ok = super.send(ev, frame);
    if (!ok || !fresh || this.closed) return ok;
    if (frame !== null) for (const extra of this.hooks.extras(ev, this.userId)) this.control(extra);
    if (ev.type === 'user.updated') this.hooks.profileUpdate(this, ev);
    return ok;
  }

  override close(reason: CloseReason, message: string): void {
    if (reason === 'heartbeat_timeout') return this.closeWith(AIRSEND_CLOSE.heartbeat_timeout, message, true);
    super.close(reason, message);
  }

  /** Closes with an AirSend code once the frames already queued have gone out. */
  closeWith(code: number, reason: string, terminate = false): void {
    if (this.closed) return;
    this.closed = true;
    closeSocket(this.ws, code, reason, terminate);
  }
}

/** Close frame after the current turn's writes; a peer that stopped reading is cut off after 1 s. */
function closeSocket(ws: WebSocket, code: number, reason: string, terminate = false): void {
  setImmediate(() => {
    if (ws.readyState === WebSocket.OPEN) ws.close(code, reason.slice(0, 120));
    if (terminate) setTimeout(() => ws.terminate(), 1000).unref();
  });
}

export function airsendWebSocket(ctx: Context): { handler: UpgradeHandler; close: () => void } {
  const log = ctx.log.child({ dialect: 'airsend' });
  const presence = new PresenceView(ctx.bus);
  const opts: AirSendRenderOptions = { botName: ctx.config.airsendBotName, isOnline: presence.isOnline };
  const dialect = airsendDialect(opts);
  const wss = newWsServer(ctx.config.maxFrameBytes);
  const sessions = new WeakMap<WebSocket, AirSendSession>();

  // user.profileUpdate carries a channel_id: one frame per channel the recipient shares with the user.
  const profileSpaces = new WeakMap<object, Promise<Map<number, { members: Set<number>; frame: Prepared }>>>();
  const hooks: SessionHooks = {
    extras: (ev, userId) => extraFrames(ev, userId, opts),
    profileUpdate: (session, ev) => {
      let spaces = profileSpaces.get(ev);
      if (spaces === undefined) {
        const user = ev.data.user;
        spaces = ctx.store.read(async (r) => {
          const out = new Map<number, { members: Set<number>; frame: Prepared }>();
          for (const sid of await r.spaceIdsOf(user.id)) {
            const frame = new Prepared(null, airEnvelope('user.profileUpdate', { user: airUser(user, presence.isOnline(user.id)), channel_id: sid }));
            out.set(sid, { members: new Set(await r.memberIds(sid)), frame });
          }
          return out;
        });
        profileSpaces.set(ev, spaces);
      }
      spaces
        .then((m) => {
          for (const { members, frame } of m.values()) if (members.has(session.userId)) session.control(frame);
        })
        .catch((err: unknown) => log.error({ err }, 'profile update fan-out failed'));
    },
  };

  const stopHeartbeat = startHeartbeat(wss, ctx.config.heartbeatSeconds, (ws) => {
    const s = sessions.get(ws);
    if (s) s.close('heartbeat_timeout', 'no pong received');
    else closeSocket(ws, AIRSEND_CLOSE.heartbeat_timeout, 'no pong received', true);
  });

  function serve(ws: WebSocket, socket: Duplex): void {
    let state: 'await_auth' | 'authenticating' | 'live' | 'closed' = 'await_auth';
    let session: AirSendSession | null = null;
    const queued: (string | null)[] = [];
    let chain: Promise<void> = Promise.resolve();

    const authTimer = setTimeout(() => {
      if (state === 'await_auth' || state === 'authenticating') {
        state = 'closed';
        closeSocket(ws, AIRSEND_CLOSE.not_authenticated, `no ws_auth within ${ctx.config.heartbeatSeconds} s`);
      }
    }, ctx.config.heartbeatSeconds * 1000);
    authTimer.unref();

    const refuse = (code: number, reason: string) => {
      state = 'closed';
      clearTimeout(authTimer);
      log.debug({ code, reason }, 'airsend connection refused');
      closeSocket(ws, code, reason);
    };

    const enqueue = (text: string | null) => {
      chain = chain.then(() => handle(text)).catch((err: unknown) => log.error({ err }, 'airsend command failed'));
    };

    async function authenticate(text: string | null): Promise<void> {
      const parsed = parseFrame(text);
      if (!parsed.ok) return refuse(parsed.code === AIRSEND_CLOSE.unknown_command ? AIRSEND_CLOSE.not_authenticated : parsed.code, parsed.code === AIRSEND_CLOSE.unknown_command ? `the first frame must be ws_auth: ${parsed.reason}` : parsed.reason);
      if (parsed.command.command !== 'ws_auth') return refuse(AIRSEND_CLOSE.not_authenticated, `the first frame must be ws_auth, got "${parsed.command.command}"`);
      let userId: number;
      let claims: Record<string, unknown>;
      try {
        const principal = await ctx.auth.authenticate({ token: parsed.command.auth_token, purpose: 'rtm' });
        userId = principal.actor.userId!;
        claims = principal.claims;
        if (claims.user_id !== undefined && claims.user_id !== userId) throw new HeraldError('unauthenticated', 'invalid token');
      } catch (e) {
        return refuse(AIRSEND_CLOSE.auth_failed, `ws_auth failed: ${e instanceof HeraldError ? e.message : 'invalid token'}`);
      }
      if (state !== 'authenticating' || ws.readyState !== WebSocket.OPEN) return;
      clearTimeout(authTimer);
      const s = new AirSendSession(userId, dialect, ws, socket, ctx.config.maxConnectionBufferBytes, hooks);
      session = s;
      sessions.set(ws, s);
      state = 'live';
      for (const t of queued.splice(0)) enqueue(t);
      const position = typeof claims.herald_position === 'number' ? claims.herald_position : null;
      const epoch = typeof claims.herald_epoch === 'string' ? claims.herald_epoch : null;
      try {
        await ctx.gateway.attach(s, position, epoch);
        presence.refresh([userId]);
        await ctx.gateway.replay(s);
      } catch (err) {
        log.error({ err }, 'airsend session start failed');
        s.closeWith(AIRSEND_CLOSE.internal, 'could not start the session');
      }
    }

    async function handle(text: string | null): Promise<void> {
      const s = session;
      if (s === null || s.closed) return;
      const parsed = parseFrame(text);
      if (!parsed.ok) return s.closeWith(parsed.code, parsed.reason);
      const c = parsed.command;
      if (c.command === 'ws_auth') return void log.debug({ userId: s.userId }, 'ws_auth on an authenticated connection: ignored');
      if (c.command === 'ws_ping') return s.control(new Prepared(null, airEnvelope('pong', {})));
      try {
        const outcome = await runCommand(ctx.commands, asUser(s.userId), c);
        log.debug({ userId: s.userId, command: c.command, outcome }, 'airsend command');
      } catch (e) {
        // The document has no error frame: the command is ignored and the connection stays open.
        if (!(e instanceof HeraldError)) throw e;
        log.debug({ userId: s.userId, command: c.command, code: e.code, message: e.message }, 'airsend command refused');
      }
    }

    ws.on('message', (data, isBinary) => {
      ctx.metrics.framesReceived.inc({ dialect: 'airsend' });
      const text = isBinary ? null : (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString();
      if (state === 'await_auth') {
        state = 'authenticating';
        authenticate(text).catch((err: unknown) => {
          log.error({ err }, 'airsend ws_auth failed');
          refuse(AIRSEND_CLOSE.internal, 'could not authenticate');
        });
      } else if (state === 'authenticating') queued.push(text);
      else if (state === 'live') enqueue(text);
    });
    ws.on('close', () => {
      state = 'closed';
      clearTimeout(authTimer);
      const s = session;
      if (s !== null) {
        s.closed = true;
        ctx.gateway.detach(s);
        presence.refresh([s.userId]);
      }
    });
    ws.on('error', (err) => log.debug({ err }, 'airsend ws error'));
  }

  const handler: UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      wss.emit('connection', ws, req);
      serve(ws, socket);
    });
  };

  return {
    handler,
    close: () => {
      stopHeartbeat();
      presence.close();
      // Connections still waiting for ws_auth are not the gateway's: close them here.
      for (const ws of wss.clients) if (!sessions.has(ws)) ws.close(AIRSEND_CLOSE.shutdown, 'server shutting down');
      wss.close();
    },
  };
}

export const airsendModule: DialectModule = {
  name: 'airsend',
  http: (app, ctx) => rtmConnectRoute(app, ctx),
  upgrades: (ctx) => {
    const ws = airsendWebSocket(ctx);
    return { routes: [[AIRSEND_WS_PATH, ws.handler]], close: ws.close };
  },
};
