// The caller of an authenticated HTTP route, through the one authentication path (Auth.authenticate).
import type { FastifyRequest } from 'fastify';
import type { Context } from '../context.js';
import type { Actor } from '../core/actor.js';
import { bearerToken } from '../gateway/auth.js';

/** Resolves and checks the caller of an authenticated route. */
export async function actorOf(ctx: Context, req: FastifyRequest): Promise<Actor> {
  const q = req.query as { access_token?: unknown } | undefined;
  const actAs = req.headers['x-herald-user'];
  const token = bearerToken(req.headers.authorization, typeof q?.access_token === 'string' ? q.access_token : undefined) ?? '';
  return (await ctx.auth.authenticate({ token, allowServer: true, actAs: typeof actAs === 'string' ? actAs : undefined })).actor;
}
