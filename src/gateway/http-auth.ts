// HTTP authentication as one encapsulated fastify plugin: every route registered inside it gets the
// request's actor resolved by `Auth.authenticate` (bearer header, `access_token` query, the server API
// key with X-Herald-User, and where configured a session cookie) before its body is read. Routes
// choose `config.auth`: 'required' (default: 401 without credentials), 'optional' (anonymous allowed,
// bad credentials still 401) or 'none'. Dialect routes use it too, so it lives beside Auth, not in http/.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parseCookie } from 'cookie';
import { ANONYMOUS, type Actor } from '../core/actor.js';
import { HeraldError } from '../core/errors.js';
import { bearerToken, type Credentials, type Principal, type TokenInfo } from './auth.js';

export type AuthMode = 'required' | 'optional' | 'none';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; null when the route's auth is 'none', or 'optional' and no credentials came. */
    actor: Actor | null;
    /** The token the actor authenticated with (what logout revokes); null for the server API key or none. */
    authToken: TokenInfo | null;
  }
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
}

export interface HttpAuthOptions {
  authenticate(c: Credentials): Promise<Principal>;
  /** A cookie holding a user token (Tracim's login session), read when no bearer token came. */
  sessionCookie?: string;
}

const unauthenticated = (m: string) => new HeraldError('unauthenticated', m);

/** The credentials a request carries, or null when it carries none (other cookies are not credentials). */
export function credentialsOf(req: FastifyRequest, sessionCookie?: string): Credentials | null {
  const q = req.query as { access_token?: unknown } | undefined;
  const authorization = req.headers.authorization;
  const token = bearerToken(authorization, typeof q?.access_token === 'string' ? q.access_token : undefined);
  if (token !== undefined) {
    const actAs = req.headers['x-herald-user'];
    return { token, allowServer: true, actAs: typeof actAs === 'string' ? actAs : undefined };
  }
  if (authorization) throw unauthenticated('unsupported Authorization scheme: send "Bearer <token>"');
  // The cookie library tolerates badly encoded values (another application's cookie on the same domain).
  const session = sessionCookie && req.headers.cookie ? parseCookie(req.headers.cookie)[sessionCookie] : undefined;
  return session ? { token: session } : null;
}

/** The request's actor: the authenticated one, or ANONYMOUS (commands refuse it unless they allow sign-up-like use). */
export const actorOf = (req: FastifyRequest): Actor => req.actor ?? ANONYMOUS;

/** Registers `routes` inside a context where every request is authenticated first. */
export function authenticated(opts: HttpAuthOptions, routes: (app: FastifyInstance) => void | Promise<void>): FastifyPluginAsync {
  return async (app) => {
    app.decorateRequest('actor', null);
    app.decorateRequest('authToken', null);
    app.addHook('onRequest', async (req) => {
      const mode = req.routeOptions.config.auth ?? 'required';
      if (mode === 'none') return;
      const credentials = credentialsOf(req, opts.sessionCookie);
      if (credentials === null) {
        if (mode === 'required') throw unauthenticated(opts.sessionCookie ? 'log in (session cookie) or send a bearer token' : 'send a bearer token (Authorization: Bearer <token>)');
        return;
      }
      const principal = await opts.authenticate(credentials);
      req.actor = principal.actor;
      req.authToken = principal.token;
    });
    await routes(app);
  };
}
