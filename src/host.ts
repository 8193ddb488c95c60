// The DialectHost each plugin receives: the narrow set of server capabilities a dialect may use,
// built from the composition root's parts. Nothing else of the server reaches a dialect.
import type { Logger } from 'pino';
import type { HeraldConfig } from './config.js';
import type { Store } from './store/store.js';
import type { Auth } from './gateway/auth.js';
import type { Gateway } from './gateway/gateway.js';
import type { Commands } from './commands/command.js';
import type { Metrics } from './metrics.js';
import type { DialectHost } from './dialects/plugin.js';
import type { BrokerNode } from './broker-node.js';
import { join } from 'node:path';
import { LocalFileStorage } from './files/store.js';

export interface HostParts {
  config: HeraldConfig;
  store: Store;
  auth: Auth;
  gateway: Gateway;
  commands: Commands;
  metrics: Metrics;
  log: Logger;
  /** The HTTP port once listening. */
  port(): number;
  broker: BrokerNode;
}

export function createHost(dialect: string, p: HostParts): DialectHost {
  const { gateway } = p;
  return {
    log: p.log.child({ dialect }),
    metrics: {
      frameReceived: () => p.metrics.framesReceived.inc({ dialect }),
      slowConsumer: () => p.metrics.slowConsumers.inc({ dialect }),
    },
    server: {
      publicUrl: p.config.publicUrl,
      port: p.port,
      heartbeatSeconds: p.config.heartbeatSeconds,
      tokenTtlSeconds: p.config.tokenTtlSeconds,
      retentionMs: p.config.retentionHours * 3600_000,
      dataDir: p.config.dataDir,
    },
    files: (area) => new LocalFileStorage(join(p.config.dataDir, area), p.config.maxUploadBytes),
    authenticate: (c) => p.auth.authenticate(c),
    issueToken: (userId, o) => p.auth.issue(userId, o),
    commands: p.commands,
    feeds: {
      head: () => gateway.head(),
      open: (o) => gateway.open(o),
      resume: (c) => gateway.resume(c),
      page: (userId, o) => gateway.page(userId, o),
      log: (after, limit) => gateway.logPage(after, limit),
      onLogged: (handler) => gateway.onLogged(handler),
    },
    presence: {
      isOnline: (id) => gateway.presence.isOnline(id),
      online: (ids) => gateway.onlineUsers(ids),
    },
    membership: gateway.membership,
    connections: { register: (c) => gateway.register(c) },
    control: {
      onRevoke: (handler) => gateway.onControl((m) => m.kind === 'revoke_space' && handler(m.user_id, m.space_id)),
      takeover: (session) => gateway.sendControl({ kind: 'takeover', session, node: gateway.node }),
      onTakeover: (handler) => gateway.onControl((m) => m.kind === 'takeover' && m.node !== gateway.node && handler(m.session, m.node)),
    },
    users: {
      find: async (id) => {
        const u = await p.store.read((r) => r.users.get(id));
        return u === null ? null : { id: u.id, username: u.username, is_admin: u.is_admin, deleted: u.deleted };
      },
    },
    broker: { core: p.broker.broker, resolver: p.broker.namespaces },
  };
}
