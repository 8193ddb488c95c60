// Per-session outgoing delivery: QoS 0 straight to the sink, QoS 1/2 through the in-flight window
// (the client's Receive Maximum, §4.9) with packet ids that survive the socket, and a BOUNDED queue
// for what cannot go now (offline, window full, not started). Drop policy when the queue is full:
// expired entries first, then the oldest QoS 0 entry, then the new message itself (never an older
// QoS 1/2 one, which the session may already count on); each drop is counted.
import type { Delivery } from './api.js';
import type { Core } from './core.js';
import { isExpired, messageBytes, type BrokerMessage, type QoS } from './message.js';
import type { Session } from './session.js';
import type { InflightRecord, QueuedRecord } from './store.js';

/** An in-flight record that is also the Delivery handed to the sink (one object, not two). */
type InflightDelivery = InflightRecord & Delivery;

export class Outbound {
  constructor(private readonly core: Core) {}

  /** Hands one matched message to a session: now, or into its bounded queue. */
  offer(s: Session, message: BrokerMessage, qos: QoS, retain: boolean, ids: readonly number[], key: string): void {
    const acl = this.core.acl;
    if (acl.authorizeForward && !acl.authorizeForward(s.principal, message)) {
      this.dropFor(s, 'forward_denied');
      return;
    }
    if (s.started) {
      if (qos === 0) {
        // QoS 0 is not subject to Receive Maximum (§4.9) and goes out at once.
        this.send(s, { kind: 'topic', message, qos, retain, dup: false, packetId: 0, subscriptionIds: ids, key });
        return;
      }
      if (s.pending.length === 0 && s.inflight.size < s.window) {
        this.sendInflight(s, this.core.nextSeq(), message, qos, retain, ids, key);
        return;
      }
    } else if (qos === 0 && !s.online && !this.core.queueQos0) {
      this.dropFor(s, 'qos0_offline');
      return;
    }
    this.enqueue(s, { seq: this.core.nextSeq(), message, qos, retain, subscriptionIds: ids, key });
  }

  /** The protocol session is ready (CONNACK sent): resend in-flight in order with DUP, then drain (§4.4). */
  start(s: Session): void {
    s.started = true;
    for (const rec of s.inflight.values()) {
      if (!s.started) return; // the sink ended the connection while we were resending
      if (rec.phase === 'pubrel') this.release(s, rec.packetId);
      else this.send(s, { kind: 'topic', message: rec.message, qos: rec.qos, retain: rec.retain, dup: true, packetId: rec.packetId, subscriptionIds: rec.subscriptionIds, key: rec.key });
    }
    this.drain(s);
  }

  /** PUBACK (§4.3.2). False when no QoS 1 delivery awaits that packet id. */
  puback(s: Session, packetId: number): boolean {
    const rec = s.inflight.get(packetId);
    if (!rec || rec.qos !== 1) return false;
    this.complete(s, packetId);
    return true;
  }

  /** PUBREC (§4.3.3); `failed` for a reason code ≥ 0x80, which ends the exchange. */
  pubrec(s: Session, packetId: number, failed = false): boolean {
    const rec = s.inflight.get(packetId);
    if (!rec || rec.qos !== 2) return false;
    if (failed) {
      this.complete(s, packetId);
      return true;
    }
    if (rec.phase === 'publish') {
      const next: InflightRecord = { ...rec, phase: 'pubrel' };
      s.inflight.set(packetId, next); // same position: resend order is kept
      this.core.writes.push({ op: 'inflight.put', clientId: s.clientId, record: next });
    }
    return true;
  }

  /** PUBCOMP (§4.3.3). */
  pubcomp(s: Session, packetId: number): boolean {
    const rec = s.inflight.get(packetId);
    if (!rec || rec.phase !== 'pubrel') return false;
    this.complete(s, packetId);
    return true;
  }

  /**
   * The protocol session could not send this delivery (larger than the client's Maximum Packet
   * Size, §3.1.2.11.4): it counts as completed, whatever its phase.
   */
  discard(s: Session, packetId: number): boolean {
    if (!s.inflight.has(packetId)) return false;
    this.complete(s, packetId);
    return true;
  }

  /** Sends queued entries while the session is started and the window allows. */
  drain(s: Session): void {
    const now = this.core.now();
    for (let e = s.pending.peek(); e && s.started; e = s.pending.peek()) {
      if (e.qos > 0 && s.inflight.size >= s.window) return;
      this.unqueue(s);
      if (isExpired(e.message, now)) {
        this.dropFor(s, 'expired');
        continue;
      }
      if (e.qos === 0) this.send(s, { kind: 'topic', message: e.message, qos: 0, retain: e.retain, dup: false, packetId: 0, subscriptionIds: e.subscriptionIds, key: e.key });
      else this.sendInflight(s, e.seq, e.message, e.qos, e.retain, e.subscriptionIds, e.key);
    }
  }

  /** Drops queued and unsent in-flight entries that `keep` rejects (revocation). */
  purge(s: Session, keep: (topic: string) => boolean): void {
    const removed = s.pending.retain((e) => keep(e.message.topic));
    for (const e of removed) this.forget(s, e);
    if (removed.length) this.dropFor(s, 'revoked', removed.length);
    for (const rec of s.inflight.values()) {
      if (rec.phase === 'publish' && !keep(rec.message.topic)) {
        s.inflight.delete(rec.packetId);
        this.core.writes.push({ op: 'inflight.delete', clientId: s.clientId, packetId: rec.packetId });
        this.dropFor(s, 'revoked');
      }
    }
  }

  private complete(s: Session, packetId: number): void {
    s.inflight.delete(packetId);
    this.core.writes.push({ op: 'inflight.delete', clientId: s.clientId, packetId });
    if (s.pending.length > 0) this.drain(s);
  }

  private sendInflight(s: Session, seq: number, message: BrokerMessage, qos: QoS, retain: boolean, ids: readonly number[], key: string): void {
    const rec: InflightDelivery = { kind: 'topic', phase: 'publish', seq, message, qos, retain, dup: false, packetId: s.allocatePacketId(), subscriptionIds: ids, key };
    s.inflight.set(rec.packetId, rec);
    this.core.writes.push({ op: 'inflight.put', clientId: s.clientId, record: rec });
    this.send(s, rec);
  }

  private send(s: Session, d: Delivery): void {
    try {
      s.sink!.deliver(d);
      this.core.stats.delivered++;
    } catch {
      // One connection's failure never skips the other recipients (isolation per recipient).
      this.dropFor(s, 'sink_error');
    }
  }

  private release(s: Session, packetId: number): void {
    try {
      s.sink!.release(packetId);
    } catch {
      this.dropFor(s, 'sink_error');
    }
  }

  private enqueue(s: Session, e: QueuedRecord): void {
    const lim = this.core.limits;
    const bytes = messageBytes(e.message);
    if (s.pending.length >= lim.maxQueuedMessages || s.pendingBytes + bytes > lim.maxQueuedBytes) {
      this.makeRoom(s, bytes);
      if (s.pending.length >= lim.maxQueuedMessages || s.pendingBytes + bytes > lim.maxQueuedBytes) {
        this.dropFor(s, 'queue_full');
        return;
      }
    }
    s.pending.push(e);
    s.pendingBytes += bytes;
    this.core.writes.push({ op: 'queued.put', clientId: s.clientId, record: e });
  }

  private makeRoom(s: Session, bytes: number): void {
    const lim = this.core.limits;
    const full = () => s.pending.length >= lim.maxQueuedMessages || s.pendingBytes + bytes > lim.maxQueuedBytes;
    const now = this.core.now();
    const expired = s.pending.retain((e) => !isExpired(e.message, now));
    for (const e of expired) this.forget(s, e);
    if (expired.length) this.dropFor(s, 'expired', expired.length);
    while (full()) {
      const victim = s.pending.removeFirst((e) => e.qos === 0);
      if (!victim) return;
      this.forget(s, victim);
      this.dropFor(s, 'queue_full');
    }
  }

  private unqueue(s: Session): void {
    const e = s.pending.shift()!;
    this.forget(s, e);
  }

  private forget(s: Session, e: QueuedRecord): void {
    s.pendingBytes -= messageBytes(e.message);
    this.core.writes.push({ op: 'queued.delete', clientId: s.clientId, seq: e.seq });
  }

  private dropFor(s: Session, reason: Parameters<Core['drop']>[0], count = 1): void {
    s.dropped += count;
    this.core.drop(reason, count);
  }
}
