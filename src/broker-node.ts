// Herald's one broker, shared by every broker protocol (MQTT, STOMP): the namespace table (the event
// destinations the dialects declare, then the configured broker namespaces), membership as its ACL, and
// revocation when a member leaves a space (a control order, so every node cuts at once).
import type { Logger } from 'pino';
import { Broker, MemoryBrokerStore, NamespaceTable, type BrokerLimits, type NamespaceSpec } from './broker/index.js';
import type { PgBrokerStore } from './broker/pg-store.js';
import type { Gateway } from './gateway/gateway.js';
import type { DialectPlugin } from './dialects/plugin.js';
import type { BrokerMessage } from './broker/message.js';
import type { BrokerRelay, QueueRouter, RelayedBrokerMessage } from './bus/bus.js';

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
  /** A cluster's bus relay: MQTT topics and STOMP /topic destinations cross nodes (UNFINISHED: STOMP queues stay per node). */
  relay?: BrokerRelay;
  /** A cluster's STOMP queue routing: a send without a consumer here goes to one node that has one. */
  queues?: QueueRouter;
  /**
   * A store shared by the cluster's nodes (PostgreSQL): a persistent session resumes on whichever node its
   * client reconnects to, and the node that held it forgets it on the takeover order. Closed with the node.
   */
  shared?: PgBrokerStore;
  /** The bus's report of dead nodes: their sessions are adopted here (one live node takes each). */
  nodesGone?: (handler: (nodes: readonly string[]) => void) => () => void;
}): BrokerNode {
  const shared = o.shared;
  const node = o.gateway.node;
  const logged = (what: string) => (err: unknown) => o.log.error({ err }, what);
  const specs = [...o.dialects.flatMap((d) => d.brokerNamespaces ?? []), ...o.configured, ...(o.permissive ? [PERMISSIVE] : [])];
  const namespaces = new NamespaceTable(specs, (userId, group) => {
    const spaceId = spaceIdOf(group);
    return spaceId !== null && o.gateway.membership.isMember(spaceId, userId) && !o.gateway.membership.isDeleted(spaceId);
  });
  const broker: Broker = new Broker({
    store: o.shared ?? new MemoryBrokerStore(),
    sharedStore: shared !== undefined,
    ...(shared
      ? {
          holders: {
            hold: (id: string) => void shared.hold(id, node).catch(logged('recording the session holder failed')),
            release: (id: string) => void shared.release(id, node).catch(logged('releasing the session holder failed')),
          },
        }
      : {}),
    acl: namespaces,
    limits: o.limits,
    metrics: { storeError: (err) => o.log.error({ err }, 'broker store failed') },
    ...(o.relay ? { relay: (m: BrokerMessage) => o.relay!.publish(toWire(m)) } : {}),
    ...(o.queues ? { queueRoute: queueRoute(o.queues, (): Broker => broker) } : {}),
  });
  // A dead node's sessions: one live node adopts them (its will is published after its delay, messages queue here).
  const stopAdopt =
    shared && o.nodesGone
      ? o.nodesGone((nodes) => {
          shared
            .adopt(nodes, node)
            .then((ids) => (ids.length > 0 ? broker.adopt(ids).then(() => o.log.info({ nodes, sessions: ids.length }, "adopted a dead node's broker sessions")) : undefined))
            .catch(logged("adopting a dead node's sessions failed"));
        })
      : undefined;
  const stopRelay = o.relay?.subscribe((w) => {
    broker.deliverRemote(fromWire(w)).catch((err: unknown) => o.log.error({ err }, 'routing a message from another node failed'));
  });
  broker.startTicker();
  // Registered before the dialects start, so on a takeover by another node the session is forgotten here
  // before the protocol session closes its connection (whose goodbye then writes nothing).
  const stopRevoke = o.gateway.onControl((m) => {
    if (m.kind === 'revoke_space') broker.revoke({ userId: m.user_id, access: 'group', subject: String(m.space_id), reason: 'you are no longer a member of this group' });
    if (m.kind === 'takeover' && o.shared && m.node !== o.gateway.node) broker.forget(m.session);
  });
  return {
    broker,
    namespaces,
    close: async () => {
      stopRevoke();
      await broker.close();
      stopRelay?.();
      stopAdopt?.();
      await o.shared?.close();
    },
  };
}

/** Serves a queue over the bus while this node has consumers of it; offers sends it cannot consume itself. */
function queueRoute(router: QueueRouter, broker: () => Broker): NonNullable<ConstructorParameters<typeof Broker>[0]['queueRoute']> {
  const serving = new Map<string, () => void>();
  return {
    offer: (queue, m) => router.offer(queue, toWire(m)),
    serving: (queue, on) => {
      serving.get(queue)?.();
      serving.delete(queue);
      if (on) serving.set(queue, router.serve(queue, (w) => broker().acceptQueued(queue, fromWire(w))));
    },
  };
}

/** A broker message as JSON for the bus (bytes in base64). */
export function toWire(m: BrokerMessage): RelayedBrokerMessage {
  const p = m.properties;
  return {
    topic: m.topic,
    payload: m.payload.toString('base64'),
    qos: m.qos,
    retain: m.retain,
    properties: {
      ...(p.payloadFormatIndicator !== undefined ? { payloadFormatIndicator: p.payloadFormatIndicator } : {}),
      ...(p.contentType !== undefined ? { contentType: p.contentType } : {}),
      ...(p.responseTopic !== undefined ? { responseTopic: p.responseTopic } : {}),
      ...(p.correlationData !== undefined ? { correlationData: p.correlationData.toString('base64') } : {}),
      ...(p.userProperties !== undefined ? { userProperties: p.userProperties.map(([k, v]): [string, string] => [k, v]) } : {}),
    },
    expiresAt: m.expiresAt,
    origin: m.origin,
    createdAt: m.createdAt,
  };
}

export function fromWire(w: RelayedBrokerMessage): BrokerMessage {
  const p = w.properties;
  return {
    topic: w.topic,
    payload: Buffer.from(w.payload, 'base64'),
    qos: w.qos,
    retain: w.retain === true,
    properties: {
      ...(p.payloadFormatIndicator === 0 || p.payloadFormatIndicator === 1 ? { payloadFormatIndicator: p.payloadFormatIndicator } : {}),
      ...(typeof p.contentType === 'string' ? { contentType: p.contentType } : {}),
      ...(typeof p.responseTopic === 'string' ? { responseTopic: p.responseTopic } : {}),
      ...(typeof p.correlationData === 'string' ? { correlationData: Buffer.from(p.correlationData, 'base64') } : {}),
      ...(Array.isArray(p.userProperties) ? { userProperties: p.userProperties.filter((u) => Array.isArray(u) && typeof u[0] === 'string' && typeof u[1] === 'string') } : {}),
    },
    expiresAt: typeof w.expiresAt === 'number' ? w.expiresAt : null,
    origin: typeof w.origin === 'string' ? w.origin : null,
    createdAt: typeof w.createdAt === 'number' ? w.createdAt : Date.now(),
  };
}
