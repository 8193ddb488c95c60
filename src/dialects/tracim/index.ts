// The Tracim dialect: the TLM stream (SSE) with Tracim's event naming and receivers. See
// docs/dialects/tracim.md. Its REST API is still mounted from server.ts (see the note there).
import { Type } from '@sinclair/typebox';
import { dialectPlugin } from '../plugin.js';
import { tracimStream } from './protocol.js';

export const tracimPlugin = dialectPlugin({
  name: 'tracim',
  config: Type.Object({}),
  start(host) {
    return { streams: [tracimStream(host)] };
  },
});
