// Bench child: Herald alone in its own process, so /proc/<pid> measures only the server.
// Configured by HERALD_* like main.ts; logs go to stderr because stdout is the control channel.
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { startHerald } from '../src/herald.js';
import { announce } from './child-control.js';

const config = loadConfig();
const herald = await startHerald(config, pino({ level: config.logLevel }, pino.destination(2)));
announce(herald.port, () => herald.close());
