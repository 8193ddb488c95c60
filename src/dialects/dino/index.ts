// The Dino dialect: Herald is the MQTT 5 (and 3.1.1) broker Dino's apps connect to, over TCP
// (HERALD_MQTT_PORT) and WebSocket (/mqtt, subprotocol `mqtt`); each user's events on their own topic,
// generic broker namespaces beside them, and optionally a bridge that publishes the same events to an
// external broker (HERALD_MQTT_BRIDGE_URL). See docs/dialects/dino.md.
import { Type } from '@sinclair/typebox';
import type { Connection } from '../../gateway/connection.js';
import { dialectPlugin } from '../plugin.js';
import { BrokerFrames } from './broker-frames.js';
import { Bridge } from './bridge/bridge.js';
import type { MqttDeps } from './session-context.js';
import { LocalSessions } from './local-sessions.js';
import { MqttSession } from './protocol.js';
import { DinoFrames } from './renderer.js';
import { DINO_NAMESPACES } from './topics.js';

const Config = Type.Object({
  port: Type.Integer({ minimum: -1, maximum: 65_535, default: -1, env: 'HERALD_MQTT_PORT', description: 'TCP port of the MQTT listener (0: any free port); unset: no TCP listener' }),
  maxPacketSize: Type.Integer({ minimum: 128, maximum: 268_435_455, default: 262_144, env: 'HERALD_MQTT_MAX_PACKET_BYTES', description: 'largest MQTT packet a client may send (CONNACK Maximum Packet Size)' }),
  receiveMaximum: Type.Integer({ minimum: 1, maximum: 65_535, default: 64, env: 'HERALD_MQTT_RECEIVE_MAXIMUM', description: 'QoS 1/2 PUBLISHes a client may have unacknowledged' }),
  topicAliasMaximum: Type.Integer({ minimum: 0, maximum: 65_535, default: 32, env: 'HERALD_MQTT_TOPIC_ALIAS_MAXIMUM', description: 'topic aliases a client may set' }),
  maxKeepAliveSeconds: Type.Integer({ minimum: 5, maximum: 65_535, default: 300, env: 'HERALD_MQTT_MAX_KEEPALIVE_SECONDS', description: 'Server Keep Alive for MQTT 5 clients asking for 0 or more' }),
  connectTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 10, env: 'HERALD_MQTT_CONNECT_TIMEOUT_SECONDS', description: 'time a new connection has to send CONNECT' }),
  bridgeUrl: Type.String({ default: '', env: 'HERALD_MQTT_BRIDGE_URL', description: 'external MQTT 5 broker the events are also published to (mqtt://host:port); empty: no bridge' }),
  bridgeUsername: Type.String({ default: '', env: 'HERALD_MQTT_BRIDGE_USERNAME', description: 'user name on the external broker' }),
  bridgePassword: Type.String({ default: '', env: 'HERALD_MQTT_BRIDGE_PASSWORD', description: 'password on the external broker' }),
  bridgeClientId: Type.String({ minLength: 1, default: 'herald-bridge', env: 'HERALD_MQTT_BRIDGE_CLIENT_ID', description: "the bridge's client id on the external broker" }),
});

export const dinoPlugin = dialectPlugin({
  name: 'dino',
  config: Config,
  brokerNamespaces: DINO_NAMESPACES,
  start(host, config) {
    const frames = new DinoFrames();
    const sessions = new LocalSessions();
    const deps: MqttDeps = {
      host,
      frames,
      messages: new BrokerFrames(),
      sessions,
      settings: {
        maxPacketSize: config.maxPacketSize,
        receiveMaximum: config.receiveMaximum,
        topicAliasMaximum: config.topicAliasMaximum,
        maxKeepAliveSeconds: config.maxKeepAliveSeconds,
        connectTimeoutSeconds: config.connectTimeoutSeconds,
      },
    };
    const open = (conn: Connection) => void new MqttSession(deps, conn);
    // Another node took over a client id held here (§3.1.4 across the cluster).
    const stopTakeovers = host.control.onTakeover((clientId) => sessions.get(clientId)?.takenOverElsewhere());
    const bridge = config.bridgeUrl === '' ? null : new Bridge(host, frames, { url: config.bridgeUrl, username: config.bridgeUsername, password: config.bridgePassword, clientId: config.bridgeClientId });
    bridge?.start();
    return {
      // Authentication is CONNECT's user name and password, not the upgrade.
      // A WebSocket message holds one or a few MQTT packets: its limit follows the packet limit (an oversized
      // packet gets DISCONNECT 0x95 from the protocol, not a 1009 close from the transport).
      websockets: [{ path: '/mqtt', protocols: ['mqtt'], maxFrameBytes: config.maxPacketSize + 64 * 1024, accept: () => open }],
      tcp: config.port < 0 ? [] : [{ name: 'mqtt', port: config.port, accept: open }],
      stop: async () => {
        stopTakeovers();
        await bridge?.stop();
      },
    };
  },
});
