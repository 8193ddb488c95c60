// The AirSend RTM dialect: `rtm.connect` over HTTP, and the WebSocket at /rtm whose first frame must be
// `ws_auth`. See docs/dialects/airsend.md.
import { Type } from '@sinclair/typebox';
import { dialectPlugin } from '../plugin.js';
import { AIRSEND_CLOSE } from './commands.js';
import { AirSendExtras } from './extras.js';
import { AirSendSession } from './protocol.js';
import { airsendRenderer, type AirSendRenderOptions } from './render.js';
import { AIRSEND_WS_PATH, rtmConnectRoute } from './rtm-connect.js';

const Config = Type.Object({
  botName: Type.String({ minLength: 1, maxLength: 128, default: 'AirBot', env: 'HERALD_AIRSEND_BOT_NAME', description: 'display_name of bot messages' }),
  tokenTtlSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 120, env: 'HERALD_AIRSEND_TOKEN_TTL_SECONDS', description: "lifetime of rtm.connect's ws_token" }),
});

export const airsendPlugin = dialectPlugin({
  name: 'airsend',
  config: Config,
  start(host, config) {
    const opts: AirSendRenderOptions = { botName: config.botName, isOnline: (id) => host.presence.isOnline(id) };
    const deps = { host, renderer: airsendRenderer(opts), extras: new AirSendExtras(opts, host.membership) };
    return {
      http: (app) => rtmConnectRoute(app, host, config.tokenTtlSeconds),
      websockets: [
        {
          path: AIRSEND_WS_PATH,
          // Authentication is the first frame (ws_auth), not the upgrade.
          accept: () => (conn) => void new AirSendSession(deps, conn),
          deadPeer: { code: AIRSEND_CLOSE.heartbeat_timeout, reason: 'no pong received' },
        },
      ],
    };
  },
});
