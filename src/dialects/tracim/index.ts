// The Tracim dialect: the TLM stream (SSE, protocol.ts) with Tracim's event naming and receivers, and the
// Tracim-style HTTP API whose calls cause each TLM (routes/, by resource). See docs/dialects/tracim.md.
import { Type } from '@sinclair/typebox';
import { dialectPlugin } from '../plugin.js';
import { tracimStream } from './protocol.js';
import { tracimRoutes } from './routes/index.js';

export const tracimPlugin = dialectPlugin({
  name: 'tracim',
  config: Type.Object({}),
  start(host) {
    const deps = {
      commands: host.commands,
      authenticate: host.authenticate,
      files: host.files('tracim-files'),
      // Feed events always carry their position.
      feed: async (userId: number, after: number, limit: number) => (await host.feeds.page(userId, { after, limit })).map((e) => ({ id: e.id ?? 0, type: e.type, at: e.at, data: e.data })),
      sessionSeconds: host.server.tokenTtlSeconds,
      fileRetentionMs: host.server.retentionMs,
    };
    return { streams: [tracimStream(host)], http: (app) => tracimRoutes(app, deps) };
  },
});
