// Shared fixtures for the broker unit tests: a manual clock, a sink that records what the broker
// hands a connection, and a connect-and-start helper.
import assert from 'node:assert/strict';
import { asUser, type Actor } from '../../../src/core/actor.js';
import {
  Broker,
  MemoryBrokerStore,
  allowAllAcl,
  type BrokerAcl,
  type BrokerOptions,
  type CloseReason,
  type ConnectRequest,
  type Connection,
  type Delivery,
  type SessionSink,
} from '../../../src/broker/index.js';

export const T0 = 1_700_000_000_000;

export class Clock {
  t = T0;
  readonly now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

export class RecordingSink implements SessionSink {
  deliveries: Delivery[] = [];
  releases: number[] = [];
  closedReasons: CloseReason[] = [];
  revokedKeys: string[][] = [];
  deliver(d: Delivery): void {
    this.deliveries.push(d);
  }
  release(packetId: number): void {
    this.releases.push(packetId);
  }
  closed(reason: CloseReason): void {
    this.closedReasons.push(reason);
  }
  revoked(keys: readonly string[]): void {
    this.revokedKeys.push([...keys]);
  }
  /** Returns what was delivered since the last take, and forgets it. */
  take(): Delivery[] {
    const d = this.deliveries;
    this.deliveries = [];
    return d;
  }
  /** `topic=payload` of each delivery since the last take. */
  texts(): string[] {
    return this.take().map((d) => `${d.message.topic}=${d.message.payload.toString()}`);
  }
}
export interface Harness {
  broker: Broker;
  store: MemoryBrokerStore;
  clock: Clock;
}

export function harness(opts: Partial<BrokerOptions> & { acl?: BrokerAcl } = {}): Harness {
  const clock = new Clock();
  const store = (opts.store as MemoryBrokerStore | undefined) ?? new MemoryBrokerStore();
  const broker = new Broker({ acl: allowAllAcl, clock: clock.now, ...opts, store });
  return { broker, store, clock };
}

export interface Client {
  conn: Connection;
  sink: RecordingSink;
  present: boolean;
}

/** Connects and starts (as the protocol session would after sending CONNACK). */
export async function connect(broker: Broker, clientId: string, opts: Partial<ConnectRequest> = {}): Promise<Client> {
  const sink = new RecordingSink();
  const r = await broker.connect({ clientId, principal: asUser(1), cleanStart: true, sessionExpiryInterval: 0, sink, ...opts });
  assert.ok(r.ok, r.ok ? '' : `connect refused: ${r.reason} ${r.message}`);
  broker.start(r.connection);
  return { conn: r.connection, sink, present: r.present };
}

export const text = (s: string): Buffer => Buffer.from(s, 'utf8');

export const user = (id: number): Actor => asUser(id);
