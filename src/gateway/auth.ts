// Authentication for every transport: signed bearer tokens (jose, HS256) and the server API key.
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { timingSafeEqual, createHash } from 'node:crypto';
import { HeraldError } from '../core/errors.js';
import { SERVER, asUser, type Actor } from '../core/actor.js';

/** A token is good for one purpose only: an RTM connection token is not an API token, and so on. */
export type TokenPurpose = 'api' | 'rtm';

const unauthenticated = (m: string) => new HeraldError('unauthenticated', m);

/** What a client presents, whatever its transport. */
export interface Credentials {
  /** A Herald token, or the server API key where `allowServer` is set. */
  token: string;
  /** What the token must be good for (default `api`). */
  purpose?: TokenPurpose;
  /** Whether the server API key is accepted (REST: yes; a realtime connection needs a user). */
  allowServer?: boolean;
  /** With the server API key: act as this user id (`X-Herald-User`). */
  actAs?: string;
  /** A login name the token must belong to (MQTT username, STOMP login): the user's id or username. */
  login?: string;
}

export interface Principal {
  actor: Actor;
  /** The token's claims (empty for the server API key). */
  claims: Record<string, unknown>;
}

/** How authentication checks that a token's user still exists. */
export interface UserDirectory {
  find(id: number): Promise<{ username: string; deleted: boolean } | null>;
}

export class Auth {
  private readonly key: Uint8Array;
  private readonly apiKeyDigest: Buffer | null;
  /** Tokens already verified, until they expire: HMAC verification was ~9% of a busy server's CPU. */
  private readonly verified = new Map<string, { userId: number; claims: Record<string, unknown>; exp: number }>();

  constructor(
    secret: string,
    apiKey: string | null,
    private readonly ttlSeconds: number,
    private readonly users: UserDirectory,
  ) {
    this.key = new TextEncoder().encode(secret);
    this.apiKeyDigest = apiKey === null ? null : createHash('sha256').update(apiKey).digest();
  }

  async issue(userId: number, purpose: TokenPurpose = 'api', ttlSeconds = this.ttlSeconds, claims: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT({ ...claims, purpose })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(userId))
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key);
  }

  async verify(token: string, purpose: TokenPurpose = 'api'): Promise<{ userId: number; claims: Record<string, unknown> }> {
    const hit = this.verified.get(token);
    if (hit !== undefined && hit.exp > Date.now() / 1000) {
      if (hit.claims.purpose !== purpose) throw unauthenticated(`this token is not valid for ${purpose} use`);
      return hit;
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
      if (payload.purpose !== purpose) throw unauthenticated(`this token is not valid for ${purpose} use`);
      const userId = Number(payload.sub);
      if (!Number.isInteger(userId) || userId <= 0) throw unauthenticated('token has no user');
      const result = { userId, claims: payload as Record<string, unknown> };
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(token, { ...result, exp: payload.exp ?? 0 });
      return result;
    } catch (e) {
      if (e instanceof HeraldError) throw e;
      if (e instanceof joseErrors.JWTExpired) throw unauthenticated('token expired');
      throw unauthenticated('invalid token');
    }
  }

  isApiKey(token: string): boolean {
    if (this.apiKeyDigest === null) return false;
    return timingSafeEqual(createHash('sha256').update(token).digest(), this.apiKeyDigest);
  }

  /**
   * The one authentication path of every transport and dialect: turns credentials into a principal, or
   * throws `unauthenticated`. A token must be signed, unexpired, meant for `purpose`, and name a user who
   * exists and is not deleted; the server API key is accepted only where `allowServer` says so.
   */
  async authenticate(c: Credentials): Promise<Principal> {
    if (!c.token) throw unauthenticated('missing credentials');
    if (this.isApiKey(c.token)) {
      if (!c.allowServer) throw unauthenticated('the server API key cannot open this connection; use a user token');
      if (c.actAs === undefined) return { actor: SERVER, claims: {} };
      const id = Number(c.actAs);
      if (!Number.isInteger(id) || id <= 0) throw new HeraldError('bad_request', 'X-Herald-User must be a user id');
      await this.liveUser(id, c.login);
      return { actor: { userId: id, server: true }, claims: {} };
    }
    const { userId, claims } = await this.verify(c.token, c.purpose ?? 'api');
    await this.liveUser(userId, c.login);
    return { actor: asUser(userId), claims };
  }

  private async liveUser(id: number, login: string | undefined): Promise<void> {
    const u = await this.users.find(id);
    if (u === null || u.deleted) throw unauthenticated('the user behind these credentials no longer exists');
    if (login !== undefined && login !== String(id) && login.toLowerCase() !== u.username.toLowerCase()) {
      throw unauthenticated('the login does not match the token');
    }
  }
}

/** The bearer token of `Authorization: Bearer <token>`, else the `access_token` fallback (browsers). */
export function bearerToken(authorization: string | undefined, queryToken: string | undefined): string | undefined {
  const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  return m?.[1] ?? queryToken;
}
