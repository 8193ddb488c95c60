// The web chat app (`/`) and the operator page (`/admin`): static files, no framework. HTML and CSS live in
// web/public, the app's compiled modules in dist/web (web/tsconfig.json), and the browser loads the SDK's own
// package build (client/dist, `tsc -p client/tsconfig.json`) through an import map. Only these exact paths
// are served, so no API, dialect or WebSocket route is shadowed.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// This file runs as dist/src/http/routes/web.js: the repository root is four levels up.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PUBLIC = join(ROOT, 'web', 'public');
const APP_JS = join(ROOT, 'dist', 'web');
const SDK_JS = join(ROOT, 'client', 'dist', 'client', 'src');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};
/** A plain file name (no slash, no dot-dot): the only names looked up on disk. */
const NAME = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9]+)+$/;

/**
 * The pages run only their own scripts: the one inline script (the import map) is allowed by its hash, so
 * injected markup could not run code even if a message ever reached innerHTML (the app uses textContent).
 */
function csp(html: string): string {
  const inline = [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);
  return [`default-src 'self'`, `script-src 'self' ${inline.join(' ')}`.trim(), `connect-src 'self' ws: wss:`, `img-src 'self' data: blob:`, `style-src 'self'`, `frame-ancestors 'none'`, `base-uri 'none'`, `form-action 'self'`].join('; ');
}

async function sendFirst(reply: FastifyReply, name: string, dirs: string[]): Promise<FastifyReply> {
  const ext = name.slice(name.lastIndexOf('.') + 1);
  const type = TYPES[ext];
  if (NAME.test(name) && type) {
    for (const dir of dirs) {
      const body = await readFile(join(dir, name)).catch(() => null);
      if (body === null) continue;
      if (ext === 'html') void reply.header('content-security-policy', csp(body.toString('utf8')));
      return reply.type(type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(body);
    }
  }
  reply.callNotFound();
  return reply;
}

export function webRoutes(app: FastifyInstance): void {
  const hide = { schema: { hide: true } };
  app.get('/', hide, (_req, reply) => sendFirst(reply, 'index.html', [PUBLIC]));
  app.get('/admin', hide, (_req, reply) => sendFirst(reply, 'admin.html', [PUBLIC]));
  app.get('/app/:name', hide, (req, reply) => sendFirst(reply, (req.params as { name: string }).name, [APP_JS, PUBLIC]));
  app.get('/app/sdk/:name', hide, (req, reply) => sendFirst(reply, (req.params as { name: string }).name, [SDK_JS]));
}
