// What a dialect asks the transports to listen on: WebSocket paths (with subprotocols), SSE streams and
// TCP ports. The transports accept the connection; the dialect's `accept` decides and takes it over.
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest, FastifySchema } from 'fastify';
import type { Connection } from './connection.js';

/** Takes over an accepted connection: the protocol session starts here. */
export type OpenConnection = (conn: Connection) => void;

export interface UpgradeRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The subprotocol selected for this listener (null when the client offered none it speaks). */
  protocol: string | null;
  remoteAddress: string;
}

export interface WsListener {
  path: string;
  /**
   * Subprotocols this endpoint speaks (`Sec-WebSocket-Protocol`), most preferred first. Several listeners
   * may share a path; the upgrade goes to the first one that speaks a protocol the client offers, else to
   * the one without `protocols` (when there is none, the upgrade is refused with 400).
   */
  protocols?: readonly string[];
  /**
   * Decides on the upgrade before it completes: returns what takes over the open connection, or throws a
   * HeraldError (the upgrade is refused with its HTTP status and a problem JSON body).
   */
  accept(req: UpgradeRequest): OpenConnection | Promise<OpenConnection>;
  /** A peer that missed a pong is closed with this code and reason, then cut a second later; omitted: cut at once. */
  deadPeer?: { code: number; reason: string };
  /** Largest client message on this endpoint (a protocol with its own frame limits); default HERALD_MAX_FRAME_BYTES. */
  maxFrameBytes?: number;
}

export interface SseListener {
  path: string;
  /** Route schema (validation and /openapi.json). */
  schema?: FastifySchema;
  /** The `retry:` hint sent first. */
  retryMs: number;
  /**
   * Authenticates and authorises the request (a thrown HeraldError becomes problem JSON, no stream).
   * `resume()` is the Last-Event-ID header or `?last_event_id=` (throws bad_request when malformed).
   */
  accept(req: FastifyRequest, resume: () => number | null): Promise<OpenConnection>;
}

export interface TcpListener {
  /** For logs and for finding the bound port (`Herald.tcpPort(name)`). */
  name: string;
  port: number;
  host?: string;
  accept: OpenConnection;
}
