// The options and observable state of a HeraldClient (client.ts).
import type { BackoffOptions } from './backoff.js';
import type { FetchFn } from './rest.js';
import type { TransportKind, WebSocketCtor } from './transports.js';

export interface ClientOptions {
  /** The server's base URL, e.g. `http://localhost:8080` (WebSocket URLs are derived from it). */
  url: string;
  token: string;
  /**
   * Called when the server refuses the token (401) or closes the connection with 4009 (logout, password
   * change): return a new token to go on, or null to stop (the client closes with an AuthError).
   */
  refreshToken?: (reason: 'unauthenticated' | 'revoked') => Promise<string | null> | string | null;
  /** `auto` (default): WebSocket, falling back to SSE + REST when WebSocket cannot connect but HTTP can. */
  transport?: 'auto' | TransportKind;
  /** Consecutive WebSocket failures, with the HTTP API reachable, before `auto` switches to SSE (default 2). */
  fallbackAfter?: number;
  /** After this long on the SSE fallback, the next reconnect tries WebSocket again (default 300 000 ms). */
  retryWebSocketAfterMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** How long a command waits for its answer (default 10 000 ms). */
  commandTimeoutMs?: number;
  /** Give up on a connection attempt that has not been welcomed after this long (default 15 000 ms). */
  connectTimeoutMs?: number;
  /** Where a previous session stopped (e.g. kept in localStorage): the first connection resumes from it. */
  resumeFrom?: { position: number; epoch: string | null };
  /** Random floats in [0, 1) for the jitter (tests pass a seeded one). */
  random?: () => number;
  WebSocket?: WebSocketCtor;
  fetch?: FetchFn;
}

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ClientStats {
  /** Connections welcomed, the first included. */
  connections: number;
  /** Replayed events dropped because their position was already delivered. */
  duplicates: number;
  resets: number;
  transport: TransportKind | null;
}

