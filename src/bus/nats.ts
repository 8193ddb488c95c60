// The cluster bus on NATS: core NATS subjects `<prefix>.events|ephemeral|control|relay`, presence on
// JetStream KV (nats-presence.ts). There is no JetStream stream for events: PostgreSQL is the log, and
// positions are contiguous, so a node that misses a message (a reconnect, a restart) sees the gap, or
// the head check sees it, and reads the events from the store (gateway/sequencer.ts).
//
// The connection is opened with noEcho: a node never hears its own messages from the server; it hands
// them to its own subscribers synchronously instead, exactly as the in-process bus does (so the
// committing node's clients do not wait for a round trip, and commit hooks run after local delivery).
import { randomUUID } from 'node:crypto';
import { connect, Events, type NatsConnection, type Subscription } from 'nats';
import type { Delivered } from '../events/types.js';
import type { Bus, BusOptions, ControlMessage, ControlPlane, EphemeralFanout, EventStream, BrokerRelay, QueueRouter, RelayedBrokerMessage } from './bus.js';
import { NatsPresence } from './nats-presence.js';

export interface NatsBusOptions extends BusOptions {
  /** nats://host:port (a comma-separated list for a NATS cluster). */
  url: string;
  /** Subject and bucket prefix: nodes with the same prefix form one Herald cluster. */
  prefix: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Local subscribers of one channel: synchronous, each guarded. */
class Local<T> {
  private readonly handlers = new Set<(v: T) => void>();

  constructor(
    private readonly name: string,
    private readonly report: (err: unknown, where: string) => void,
  ) {}

  emit(v: T): void {
    for (const h of this.handlers) {
      try {
        h(v);
      } catch (err) {
        this.report(err, this.name);
      }
    }
  }

  subscribe(fn: (v: T) => void): () => void {
    this.handlers.add(fn);
    return () => this.handlers.delete(fn);
  }

  clear(): void {
    this.handlers.clear();
  }
}

// Messages from other nodes are checked for shape before use: a bad one is reported and dropped.
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isEvent = (v: unknown): v is Delivered =>
  isObject(v) && typeof v.type === 'string' && (v.id === null || Number.isInteger(v.id)) && isObject(v.audience) && Array.isArray(v.explicit) && 'data' in v;
const isId = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0;
function isControl(v: unknown): v is ControlMessage {
  if (!isObject(v)) return false;
  switch (v.kind) {
    case 'close_user':
      return isId(v.user_id) && typeof v.reason === 'string';
    case 'close_tokens':
      return isId(v.user_id) && typeof v.reason === 'string' && Array.isArray(v.tokens) && v.tokens.every((t) => typeof t === 'string');
    case 'revoke_space':
      return isId(v.user_id) && isId(v.space_id);
    case 'takeover':
      return typeof v.session === 'string' && typeof v.node === 'string';
    default:
      return false;
  }
}
const isRelayed = (v: unknown): v is RelayedBrokerMessage =>
  isObject(v) && typeof v.topic === 'string' && typeof v.payload === 'string' && (v.qos === 0 || v.qos === 1 || v.qos === 2) && isObject(v.properties);

export class NatsBus implements Bus {
  readonly events: EventStream;
  readonly ephemeral: EphemeralFanout;
  readonly control: ControlPlane;
  readonly relay: BrokerRelay;
  readonly queues: QueueRouter;
  private readonly local: {
    events: Local<Delivered>;
    ephemeral: Local<Delivered>;
    control: Local<ControlMessage>;
    relay: Local<RelayedBrokerMessage>;
    resync: Local<void>;
  };
  private readonly hooks = new Set<(events: readonly Delivered[]) => void>();
  private readonly subs: Subscription[] = [];
  private closed = false;

  private constructor(
    readonly node: string,
    private readonly nc: NatsConnection,
    readonly presence: NatsPresence,
    private readonly opts: NatsBusOptions,
  ) {
    const report = (err: unknown, where: string) => opts.onError(err, where);
    this.local = {
      events: new Local('events', report),
      ephemeral: new Local('ephemeral', report),
      control: new Local('control', report),
      relay: new Local('relay', report),
      resync: new Local('resync', report),
    };
    const p = opts.prefix;
    this.events = {
      publish: (evs) => this.publishEvents(evs),
      subscribe: (fn) => this.local.events.subscribe(fn),
      onResync: (fn) => this.local.resync.subscribe(fn),
    };
    this.ephemeral = {
      publish: (e) => {
        this.local.ephemeral.emit(e);
        this.send(`${p}.ephemeral`, e, 'ephemeral');
      },
      subscribe: (fn) => this.local.ephemeral.subscribe(fn),
    };
    this.control = {
      send: (m) => {
        this.local.control.emit(m);
        this.send(`${p}.control`, m, 'control');
      },
      subscribe: (fn) => this.local.control.subscribe(fn),
    };
    this.relay = {
      publish: (m) => this.send(`${p}.relay`, m, 'relay'),
      subscribe: (fn) => this.local.relay.subscribe(fn),
    };
    this.queues = {
      offer: (q, m) => this.offerQueue(q, m),
      serve: (q, fn) => this.serveQueue(q, fn),
    };
    this.listen(`${p}.events`, 'events', (v) => {
      if (!Array.isArray(v) || !v.every(isEvent)) throw new Error('malformed events message from another node');
      for (const e of v) this.local.events.emit(e);
    });
    this.listen(`${p}.ephemeral`, 'ephemeral', (v) => {
      if (!isEvent(v)) throw new Error('malformed ephemeral message from another node');
      this.local.ephemeral.emit(v);
    });
    this.listen(`${p}.control`, 'control', (v) => {
      if (!isControl(v)) throw new Error('malformed control message from another node');
      this.local.control.emit(v);
    });
    this.listen(`${p}.relay`, 'relay', (v) => {
      if (!isRelayed(v)) throw new Error('malformed relay message from another node');
      this.local.relay.emit(v);
    });
    this.watchStatus().catch((err: unknown) => opts.onError(err, 'status'));
  }

  /** Connects, opens the presence buckets and takes this node's lease. */
  static async connect(opts: NatsBusOptions): Promise<NatsBus> {
    const node = opts.node ?? randomUUID();
    const nc = await connect({
      servers: opts.url.split(',').map((s) => s.trim()),
      name: `herald-${node}`,
      noEcho: true,
      // Never give up: a NATS restart must not end the node; events missed meanwhile come from the store.
      // The same at start: a node started before NATS waits for it instead of exiting into a restart loop.
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 5000,
      maxPingOut: 3,
    });
    try {
      const presence = await NatsPresence.open(nc, { prefix: opts.prefix, node, leaseMs: opts.leaseMs, onError: opts.onError });
      const bus = new NatsBus(node, nc, presence, opts);
      // The server has our subscriptions once it answers this ping: nothing published after start is missed.
      await nc.flush();
      return bus;
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
  }

  private listen(subject: string, where: string, handle: (v: unknown) => void): void {
    this.subs.push(
      this.nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return this.opts.onError(err, where);
          try {
            handle(JSON.parse(dec.decode(msg.data)) as unknown);
          } catch (e) {
            this.opts.onError(e, where);
          }
        },
      }),
    );
  }

  /** A queue's subject: its name in base64url is one valid subject token whatever the name holds. */
  private queueSubject(queue: string): string {
    return `${this.opts.prefix}.queue.${Buffer.from(queue).toString('base64url')}`;
  }

  private async offerQueue(queue: string, m: RelayedBrokerMessage): Promise<boolean> {
    if (this.closed) return false;
    try {
      // No responders (nobody serves the queue) fails at once; noEcho keeps this node out of the group.
      const reply = await this.nc.request(this.queueSubject(queue), enc.encode(JSON.stringify(m)), { timeout: 2000 });
      return dec.decode(reply.data) === '1';
    } catch {
      return false;
    }
  }

  private serveQueue(queue: string, handler: (m: RelayedBrokerMessage) => boolean): () => void {
    const sub = this.nc.subscribe(this.queueSubject(queue), {
      queue: `${this.opts.prefix}.queues`,
      callback: (err, msg) => {
        if (err) return this.opts.onError(err, 'queue');
        let took = false;
        try {
          const v = JSON.parse(dec.decode(msg.data)) as unknown;
          if (!isRelayed(v)) throw new Error('malformed queue message from another node');
          took = handler(v);
        } catch (e) {
          this.opts.onError(e, 'queue');
        }
        msg.respond(enc.encode(took ? '1' : '0'));
      },
    });
    this.subs.push(sub);
    return () => sub.unsubscribe();
  }

  /** After a reconnect, messages sent while we were away are gone: the gateway checks the log head. */
  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === Events.Reconnect) {
        this.local.resync.emit();
        void this.presence.reconnected();
      }
    }
  }

  /** Publishes without ever throwing into the caller (the commit path): a failure is reported; receivers fill from the store. */
  private send(subject: string, value: unknown, where: string): boolean {
    if (this.closed) return false;
    try {
      this.nc.publish(subject, enc.encode(JSON.stringify(value)));
      return true;
    } catch (err) {
      this.opts.onError(err, `${where} publish`);
      return false;
    }
  }

  private publishEvents(events: readonly Delivered[]): void {
    for (const e of events) this.local.events.emit(e);
    this.sendEvents(events);
  }

  /** One message per commit; split when it would pass the server's payload limit (a lone oversized event is left to the gap fill). */
  private sendEvents(events: readonly Delivered[]): void {
    if (events.length === 0 || this.closed) return;
    const data = enc.encode(JSON.stringify(events));
    const max = this.nc.info?.max_payload ?? 1024 * 1024;
    if (data.length <= max - 1024) {
      try {
        this.nc.publish(`${this.opts.prefix}.events`, data);
      } catch (err) {
        this.opts.onError(err, 'events publish');
      }
      return;
    }
    if (events.length === 1) {
      this.opts.onError(new Error(`event ${events[0].id} is larger than the NATS payload limit: other nodes read it from the store`), 'events publish');
      return;
    }
    const half = Math.ceil(events.length / 2);
    this.sendEvents(events.slice(0, half));
    this.sendEvents(events.slice(half));
  }

  publish(events: readonly Delivered[]): void {
    this.publishEvents(events);
    for (const hook of this.hooks) {
      try {
        hook(events);
      } catch (err) {
        this.opts.onError(err, 'commit hook');
      }
    }
  }

  onCommit(hook: (events: readonly Delivered[]) => void): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  private detach(): void {
    this.closed = true;
    for (const s of this.subs.splice(0)) s.unsubscribe();
    for (const l of Object.values(this.local)) l.clear();
    this.hooks.clear();
  }

  /** Test hook: the node dies without a word (no release); its lease runs out on its own. */
  async crash(): Promise<void> {
    this.detach();
    this.presence.stop();
    await this.nc.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.detach();
    await this.presence.release();
    // drain: what was published goes out before the connection ends.
    await this.nc.drain().catch(() => undefined);
  }
}
