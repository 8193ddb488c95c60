#!/usr/bin/env node
// Entry point: `npm start` (or `herald`). Reads HERALD_* from the environment; see docs/operations.md.
import pino from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { startHerald } from './herald.js';

const log = pino({ level: process.env.HERALD_LOG_LEVEL || 'info' });

async function main(): Promise<void> {
  let config;
  let herald;
  try {
    config = loadConfig();
    // Dialects' own sections are validated as startHerald begins.
    herald = await startHerald(config, log);
  } catch (e) {
    if (e instanceof ConfigError) {
      log.fatal(`configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  log.info(`Herald is up at ${herald.url} (database: ${herald.ctx.store.flavor}, data dir: ${config.dataDir})`);
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down: draining connections');
    herald.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'herald failed to start');
  process.exit(1);
});
