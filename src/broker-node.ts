// Herald's one broker, shared by every broker protocol (MQTT, STOMP): the namespace table (the event
// destinations the dialects declare, then the configured broker namespaces), membership as its ACL, and
// revocation when a member leaves a space (a control order, so every node cuts at once).
import type { Logger } from 'pino';
import { Broker, MemoryBrokerStore, NamespaceTable, type BrokerLimits, type NamespaceSpec } from './broker/index.js';
import type { Gateway } from './gateway/gateway.js';
import type { DialectPlugin } from './dialects/plugin.js';

/** The interop namespace HERALD_BROKER_PERMISSIVE turns on: every topic, no ACL (test credentials only). */
const PERMISSIVE: NamespaceSpec = { name: 'interop', pattern: '#', kind: 'broker', access: 'permissive', queues: true, enabled: true };

export interface BrokerNode {
  readonly broker: Broker;
  readonly namespaces: NamespaceTable;
  close(): Promise<void>;
}

/** A group parameter in a topic names a Herald space by its integer id. */
const spaceIdOf = (param: string): number | null => (/^[1-9][0-9]{0,15}$/.test(param) ? Number(param) : null);

export function startBroker(o: {
  dialects: readonly DialectPlugin[];
  configured: readonly NamespaceSpec[];
  permissive: boolean;
  limits: Partial<BrokerLimits>;
  gateway: Gateway;
  log: Logger;
}): BrokerNode {
  const specs = [...o.dialects.flatMap((d) => d.brokerNamespaces ?? []), ...o.configured, ...(o.permissive ? [PERMISSIVE] : [])];
  const namespaces = new NamespaceTable(specs, (userId, group) => {
    const spaceId = spaceIdOf(group);
    return spaceId !== null && o.gateway.membership.isMember(spaceId, userId) && !o.gateway.membership.isDeleted(spaceId);
  });
  const broker = new Broker({
    store: new MemoryBrokerStore(),
    acl: namespaces,
    limits: o.limits,
    metrics: { storeError: (err) => o.log.error({ err }, 'broker store failed') },
  });
  broker.startTicker();
  const stopRevoke = o.gateway.onControl((m) => {
    if (m.kind === 'revoke_space') broker.revoke({ userId: m.user_id, access: 'group', subject: String(m.space_id), reason: 'you are no longer a member of this group' });
  });
  return {
    broker,
    namespaces,
    close: async () => {
      stopRevoke();
      await broker.close();
    },
  };
}
