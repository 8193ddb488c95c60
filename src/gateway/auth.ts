// Authentication for every transport: signed bearer tokens (jose, HS256) and the server API key. Every
// token is revocable: it names its login session and the user's credential generation, and the one
// store read authentication makes per use (the user's row) also says whether either was revoked.
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { timingSafeEqual, createHash, randomBytes } from 'node:crypto';
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

/** What authentication learnt about the token presented: what logout revokes and connections remember. */
export interface TokenInfo {
  /** The token's own id (`jti`, random). */
  id: string;
  /** Its login session: its own id, or for a token issued from another (an RTM token) that token's session (`sid`). */
  session: string;
  /** The user's credential generation when the session began (`gen`); a password change moves it on. */
  generation: number;
  /** Expiry, ms since the epoch (`exp`). */
  expiresAt: number;
}

export interface Principal {
  actor: Actor;
  /** The token's claims (empty for the server API key). */
  claims: Record<string, unknown>;
  /** The token behind the principal; null for the server API key. */
  token: TokenInfo | null;
}

/** What authentication needs of a user, read in one indexed query per use. */
export interface UserAuthState {
  username: string;
  deleted: boolean;
  /** Tokens of an older generation are refused (moved on by a password change). */
  generation: number;
  /** Whether one of the token ids asked about (the token's own, its session's) was revoked by a logout. */
  revoked: boolean;
}

/** How authentication checks that a token's user still exists and the token was not revoked. */
export interface UserDirectory {
  find(id: number, tokenIds: readonly string[]): Promise<UserAuthState | null>;
}

export interface IssueOptions {
  purpose?: TokenPurpose;
  ttlSeconds?: number;
  claims?: Record<string, unknown>;
  /**
   * The user's credential generation, read together with the credentials that were checked (login), or
   * set by the change itself (password change). Without it (and without `parent`) it is read now.
   */
  generation?: number;
  /** Issued on the strength of this token (rtm.connect): same session and generation, never outlives it. */
  parent?: TokenInfo;
}

/** Canonical user ids only: "1e0", "01", " 1" or "1.0" name no user (Number() would accept them). */
export function parseUserId(s: unknown): number | null {
  if (typeof s !== 'string' || !/^[1-9][0-9]{0,15}$/.test(s)) return null;
  const id = Number(s);
  return Number.isSafeInteger(id) ? id : null;
}

const isTokenId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64;

/** The revocation claims of a verified payload, or null when any is missing or malformed. */
function tokenInfoOf(p: JWTPayload): TokenInfo | null {
  const gen = p.gen;
  if (!isTokenId(p.jti) || typeof gen !== 'number' || !Number.isSafeInteger(gen) || gen < 0 || typeof p.exp !== 'number') return null;
  if (p.sid !== undefined && !isTokenId(p.sid)) return null;
  return { id: p.jti, session: (p.sid as string | undefined) ?? p.jti, generation: gen, expiresAt: p.exp * 1000 };
}

export class Auth {
  private readonly key: Uint8Array;
  private readonly apiKeyDigest: Buffer | null;
  /**
   * Tokens whose signature was already verified, until they expire: HMAC verification was ~9% of a busy
   * server's CPU. Only the signature is cached; revocation is checked against the store on every use.
   */
  private readonly verified = new Map<string, { userId: number; claims: Record<string, unknown>; token: TokenInfo }>();

  constructor(
    secret: string,
    apiKey: string | null,
    private readonly ttlSeconds: number,
    private readonly users: UserDirectory,
  ) {
    this.key = new TextEncoder().encode(secret);
    this.apiKeyDigest = apiKey === null ? null : createHash('sha256').update(apiKey).digest();
  }

  /**
   * A signed token for `userId`: a random `jti`, the credential generation `gen`, `exp`, and for a token
   * issued from another, that token's session (`sid`), with its expiry as an upper bound.
   */
  async issue(userId: number, o: IssueOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    let exp = now + (o.ttlSeconds ?? this.ttlSeconds);
    let generation = o.generation;
    const session: Record<string, unknown> = {};
    if (o.parent !== undefined) {
      generation = o.parent.generation;
      session.sid = o.parent.session;
      exp = Math.min(exp, Math.floor(o.parent.expiresAt / 1000));
    }
    if (generation === undefined) {
      const state = await this.users.find(userId, []);
      if (state === null || state.deleted) throw unauthenticated('the user behind these credentials no longer exists');
      generation = state.generation;
    }
    return new SignJWT({ ...o.claims, ...session, purpose: o.purpose ?? 'api', gen: generation })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(userId))
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.key);
  }

  /** Checks the signature, expiry, purpose and claims (not revocation: that is `authenticate`'s). */
  async verify(token: string, purpose: TokenPurpose = 'api'): Promise<{ userId: number; claims: Record<string, unknown>; token: TokenInfo }> {
    const hit = this.verified.get(token);
    if (hit !== undefined && hit.token.expiresAt > Date.now()) {
      if (hit.claims.purpose !== purpose) throw unauthenticated(`this token is not valid for ${purpose} use`);
      return hit;
    }
    try {
      // `sub`, `jti` and `gen` are checked below, after jose's expiry check ("token expired" says more).
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
      if (payload.purpose !== purpose) throw unauthenticated(`this token is not valid for ${purpose} use`);
      const userId = parseUserId(payload.sub);
      if (userId === null) throw unauthenticated('token has no user');
      const info = tokenInfoOf(payload);
      if (info === null) throw unauthenticated('token cannot be revoked (no valid jti/gen): log in again');
      const result = { userId, claims: payload as Record<string, unknown>, token: info };
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(token, result);
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
   * throws `unauthenticated`. A token must be signed, unexpired, meant for `purpose`, name a user who
   * exists and is not deleted, be of the user's current credential generation (no password change since)
   * and not be revoked, nor its session (logout); the server API key is accepted only where `allowServer`
   * says so. All of the user's state comes from one store read, on every use (every node sees a revocation).
   */
  async authenticate(c: Credentials): Promise<Principal> {
    if (!c.token) throw unauthenticated('missing credentials');
    if (this.isApiKey(c.token)) {
      if (!c.allowServer) throw unauthenticated('the server API key cannot open this connection; use a user token');
      if (c.actAs === undefined) return { actor: SERVER, claims: {}, token: null };
      const id = parseUserId(c.actAs);
      if (id === null) throw new HeraldError('bad_request', 'X-Herald-User must be a user id');
      await this.liveUser(id, c.login, null);
      return { actor: { userId: id, server: true }, claims: {}, token: null };
    }
    const { userId, claims, token } = await this.verify(c.token, c.purpose ?? 'api');
    await this.liveUser(userId, c.login, token);
    return { actor: asUser(userId), claims, token };
  }

  private async liveUser(id: number, login: string | undefined, token: TokenInfo | null): Promise<void> {
    const ids = token === null ? [] : token.session === token.id ? [token.id] : [token.id, token.session];
    const u = await this.users.find(id, ids);
    if (u === null || u.deleted) throw unauthenticated('the user behind these credentials no longer exists');
    if (token !== null) {
      if (u.revoked) throw unauthenticated('this token was revoked (logged out): log in again');
      if (token.generation !== u.generation) throw unauthenticated('this token was revoked by a password change: log in again');
    }
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
