// The Talk-and-Travel dialect: STOMP 1.2 (1.0, 1.1) over WebSocket at /ws (subprotocols v12.stomp,
// v11.stomp, v10.stomp) and over TCP on HERALD_STOMP_PORT. Chat destinations are served from Herald's
// events; /topic and /queue by the node's broker core. See docs/dialects/talk-and-travel.md.
import { Type } from '@sinclair/typebox';
import type { NamespaceSpec } from '../../broker/index.js';
import type { OpenConnection } from '../../gateway/listeners.js';
import { dialectPlugin } from '../plugin.js';
import type { TalkDeps } from './session-context.js';
import { StompSession } from './protocol.js';
import { TalkIds } from './render.js';
import { talkRenderer } from './renderer.js';
import { DEFAULT_STOMP_LIMITS } from './stomp-codec.js';

export const STOMP_WS_PATH = '/ws';
export const STOMP_SUBPROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];

const Config = Type.Object({
  port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_535, env: 'HERALD_STOMP_PORT', description: 'STOMP over TCP on this port (0: any free port); off when unset' })),
  heartbeatMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 10_000, env: 'HERALD_STOMP_HEARTBEAT_MS', description: 'heart-beat interval the server offers both ways (0: none)' }),
  maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: DEFAULT_STOMP_LIMITS.maxBodyBytes, env: 'HERALD_STOMP_MAX_BODY_BYTES', description: 'largest frame body a client may send' }),
});

/** Herald's events on the document's chat destinations; a chat is a space, so its members may subscribe. */
const NAMESPACES: NamespaceSpec[] = (['events', 'messages', 'updates'] as const).map((channel) => ({ name: `talk.${channel}`, pattern: `countries/{chatId}/${channel}`, kind: 'event', access: 'group' }));

export const talkPlugin = dialectPlugin({
  name: 'talk',
  config: Config,
  brokerNamespaces: NAMESPACES,
  async start(host, config) {
    // Typing ids follow the newest position this node rendered: start from the log's head.
    const ids = new TalkIds((await host.feeds.head()).position);
    const limits = { ...DEFAULT_STOMP_LIMITS, maxBodyBytes: config.maxBodyBytes };
    const deps: TalkDeps = {
      host,
      renderer: talkRenderer(ids),
      settings: {
        heartbeatMs: config.heartbeatMs,
        limits,
        maxTransactionFrames: 1000,
        maxTransactions: 64,
        maxPendingFrames: 10_000,
        connectTimeoutMs: host.server.heartbeatSeconds * 1000,
      },
    };
    const open: OpenConnection = (conn) => void new StompSession(deps, conn);
    return {
      websockets: [
        {
          path: STOMP_WS_PATH,
          protocols: STOMP_SUBPROTOCOLS,
          // Authentication is in CONNECT, not the upgrade.
          accept: () => open,
          // One frame per message at most this large: the parser answers a larger frame with an ERROR.
          maxFrameBytes: limits.maxBodyBytes + limits.maxHeaders * limits.maxLineBytes + 64 * 1024,
        },
      ],
      tcp: config.port === undefined ? [] : [{ name: 'stomp', port: config.port, accept: open }],
    };
  },
});
