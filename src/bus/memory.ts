// In-process bus: one MemoryBackend is the "network"; each node is a MemoryBus on it. One node per
// process is the embedded default; tests put two nodes on one backend to check the cluster contracts.
import { randomUUID } from 'node:crypto';
import type { Delivered } from '../events/types.js';
import type { Bus, BrokerRelay, BusOptions, ControlMessage, ControlPlane, EphemeralFanout, EventStream, PresenceManager, QueueRouter, RelayedBrokerMessage } from './bus.js';
import { LocalCounts } from './local-counts.js';

type Handler<T> = { node: MemoryBus; fn: (value: T) => void };

/** Synchronous fan-out; a throwing subscriber is reported to its own node and never stops the others. */
class Channel<T> {
  private readonly handlers = new Set<Handler<T>>();

  constructor(private readonly name: string) {}

  /** `except`: the sending node, which does not receive its own message (the broker relay). */
  publish(value: T, except?: MemoryBus): void {
    for (const h of this.handlers) {
      if (h.node === except) continue;
      try {
        h.fn(value);
      } catch (err) {
        h.node.report(err, this.name);
      }
    }
  }

  subscribe(node: MemoryBus, fn: (value: T) => void): () => void {
    const h = { node, fn };
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }

  drop(node: MemoryBus): void {
    for (const h of this.handlers) if (h.node === node) this.handlers.delete(h);
  }
}

/** The shared state of every node: channels, presence counts per node, and leases. */
export class MemoryBackend {
  readonly events = new Channel<Delivered>('events');
  readonly ephemeral = new Channel<Delivered>('ephemeral');
  readonly control = new Channel<ControlMessage>('control');
  readonly relay = new Channel<RelayedBrokerMessage>('relay');
  /** Nodes serving each STOMP queue, tried round-robin. */
  readonly queueServers = new Map<string, { node: MemoryBus; handler: (m: RelayedBrokerMessage) => boolean }[]>();
  private queueTurn = 0;
  private readonly counts = new Map<string, Map<number, number>>();
  private readonly leases = new Map<string, { until: number; node: MemoryBus }>();

  constructor(readonly now: () => number = Date.now) {}

  offerQueue(from: MemoryBus, queue: string, m: RelayedBrokerMessage): boolean {
    const servers = (this.queueServers.get(queue) ?? []).filter((x) => x.node !== from);
    for (let k = 0; k < servers.length; k++) {
      const x = servers[(this.queueTurn + k) % servers.length];
      if (x.handler(m)) {
        this.queueTurn++;
        return true;
      }
    }
    return false;
  }

  serveQueue(node: MemoryBus, queue: string, handler: (m: RelayedBrokerMessage) => boolean): () => void {
    const entry = { node, handler };
    const list = this.queueServers.get(queue) ?? [];
    list.push(entry);
    this.queueServers.set(queue, list);
    return () => {
      const l = (this.queueServers.get(queue) ?? []).filter((x) => x !== entry);
      if (l.length === 0) this.queueServers.delete(queue);
      else this.queueServers.set(queue, l);
    };
  }

  /** Renews a node's lease; false when it had expired (its counts are gone and must be re-announced). */
  renew(node: MemoryBus, leaseMs: number): boolean {
    const known = this.leases.has(node.node);
    this.leases.set(node.node, { until: this.now() + leaseMs, node });
    if (!this.counts.has(node.node)) this.counts.set(node.node, new Map());
    return known;
  }

  private total(userId: number): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.get(userId) ?? 0;
    return n;
  }

  add(node: string, userId: number, delta: number): { before: number; after: number } {
    this.sweep();
    const c = this.counts.get(node);
    if (c === undefined) return { before: 0, after: 0 };
    const before = this.total(userId);
    const mine = Math.max(0, (c.get(userId) ?? 0) + delta);
    if (mine === 0) c.delete(userId);
    else c.set(userId, mine);
    return { before, after: this.total(userId) };
  }

  online(userIds: readonly number[]): Set<number> {
    this.sweep();
    return new Set(userIds.filter((id) => this.total(id) > 0));
  }

  /** Drops every node whose lease ran out; the users it left offline are reported to one live node. */
  sweep(): void {
    const now = this.now();
    for (const [id, lease] of this.leases) if (lease.until < now) this.expire(id);
  }

  /** A node is gone (lease expired, or it left): its connections stop counting. */
  expire(id: string): void {
    this.leases.delete(id);
    const gone = this.counts.get(id);
    this.counts.delete(id);
    if (gone === undefined || gone.size === 0) return;
    const offline = [...gone.keys()].filter((u) => this.total(u) === 0);
    if (offline.length === 0) return;
    for (const { node } of this.leases.values()) {
      if (node.hasExpiryHandlers()) {
        node.notifyExpired(offline);
        return;
      }
    }
  }
}

class MemoryPresence implements PresenceManager {
  /** This node's own counts, re-announced if its lease ever expired while it was alive (a long pause). */
  readonly local = new LocalCounts();
  readonly expiryHandlers = new Set<(ids: readonly number[]) => void>();

  constructor(
    private readonly backend: MemoryBackend,
    private readonly node: string,
  ) {}

  async connect(userId: number): Promise<boolean> {
    this.local.up(userId);
    const { before, after } = this.backend.add(this.node, userId, 1);
    return before === 0 && after > 0;
  }

  async disconnect(userId: number): Promise<boolean> {
    if (!this.local.down(userId)) return false;
    const { before, after } = this.backend.add(this.node, userId, -1);
    return before > 0 && after === 0;
  }

  async online(userIds: readonly number[]): Promise<Set<number>> {
    return this.backend.online(userIds);
  }

  onExpired(handler: (userIds: readonly number[]) => void): () => void {
    this.expiryHandlers.add(handler);
    return () => this.expiryHandlers.delete(handler);
  }
}

export class MemoryBus implements Bus {
  readonly node: string;
  readonly events: EventStream;
  readonly ephemeral: EphemeralFanout;
  readonly control: ControlPlane;
  readonly presence: MemoryPresence;
  readonly relay: BrokerRelay;
  readonly queues: QueueRouter;
  private readonly hooks = new Set<(events: readonly Delivered[]) => void>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly backend: MemoryBackend = new MemoryBackend(),
    private readonly opts: BusOptions = { leaseMs: 30_000, onError: () => undefined },
  ) {
    this.node = opts.node ?? randomUUID();
    const b = backend;
    this.events = { publish: (evs) => evs.forEach((e) => b.events.publish(e)), subscribe: (fn) => b.events.subscribe(this, fn) };
    this.ephemeral = { publish: (e) => b.ephemeral.publish(e), subscribe: (fn) => b.ephemeral.subscribe(this, fn) };
    this.control = { send: (m) => b.control.publish(m), subscribe: (fn) => b.control.subscribe(this, fn) };
    this.relay = { publish: (m) => b.relay.publish(m, this), subscribe: (fn) => b.relay.subscribe(this, fn) };
    this.queues = { offer: async (q, m) => !this.closed && b.offerQueue(this, q, m), serve: (q, fn) => b.serveQueue(this, q, fn) };
    this.presence = new MemoryPresence(backend, this.node);
    backend.renew(this, opts.leaseMs);
    // Heartbeat: renew the lease and sweep others' well within one lease.
    this.timer = setInterval(() => this.heartbeat(), Math.max(10, Math.floor(opts.leaseMs / 3)));
    this.timer.unref();
  }

  private heartbeat(): void {
    if (!this.backend.renew(this, this.opts.leaseMs)) {
      for (const [user, n] of this.presence.local) this.backend.add(this.node, user, n);
    }
    this.backend.sweep();
  }

  publish(events: readonly Delivered[]): void {
    this.events.publish(events);
    for (const hook of this.hooks) {
      try {
        hook(events);
      } catch (err) {
        this.report(err, 'commit hook');
      }
    }
  }

  onCommit(hook: (events: readonly Delivered[]) => void): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  report(err: unknown, where: string): void {
    this.opts.onError(err, where);
  }

  hasExpiryHandlers(): boolean {
    return !this.closed && this.presence.expiryHandlers.size > 0;
  }

  notifyExpired(userIds: readonly number[]): void {
    for (const h of this.presence.expiryHandlers) {
      try {
        h(userIds);
      } catch (err) {
        this.report(err, 'presence expiry');
      }
    }
  }

  private detach(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const ch of [this.backend.events, this.backend.ephemeral, this.backend.control, this.backend.relay] as Channel<unknown>[]) ch.drop(this);
    this.hooks.clear();
    for (const [q, list] of this.backend.queueServers) {
      const l = list.filter((x) => x.node !== this);
      if (l.length === 0) this.backend.queueServers.delete(q);
      else this.backend.queueServers.set(q, l);
    }
  }

  /** Test hook: the node dies without a word (no release); its lease runs out on its own. */
  crash(): void {
    this.detach();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.detach();
    this.backend.expire(this.node);
  }
}
