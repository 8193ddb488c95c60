// Composition root: builds every part from the config. main.ts and the tests both start Herald here.
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import { loadConfig, type HeraldConfig } from './config.js';
import { openStore } from './store/store.js';
import { MemoryBus } from './bus/memory.js';
import { Chat } from './service/chat.js';
import { Ephemeral } from './service/ephemeral.js';
import { Gateway } from './gateway/gateway.js';
import { Auth } from './gateway/auth.js';
import { Metrics } from './metrics.js';
import { commandTable } from './commands/index.js';
import { buildHttp } from './http/server.js';
import { routeUpgrades, type UpgradeHandler } from './transports/websocket.js';
import { nativeModule } from './dialects/native/server.js';
import { tracimModule } from './dialects/tracim/server.js';
import { airsendModule } from './dialects/airsend/server.js';
import type { DialectModule } from './dialects/dialect.js';
import type { Context } from './context.js';

export interface Herald {
  ctx: Context;
  /** Base URL the server listens on, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Stops accepting, closes realtime connections (clients resume), and closes the store after the last write. */
  close(): Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;

/** Every wire dialect Herald serves. A new dialect is one folder and one line here. */
const DIALECTS: DialectModule[] = [nativeModule, tracimModule, airsendModule];

export async function startHerald(config: HeraldConfig = loadConfig(), log: Logger = pino({ level: config.logLevel })): Promise<Herald> {
  const store = await openStore(config.databaseUrl, { sqliteSynchronous: config.sqliteSynchronous, log: log.child({ component: 'store' }) });
  const bus = new MemoryBus();
  const metrics = new Metrics();
  const chat = new Chat(store, bus, { openSignup: config.openSignup });
  const ephemeral = new Ephemeral(store, bus, { typingBurst: config.typingBurst, typingIntervalMs: config.typingIntervalMs, checkPost: (a, s) => chat.checkCanUpload(a, s) });
  const gateway = new Gateway(store, bus, ephemeral, metrics, log.child({ component: 'gateway' }));
  const auth = new Auth(config.jwtSecret, config.apiKey, config.tokenTtlSeconds, { find: (id) => store.read((r) => r.user(id)) });
  const commands = commandTable({ chat, ephemeral });
  const ctx: Context = { config, store, bus, chat, ephemeral, commands, gateway, auth, metrics, log };

  const app = await buildHttp(ctx, DIALECTS.flatMap((d) => (d.http ? [(a: FastifyInstance) => d.http!(a, ctx)] : [])));
  const sockets = DIALECTS.flatMap((d) => (d.upgrades ? [d.upgrades(ctx)] : []));
  routeUpgrades(app.server, new Map<string, UpgradeHandler>(sockets.flatMap((s) => s.routes)));

  const prune = async () => {
    const through = await store.write((tx) => tx.prune(Date.now() - config.retentionHours * 3600_000));
    log.debug({ through }, 'event log pruned');
  };
  await prune();
  const pruner = setInterval(() => prune().catch((err: unknown) => log.error({ err }, 'prune failed')), PRUNE_EVERY_MS);
  pruner.unref();

  await app.listen({ port: config.port, host: config.host });
  const port = (app.server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  log.info({ port, database: store.flavor }, 'herald listening');

  let closing: Promise<void> | null = null;
  return {
    ctx,
    url: `http://${host}:${port}`,
    port,
    close: () =>
      (closing ??= (async () => {
        clearInterval(pruner);
        for (const s of sockets) s.close();
        gateway.closeAll();
        await app.close();
        // Waits for the writer queue: every command that got in has committed (and published) by now.
        await store.write(async () => undefined);
        await bus.close();
        await store.close();
      })()),
  };
}
