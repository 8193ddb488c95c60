// Point-to-point queues (STOMP `/queue/...`): each message goes to ONE consumer, round-robin among
// those with room. Ack modes (STOMP 1.2 "SUBSCRIBE ack Header"): `auto` (done when sent), `client`
// (an ACK or NACK covers that message and every earlier unacknowledged one of the subscription),
// `client-individual` (just that one). NACK, unsubscribe and disconnect put unacknowledged entries
// back in their original order, flagged redelivered, and prefer another consumer for them. A queue
// holds at most `maxQueueLength` ready entries: beyond that a send is refused (quota_exceeded), never
// silently dropped; an entry handed out `maxQueueDeliveries` times is dropped (poison loops).
import type { AclGrant } from './acl.js';
import type { QueueSubscribeRequest } from './api.js';
import type { Core } from './core.js';
import { Fifo } from './fifo.js';
import { KeyedList } from './keyed-list.js';
import { isExpired, type BrokerMessage } from './message.js';
import { NO_IDS, type Consumer, type Session } from './session.js';
import type { QueueEntryRecord, QueueLoad } from './store.js';

interface Queue {
  readonly name: string;
  readonly ready: Fifo<QueueEntryRecord>;
  readonly consumers: Consumer[];
  next: number;
  /** Entry id → consumer that gave it back: tried last on redelivery. */
  readonly avoid: Map<number, Consumer>;
}

export type QueueSendResult = { ok: true; dispatched: boolean } | { ok: false };

export class Queues {
  private readonly queues = new Map<string, Queue>();

  /** `serving`: a cluster is told when this node's first consumer of a queue arrives and its last one leaves. */
  constructor(
    private readonly core: Core,
    private readonly serving?: (queue: string, on: boolean) => void,
  ) {}

  hasConsumers(name: string): boolean {
    return (this.queues.get(name)?.consumers.length ?? 0) > 0;
  }

  /** Entries waiting here with no consumer here go to a node that has one (a cluster, on each broker tick). */
  async forwardStranded(offer: (queue: string, message: BrokerMessage) => Promise<boolean>): Promise<void> {
    for (const { queue, entries } of this.takeStranded()) {
      let i = 0;
      while (i < entries.length && (await offer(queue, entries[i].message))) this.forwarded(queue, entries[i++]);
      if (i < entries.length) this.putBack(queue, entries.slice(i));
    }
  }

  /** Takes the ready entries of queues nobody consumes here. */
  private takeStranded(): { queue: string; entries: QueueEntryRecord[] }[] {
    const out: { queue: string; entries: QueueEntryRecord[] }[] = [];
    for (const q of this.queues.values()) {
      if (q.consumers.length > 0 || q.ready.length === 0) continue;
      const entries: QueueEntryRecord[] = [];
      for (let e = q.ready.shift(); e; e = q.ready.shift()) entries.push(e);
      out.push({ queue: q.name, entries });
    }
    return out;
  }

  /** Gives back entries takeStranded took and nobody else would take, in their order. */
  private putBack(name: string, entries: readonly QueueEntryRecord[]): void {
    const q = this.queue(name);
    for (const e of entries) q.ready.insertSorted(e, (x) => x.id);
    this.dispatch(q);
  }

  /** Entries handed to another node: no longer this node's. */
  private forwarded(name: string, e: QueueEntryRecord): void {
    this.core.writes.push({ op: 'queue.delete', queue: name, id: e.id });
    const q = this.queues.get(name);
    if (q) this.collect(q);
  }

  /** Ready (undelivered) entries of a queue; for tests and metrics. */
  depth(name: string): number {
    return this.queues.get(name)?.ready.length ?? 0;
  }

  restore(loads: readonly QueueLoad[]): void {
    for (const l of loads) {
      const q = this.queue(l.name);
      // Entries handed out before a restart are unacknowledged: they go out again, flagged.
      for (const e of l.entries) q.ready.push(e.deliveries > 0 && !e.redelivered ? { ...e, redelivered: true } : e);
    }
  }

  send(name: string, message: BrokerMessage): QueueSendResult {
    const q = this.queue(name);
    if (q.ready.length >= this.core.limits.maxQueueLength) {
      this.purgeExpired(q);
      if (q.ready.length >= this.core.limits.maxQueueLength) return { ok: false };
    }
    const entry: QueueEntryRecord = { id: this.core.nextSeq(), message, redelivered: false, deliveries: 0 };
    q.ready.push(entry);
    this.core.writes.push({ op: 'queue.put', queue: name, entry });
    const before = q.ready.length;
    this.dispatch(q);
    return { ok: true, dispatched: q.ready.length < before };
  }

  subscribe(s: Session, req: QueueSubscribeRequest, grants: readonly AclGrant[]): Consumer {
    const c: Consumer = { session: s, queue: req.queue, key: req.key, ackMode: req.ackMode, prefetch: req.prefetch ?? 0, grants, unacked: new KeyedList() };
    s.consumers.set(req.key, c);
    const q = this.queue(req.queue);
    q.consumers.push(c);
    if (q.consumers.length === 1) this.serving?.(q.name, true);
    this.dispatch(q);
    return c;
  }

  /** Removes a consumer; its unacknowledged entries go back to the queue, flagged redelivered. */
  unsubscribe(c: Consumer): void {
    c.session.consumers.delete(c.key);
    const q = this.queues.get(c.queue);
    if (!q) return;
    const i = q.consumers.indexOf(c);
    if (i !== -1) {
      q.consumers.splice(i, 1);
      if (q.next > i) q.next--;
      if (q.consumers.length === 0) this.serving?.(q.name, false);
    }
    this.requeue(q, c.unacked.values(), c);
    c.unacked.clear();
    this.dispatch(q);
    this.collect(q);
  }

  /** Dispatches to a session's consumers again (after start). */
  resume(s: Session): void {
    for (const c of s.consumersView.values()) {
      const q = this.queues.get(c.queue);
      if (q) this.dispatch(q);
    }
  }

  ack(s: Session, tag: number): boolean {
    return this.settle(s, tag, false);
  }

  nack(s: Session, tag: number): boolean {
    return this.settle(s, tag, true);
  }

  private settle(s: Session, tag: number, nack: boolean): boolean {
    for (const c of s.consumersView.values()) {
      if (!c.unacked.has(tag)) continue;
      const q = this.queues.get(c.queue)!;
      const settled: QueueEntryRecord[] = [];
      if (c.ackMode === 'client') {
        // Cumulative: this tag and every earlier one (the list is in delivery order).
        for (const [t, e] of [...c.unacked.entries()]) {
          settled.push(e);
          c.unacked.delete(t);
          if (t === tag) break;
        }
      } else {
        settled.push(c.unacked.get(tag)!);
        c.unacked.delete(tag);
      }
      if (nack) this.requeue(q, settled, c);
      else for (const e of settled) this.core.writes.push({ op: 'queue.delete', queue: q.name, id: e.id });
      this.dispatch(q);
      this.collect(q);
      return true;
    }
    return false;
  }

  private requeue(q: Queue, entries: readonly QueueEntryRecord[], from: Consumer): void {
    const limit = this.core.limits.maxQueueDeliveries;
    for (const e of entries) {
      if (limit > 0 && e.deliveries >= limit) {
        this.core.writes.push({ op: 'queue.delete', queue: q.name, id: e.id });
        this.core.drop('redelivery_limit');
        continue;
      }
      const back: QueueEntryRecord = e.redelivered ? e : { ...e, redelivered: true };
      if (back !== e) this.core.writes.push({ op: 'queue.put', queue: q.name, entry: back });
      q.ready.insertSorted(back, (x) => x.id); // original order among the ready entries
      q.avoid.set(e.id, from);
    }
  }

  private dispatch(q: Queue): void {
    const now = this.core.now();
    for (let e = q.ready.peek(); e; e = q.ready.peek()) {
      if (isExpired(e.message, now)) {
        q.ready.shift();
        q.avoid.delete(e.id);
        this.core.writes.push({ op: 'queue.delete', queue: q.name, id: e.id });
        this.core.drop('expired');
        continue;
      }
      const c = this.pick(q, q.avoid.get(e.id));
      if (!c) return;
      q.ready.shift();
      q.avoid.delete(e.id);
      this.hand(q, c, { ...e, deliveries: e.deliveries + 1 });
    }
  }

  // UNFINISHED: BrokerAcl.authorizeForward is not consulted for queue deliveries (consumers are
  // authorised at subscribe and cut by revocation); a custom ACL that relies on it covers topics only.
  private hand(q: Queue, c: Consumer, e: QueueEntryRecord): void {
    const s = c.session;
    const auto = c.ackMode === 'auto';
    const tag = auto ? 0 : s.nextTag++;
    if (auto) this.core.writes.push({ op: 'queue.delete', queue: q.name, id: e.id });
    else {
      c.unacked.set(tag, e);
      this.core.writes.push({ op: 'queue.put', queue: q.name, entry: e });
    }
    try {
      s.sink!.deliver({ kind: 'queue', message: e.message, qos: e.message.qos, retain: false, dup: e.redelivered, packetId: tag, subscriptionIds: NO_IDS, key: c.key });
      this.core.stats.delivered++;
    } catch {
      this.core.drop('sink_error');
    }
  }

  /** Round-robin over consumers that are started and under their prefetch; `avoid` only if alone. */
  private pick(q: Queue, avoid: Consumer | undefined): Consumer | null {
    const n = q.consumers.length;
    let fallback: Consumer | null = null;
    for (let k = 0; k < n; k++) {
      const i = (q.next + k) % n;
      const c = q.consumers[i];
      if (!c.session.started) continue;
      if (c.prefetch > 0 && c.unacked.size >= c.prefetch) continue;
      if (c === avoid) {
        fallback ??= c;
        continue;
      }
      q.next = i + 1;
      return c;
    }
    if (fallback) q.next = q.consumers.indexOf(fallback) + 1;
    return fallback;
  }

  private purgeExpired(q: Queue): void {
    const now = this.core.now();
    for (const e of q.ready.retain((x) => !isExpired(x.message, now))) {
      q.avoid.delete(e.id);
      this.core.writes.push({ op: 'queue.delete', queue: q.name, id: e.id });
      this.core.drop('expired');
    }
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = { name, ready: new Fifo(), consumers: [], next: 0, avoid: new Map() }));
    return q;
  }

  /** Forgets an idle queue (no entries, no consumers). */
  private collect(q: Queue): void {
    if (q.ready.length === 0 && q.consumers.length === 0) this.queues.delete(q.name);
  }
}
