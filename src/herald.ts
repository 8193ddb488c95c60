// Composition root: builds every part from the config. main.ts and the tests both start Herald here.
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import { loadConfig, readSection, type HeraldConfig } from './config.js';
import { openStore } from './store/store.js';
import { HeraldError } from './core/errors.js';
import { MemoryBackend, MemoryBus } from './bus/memory.js';
import { NatsBus } from './bus/nats.js';
import type { Bus } from './bus/bus.js';
import { Runtime } from './service/context.js';
import { checkUpload } from './service/files.js';
import { Ephemeral } from './service/ephemeral.js';
import { Gateway } from './gateway/gateway.js';
import { MembershipIndex } from './gateway/membership.js';
import { revocationsOf } from './gateway/revocation.js';
import { Auth } from './gateway/auth.js';
import { Metrics } from './metrics.js';
import { commandTable } from './commands/index.js';
import { buildHttp } from './http/server.js';
import { WebSocketTransport } from './transports/websocket.js';
import { SseTransport } from './transports/sse.js';
import { TcpTransport } from './transports/tcp.js';
import { createHost } from './host.js';
import { startBroker } from './broker-node.js';
import { PgBrokerStore } from './broker/pg-store.js';
import type { DialectInstance, DialectPlugin } from './dialects/plugin.js';
import { nativePlugin } from './dialects/native/index.js';
import { tracimPlugin } from './dialects/tracim/index.js';
import { airsendPlugin } from './dialects/airsend/index.js';
import { talkPlugin } from './dialects/talk/index.js';
import { dinoPlugin } from './dialects/dino/index.js';
import { moobiusPlugin } from './dialects/moobius/index.js';
import type { Context } from './context.js';

export interface Herald {
  ctx: Context;
  /** Base URL the server listens on, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** The port a dialect's TCP listener is bound to (by listener name). */
  tcpPort(name: string): number | null;
  /** Stops accepting, closes realtime connections (clients resume), and closes the store after the last write. */
  close(): Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;
/** How long a gap in the ordered event stream may stay open before it is read from the store. */
const GAP_WAIT_MS = 50;
/** Base of the meeting URL handed out for calls (Tracim user calls). */
const CALL_URL_BASE = 'https://meet.jit.si/herald-';

/** Every wire dialect Herald serves. A new dialect is one folder and one line here. */
export const DIALECTS: readonly DialectPlugin[] = [nativePlugin, tracimPlugin, airsendPlugin, talkPlugin, dinoPlugin, moobiusPlugin];

export async function startHerald(config: HeraldConfig = loadConfig(), log: Logger = pino({ level: config.logLevel }), dialects: readonly DialectPlugin[] = DIALECTS): Promise<Herald> {
  // Every dialect's settings are checked before anything opens.
  const sections = dialects.map((d) => readSection(d.name, d.config, config.env));
  // Without NATS this node is the database's only writer (a cluster needs NATS).
  const store = await openStore(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous, log: log.child({ component: 'store' }), singleNode: !config.natsUrl });
  const metrics = new Metrics();
  const failed = (stage: string) => (err: unknown) => {
    metrics.deliveryErrors.inc({ stage, dialect: '' });
    // A database outage is the operator's to fix and is reported as such (503s, the pool's own warnings).
    if (err instanceof HeraldError && err.code === 'unavailable') log.warn({ err, stage }, 'delivery-path work skipped: the database is unavailable');
    else log.error({ err, stage }, 'isolated failure on the delivery path');
  };
  store.onAfterCommitError = failed('after_commit');
  const busOptions = { leaseMs: config.presenceLeaseSeconds * 1000, onError: (err: unknown, where: string) => failed(`bus ${where}`)(err) };
  // A cluster when HERALD_NATS_URL is set; otherwise one node on the in-process bus.
  if (config.natsUrl) log.info({ nats: config.natsUrl }, 'connecting to NATS (the node starts once NATS answers)');
  const bus: Bus = config.natsUrl ? await NatsBus.connect({ ...busOptions, url: config.natsUrl, prefix: config.natsPrefix }) : new MemoryBus(new MemoryBackend(), busOptions);
  bus.onCommit((events) => {
    for (const ev of events) for (const order of revocationsOf(ev)) bus.control.send(order);
  });
  const membership = new MembershipIndex();
  const runtime = new Runtime(store, bus, { openSignup: config.openSignup, callUrlBase: CALL_URL_BASE }, { appended: metrics.eventsAppended });
  const ephemeral = new Ephemeral(store, bus, {
    typingBurst: config.typingBurst,
    typingIntervalMs: config.typingIntervalMs,
    checkPost: (a, s) => runtime.read(a, (c) => checkUpload(c, s)),
    spacesOf: (u) => membership.liveSpacesOf(u),
    onError: failed('activity'),
  });
  const gateway = new Gateway(store, bus, membership, metrics, log.child({ component: 'gateway' }), {
    maxHeld: config.maxHeldEvents,
    gapWaitMs: GAP_WAIT_MS,
    headCheckMs: config.natsUrl ? config.headCheckMs : 0,
    presenceChanged: (uid, online) => void ephemeral.presenceChanged(uid, online).catch(failed('presence')),
  });
  await gateway.start();
  const auth = new Auth(config.jwtSecret, config.apiKey, config.tokenTtlSeconds, { find: (id, tokenIds) => store.readLatest((r) => r.users.authState(id, tokenIds)) });
  const commands = commandTable({
    runtime,
    ephemeral,
    issueToken: (id, generation) => auth.issue(id, { generation }),
    closeConnections: (o) => bus.control.send(o.tokens ? { kind: 'close_tokens', user_id: o.userId, tokens: [...o.tokens], reason: o.reason } : { kind: 'close_user', user_id: o.userId, reason: o.reason }),
    audienceSize: (ev) => membership.audienceSize(ev),
  });
  const ctx: Context = { config, store, bus, ephemeral, commands, gateway, auth, metrics, log };

  // A cluster on PostgreSQL shares the broker's sessions and retained messages through the database.
  const sharedBrokerStore =
    config.natsUrl && config.databaseUrl.startsWith('postgres')
      ? await PgBrokerStore.open(config.databaseUrl, { queues: false, onError: (err) => log.warn({ err }, 'broker store connection lost') })
      : undefined;
  const broker = startBroker({
    dialects,
    configured: config.brokerNamespaces,
    permissive: config.brokerPermissive,
    limits: { maxQueuedMessages: config.brokerMaxQueuedMessages, maxQueuedBytes: config.brokerMaxQueuedBytes },
    gateway,
    log: log.child({ component: 'broker' }),
    ...(config.natsUrl ? { relay: bus.relay, queues: bus.queues } : {}),
    ...(sharedBrokerStore ? { shared: sharedBrokerStore, nodesGone: (h: (nodes: readonly string[]) => void) => bus.presence.onNodesGone?.(h) ?? (() => undefined) } : {}),
  });
  if (sharedBrokerStore) await broker.broker.seedSequence();
  let port = 0;
  const parts = { config, store, auth, gateway, commands, metrics, log, port: () => port, broker };
  const instances: DialectInstance[] = [];
  for (const [i, d] of dialects.entries()) instances.push(await d.start(createHost(d.name, parts), sections[i]));

  const sse = new SseTransport({ maxBufferedBytes: config.maxConnectionBufferBytes, heartbeatSeconds: config.heartbeatSeconds, log });
  const app = await buildHttp(ctx, [
    ...instances.flatMap((d) => (d.http ? [(a: FastifyInstance) => d.http!(a)] : [])),
    (a: FastifyInstance) => sse.mount(a, instances.flatMap((d) => d.streams ?? [])),
  ]);
  const ws = new WebSocketTransport(app.server, instances.flatMap((d) => d.websockets ?? []), {
    maxFrameBytes: config.maxFrameBytes,
    maxBufferedBytes: config.maxConnectionBufferBytes,
    heartbeatSeconds: config.heartbeatSeconds,
    log,
  });

  const prune = async () => {
    const through = await store.write((tx) => tx.prune(Date.now() - config.retentionHours * 3600_000));
    log.debug({ through }, 'event log pruned');
  };
  await prune();
  const pruner = setInterval(() => prune().catch((err: unknown) => log.error({ err }, 'prune failed')), PRUNE_EVERY_MS);
  pruner.unref();

  await app.listen({ port: config.port, host: config.host });
  port = (app.server.address() as AddressInfo).port;
  const tcp = new TcpTransport({ maxBufferedBytes: config.maxConnectionBufferBytes, log });
  await tcp.listen(instances.flatMap((d) => d.tcp ?? []));
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  log.info({ port, database: store.flavor, dialects: dialects.map((d) => d.name), node: bus.node, cluster: config.natsUrl ? config.natsPrefix : null }, 'herald listening');

  let closing: Promise<void> | null = null;
  return {
    ctx,
    url: `http://${host}:${port}`,
    port,
    tcpPort: (name) => tcp.port(name),
    close: () =>
      (closing ??= (async () => {
        clearInterval(pruner);
        gateway.closeAll();
        ws.close();
        sse.close();
        await tcp.close();
        for (const d of instances) await d.stop?.();
        await broker.close();
        await app.close();
        // Waits for the writer queue: every command that got in has committed (and published) by now.
        await store.write(async () => undefined);
        await ephemeral.close();
        await bus.close();
        await store.close();
      })()),
  };
}
