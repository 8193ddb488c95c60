// The in-memory BrokerStore: the embedded default and the reference the contract suite is written
// against. Holds the records it is given (they are immutable), so it costs no copies; churning
// per-delivery state lives in KeyedLists, not Maps (see keyed-list.ts).
import type { BrokerMessage } from './message.js';
import { KeyedList } from './keyed-list.js';
import { RetainedTree } from './retained-tree.js';
import type {
  BrokerStore,
  InflightRecord,
  QueueEntryRecord,
  QueueLoad,
  QueuedRecord,
  SessionLoad,
  SessionRecord,
  StoreOp,
  SubscriptionRecord,
  WillRecord,
} from './store.js';

// A client's records. The collections are created on first write: most clients (clean sessions whose
// only subscription is their event topic) never store anything in them, and empty Maps cost ~0.2 KB each.
interface Stored {
  session: SessionRecord | null;
  subs: Map<string, SubscriptionRecord> | null;
  inflight: KeyedList<InflightRecord> | null;
  queued: KeyedList<QueuedRecord> | null;
  incoming: Set<number> | null;
  will: WillRecord | null;
}

const bySeq = (a: { seq: number }, b: { seq: number }) => a.seq - b.seq;

export class MemoryBrokerStore implements BrokerStore {
  private clients = new Map<string, Stored>();
  private retained = new RetainedTree();
  private queues = new Map<string, KeyedList<QueueEntryRecord>>();
  private maxSeq = 0;

  async apply(ops: readonly StoreOp[]): Promise<void> {
    for (const op of ops) this.applyOne(op);
  }

  private client(clientId: string): Stored {
    let c = this.clients.get(clientId);
    if (!c) {
      c = { session: null, subs: null, inflight: null, queued: null, incoming: null, will: null };
      this.clients.set(clientId, c);
    }
    return c;
  }

  private seen(n: number): void {
    if (n > this.maxSeq) this.maxSeq = n;
  }

  private applyOne(op: StoreOp): void {
    switch (op.op) {
      case 'session.put':
        this.client(op.session.clientId).session = op.session;
        return;
      case 'session.delete':
        this.clients.delete(op.clientId);
        return;
      case 'sub.put':
        (this.client(op.clientId).subs ??= new Map()).set(op.sub.key, op.sub);
        return;
      case 'sub.delete':
        this.clients.get(op.clientId)?.subs?.delete(op.key);
        return;
      case 'retained.put':
        this.retained.set(op.message);
        return;
      case 'retained.delete':
        if (op.createdAt === undefined || this.retained.get(op.topic)?.createdAt === op.createdAt) this.retained.delete(op.topic);
        return;
      case 'inflight.put':
        this.seen(op.record.seq);
        (this.client(op.clientId).inflight ??= new KeyedList()).set(op.record.packetId, op.record);
        return;
      case 'inflight.delete':
        this.clients.get(op.clientId)?.inflight?.delete(op.packetId);
        return;
      case 'queued.put':
        this.seen(op.record.seq);
        (this.client(op.clientId).queued ??= new KeyedList()).set(op.record.seq, op.record);
        return;
      case 'queued.delete':
        this.clients.get(op.clientId)?.queued?.delete(op.seq);
        return;
      case 'incoming.put':
        (this.client(op.clientId).incoming ??= new Set()).add(op.packetId);
        return;
      case 'incoming.delete':
        this.clients.get(op.clientId)?.incoming?.delete(op.packetId);
        return;
      case 'will.put':
        this.client(op.clientId).will = op.will;
        return;
      case 'will.delete': {
        const c = this.clients.get(op.clientId);
        if (c) c.will = null;
        return;
      }
      case 'queue.put': {
        this.seen(op.entry.id);
        let q = this.queues.get(op.queue);
        if (!q) this.queues.set(op.queue, (q = new KeyedList()));
        q.set(op.entry.id, op.entry);
        return;
      }
      case 'queue.delete': {
        const q = this.queues.get(op.queue);
        if (!q) return;
        q.delete(op.id);
        if (q.size === 0) this.queues.delete(op.queue);
        return;
      }
    }
  }

  private load(c: Stored): SessionLoad | undefined {
    if (!c.session) return undefined;
    return {
      session: c.session,
      subscriptions: c.subs ? [...c.subs.values()] : [],
      inflight: c.inflight ? c.inflight.values().sort(bySeq) : [],
      queued: c.queued ? c.queued.values().sort(bySeq) : [],
      incomingQos2: c.incoming ? [...c.incoming] : [],
      will: c.will,
    };
  }

  async listSessions(): Promise<SessionLoad[]> {
    const out: SessionLoad[] = [];
    for (const c of this.clients.values()) {
      const l = this.load(c);
      if (l) out.push(l);
    }
    return out;
  }

  async loadSession(clientId: string): Promise<SessionLoad | undefined> {
    const c = this.clients.get(clientId);
    return c ? this.load(c) : undefined;
  }

  async matchRetained(filter: string): Promise<BrokerMessage[]> {
    return this.retained.match(filter);
  }

  async listQueues(): Promise<QueueLoad[]> {
    return [...this.queues].map(([name, q]) => ({ name, entries: [...q.values()].sort((a, b) => a.id - b.id) }));
  }

  async maxSequence(): Promise<number> {
    return this.maxSeq;
  }

  async close(): Promise<void> {
    this.clients.clear();
    this.queues.clear();
    this.retained = new RetainedTree();
  }
}
