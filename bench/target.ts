// What the workload needs from a server under test; Herald and the reference implement it with their
// own APIs, so both get the same clients, groups, posts and measurements.

/** A fan-out group; members are client numbers (0..clients-1). */
export interface Group {
  id: number;
  members: number[];
}

export interface ConnectSpec {
  path: string;
  headers: Record<string, string>;
}

/** What the workload reads of the server under test (one process, or every node of a cluster). */
export interface MeasuredServer {
  readonly pid: number;
  readonly port: number;
  /** User + system CPU time so far, in microseconds. */
  cpuMicros(): number;
  gc(): Promise<void>;
  rssBytes(): number;
}

export interface Target {
  readonly name: string;
  readonly server: MeasuredServer;
  /** The port connection number i opens (a cluster spreads them over its nodes); default `server.port`. */
  portFor?(i: number): number;
  /** Creates what clients 0..n-1 connect and post as (users on Herald). */
  setupIdentities(n: number): Promise<void>;
  /** How connection number i connects; past the identities set up, they are reused round-robin. */
  connectSpec(i: number): ConnectSpec;
  createGroup(members: number[]): Promise<Group>;
  /** Posts one message through the server's API as client `poster`; true when accepted. */
  post(group: Group, poster: number, content: string): Promise<boolean>;
  /** The WebSocket command frame that posts one message (answered by `command.ack`). */
  postFrame(group: Group, content: string): string;
  stop(): Promise<void>;
}
