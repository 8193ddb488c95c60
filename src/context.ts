// What the composition root builds once and hands to transports, dialects and routes.
import type { Logger } from 'pino';
import type { HeraldConfig } from './config.js';
import type { Store } from './store/store.js';
import type { Bus } from './bus/bus.js';
import type { Ephemeral } from './service/ephemeral.js';
import type { Gateway } from './gateway/gateway.js';
import type { Auth } from './gateway/auth.js';
import type { Metrics } from './metrics.js';
import type { Commands } from './commands/command.js';

export interface Context {
  config: HeraldConfig;
  store: Store;
  bus: Bus;
  ephemeral: Ephemeral;
  commands: Commands;
  gateway: Gateway;
  auth: Auth;
  metrics: Metrics;
  log: Logger;
}
