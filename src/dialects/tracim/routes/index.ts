// The Tracim-style HTTP API, by resource. Every route runs a command of the table as the request's
// actor, authenticated by the one HTTP authentication plugin (bearer token, API key, session cookie).
import type { FastifyInstance } from 'fastify';
import { authenticated } from '../../../gateway/http-auth.js';
import { typed } from './common.js';
import { SESSION_COOKIE, type TracimRouteDeps } from './deps.js';
import { userRoutes } from './users.js';
import { workspaceRoutes } from './workspaces.js';
import { contentRoutes } from './contents.js';
import { fileRoutes } from './files.js';
import { socialRoutes } from './social.js';
import { inboxRoutes } from './inbox.js';

export type { FeedEvent, TracimRouteDeps } from './deps.js';
export { SESSION_COOKIE } from './deps.js';
export { purgeDeletedFiles } from './files.js';

export function tracimRoutes(app: FastifyInstance, deps: TracimRouteDeps): void {
  void app.register(
    authenticated({ authenticate: (c) => deps.authenticate(c), sessionCookie: SESSION_COOKIE }, (scope) => {
      const api = typed(scope);
      userRoutes(api, deps);
      workspaceRoutes(api, deps);
      contentRoutes(api, deps);
      fileRoutes(api, deps);
      socialRoutes(api, deps);
      inboxRoutes(api, deps);
    }),
  );
}
