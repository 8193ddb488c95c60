// What the composition root builds once and hands to the HTTP routes (and, until they move behind the
// Tracim plugin's host, Tracim's REST routes). Dialects never see it: they get a DialectHost (src/host.ts).
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
