// Authentication for every transport: signed bearer tokens (jose, HS256) and the server API key.
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { timingSafeEqual, createHash } from 'node:crypto';
import { HeraldError } from '../core/errors.js';
import { SERVER, asUser, type Actor } from '../service/chat.js';

/** A token is good for one purpose only: an RTM connection token is not an API token, and so on. */
export type TokenPurpose = 'api' | 'rtm';

const unauthenticated = (m: string) => new HeraldError('unauthenticated', m);

export class Auth {
  private readonly key: Uint8Array;
  private readonly apiKeyDigest: Buffer | null;
  /** Tokens already verified, until they expire: HMAC verification was ~9% of a busy server's CPU. */
  private readonly verified = new Map<string, { userId: number; claims: Record<string, unknown>; exp: number }>();

  constructor(
    secret: string,
    apiKey: string | null,
    private readonly ttlSeconds: number,
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
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
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
   * The actor behind a request: `Authorization: Bearer <token>` (or `access_token` for browsers that cannot
   * set headers). The server API key acts as the server, or as the user named by `X-Herald-User`.
   */
  async actor(authorization: string | undefined, queryToken: string | undefined, actAs: string | undefined): Promise<Actor> {
    const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    const token = m?.[1] ?? queryToken;
    if (!token) throw unauthenticated('missing bearer token');
    if (this.isApiKey(token)) {
      if (actAs === undefined) return SERVER;
      const id = Number(actAs);
      if (!Number.isInteger(id) || id <= 0) throw new HeraldError('bad_request', 'X-Herald-User must be a user id');
      return { userId: id, server: true };
    }
    return asUser((await this.verify(token)).userId);
  }
}
