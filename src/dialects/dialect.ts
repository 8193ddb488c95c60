// A dialect renders canonical events into one spec's wire format. `render` runs once per event and
// dialect (never per recipient); the gateway hands the same bytes to every connection of that dialect.
import type { FastifyInstance } from 'fastify';
import type { Delivered } from '../events/types.js';
import type { Context } from '../context.js';
import type { UpgradeHandler } from '../transports/websocket.js';

export interface Dialect {
  readonly name: string;
  /** The text of one frame for this event, or null when this dialect's clients never see it. */
  render(event: Delivered): string | null;
  /**
   * Optional per-recipient filter, for specs that address fewer users than the canonical audience
   * (e.g. "channels this user is associated with"). Must be cheap: it runs once per recipient.
   */
  accepts?(event: Delivered, userId: number): boolean;
}

/** What a dialect mounts on the server: HTTP routes and WebSocket upgrade paths. One registration line in herald.ts. */
export interface DialectModule {
  name: string;
  /** Registers HTTP routes (SSE streams, login flows). Runs before the server listens. */
  http?(app: FastifyInstance, ctx: Context): void;
  /** WebSocket endpoints: path → upgrade handler. */
  upgrades?(ctx: Context): { routes: [string, UpgradeHandler][]; close(): void };
}
