// Users: sign-up, login, logout, password changes, profiles (with the public projection), profile
// changes and account deletion. One profile-change path for every API, so `user.updated` always carries
// the same fields.
import type { User } from '../core/model.js';
import { ANONYMOUS, type Actor } from '../core/actor.js';
import { HeraldError, badRequest, conflict, forbidden, notFound } from '../core/errors.js';
import { publicProfile, type PublicProfile } from '../core/projection.js';
import type { CommandContext, ReadContext, Runtime } from './context.js';
import { checkPassword, hashPassword } from './passwords.js';

export interface Registration {
  email: string;
  password: string;
  username?: string;
  display_name?: string;
  is_admin?: boolean;
}

/** Hashes the password before taking the writer lock (scrypt is slow), then creates the account. */
export async function register(rt: Runtime, actor: Actor, input: Registration): Promise<User> {
  if (!rt.settings.openSignup && !actor.server) throw forbidden('sign-up is closed; ask an administrator');
  if (input.is_admin && !actor.server) throw forbidden('only the server API key can create administrators');
  const username = input.username ?? input.email.split('@')[0].replace(/[^A-Za-z0-9_.-]/g, '_');
  const password_hash = await hashPassword(input.password);
  return rt.write(actor, async (c) => {
    if (await c.tx.users.exists(input.email, username)) throw conflict('a user with this email or username already exists');
    const user = await c.tx.users.insert({ username, email: input.email, password_hash, display_name: input.display_name ?? input.email, is_admin: input.is_admin }, c.now);
    await c.emit({ type: 'user.created', data: { user } });
    return user;
  });
}

/**
 * The account behind an email (or username) and password, `unauthenticated` otherwise; with the credential
 * generation read together with the hash, which the session's token carries (a password change committed
 * while the password was being checked makes that token invalid at once).
 */
export async function login(rt: Runtime, input: { email?: string; username?: string; password: string }): Promise<{ user: User; generation: number }> {
  const name = input.email ?? input.username;
  if (name === undefined) throw badRequest('give email (or username) and password');
  const found = await rt.read(ANONYMOUS, (c) => c.tx.users.credentials(name));
  if (!(await checkPassword(input.password, found?.password_hash ?? null)) || !found) throw new HeraldError('unauthenticated', 'wrong login or password');
  return { user: found.user, generation: found.token_generation };
}

/** Logs the actor's token out until it would expire (`token_id` is its `jti`, set by server code, never by a client). */
export async function logout(rt: Runtime, actor: Actor, token: { token_id: string; expires_at: number }): Promise<void> {
  const userId = actor.userId;
  if (userId === null || actor.server) throw badRequest('only a user token can be logged out (the server API key is no session)');
  await rt.write(actor, (c) => c.tx.users.revokeToken(token.token_id, userId, token.expires_at, c.now));
}

export interface PasswordChange {
  user_id: number;
  /** The caller's own password: the user's current one, or an administrator's own when setting another user's. */
  current_password?: string;
  new_password: string;
}

/**
 * Sets a user's password: the user themself, an administrator (anyone's) or the server API key. A user
 * confirms with their own password (an administrator too, as in Tracim), checked as a login is (scrypt,
 * constant time, an unknown account costs the same); a wrong one is `forbidden` (403), not
 * `unauthenticated`: the caller's session stays valid. The server API key gives none. Moves the target's
 * credential generation on, so every token issued before is refused from then on; returns the new generation.
 */
export async function changePassword(rt: Runtime, actor: Actor, input: PasswordChange): Promise<{ user: User; generation: number }> {
  const target = input.user_id;
  if (actor.userId !== target && !(await rt.read(actor, (c) => c.access.isAdmin()))) throw forbidden('you may only change your own password');
  if (!actor.server) {
    if (input.current_password === undefined) throw badRequest('give your current password (current_password)');
    const own = await rt.read(actor, (c) => c.tx.users.credentialsById(actor.userId!));
    if (!(await checkPassword(input.current_password, own?.password_hash ?? null))) throw forbidden('wrong password');
  }
  // Hashed before taking the writer lock (scrypt is slow).
  const hash = await hashPassword(input.new_password);
  return rt.write(actor, async (c) => {
    const user = await c.tx.users.get(target);
    if (!user || user.deleted) throw notFound('user');
    return { user, generation: await c.tx.users.setPassword(target, hash) };
  });
}

/** A live user as the actor may see them: everything for themself, administrators and space peers; the public profile otherwise. */
export async function profile(c: ReadContext, userId: number): Promise<User | PublicProfile> {
  const u = await c.tx.users.get(userId);
  if (!u || u.deleted) throw notFound('user');
  return (await c.access.seesPrivate(userId)) ? u : publicProfile(u);
}

/** Profile change by the user themself, an administrator or the server API key; emits `user.updated`. */
export async function update(c: CommandContext, userId: number, patch: { display_name?: string; has_avatar?: boolean }): Promise<User> {
  await c.access.selfOrAdmin(userId, 'you may only change your own profile');
  const before = await c.tx.users.get(userId);
  if (!before || before.deleted) throw notFound('user');
  await c.tx.users.update(userId, patch, c.now);
  const user = (await c.tx.users.get(userId))!;
  await c.emit({ type: 'user.updated', data: { user, actor_id: c.actor.userId, author: await c.tx.users.ref(c.actor.userId) } });
  return user;
}

/** Disables (deleted) or re-enables an account: administrators and the server API key only. */
export async function setDeleted(c: CommandContext, userId: number, deleted: boolean): Promise<User> {
  if (!(await c.access.isAdmin())) throw forbidden('only administrators may delete or restore users');
  if (c.actor.userId === userId) throw badRequest('you cannot delete yourself');
  const state = await c.tx.users.get(userId);
  if (state === null) throw notFound('user');
  if (state.deleted === deleted) throw conflict(deleted ? 'user is already deleted' : 'user is not deleted');
  await c.tx.users.setDeleted(userId, deleted, c.now);
  const user = (await c.tx.users.get(userId))!;
  await c.emit({ type: deleted ? 'user.deleted' : 'user.undeleted', data: { user, actor_id: c.actor.userId, author: await c.tx.users.ref(c.actor.userId) } });
  return user;
}
