// Fan-out of one published message over the trie. Overlapping subscriptions of one session (merge
// mode, MQTT 5 §3.3.4) become ONE copy with the highest granted QoS, the RETAIN flag set if any
// matching subscription has Retain As Published, and every matching subscription identifier; the
// per-session merge uses scratch fields stamped with a publish epoch, so no Map is built per publish.
// Shared groups (§4.8.2) give each message to one member, round-robin, preferring members that can
// take it now; a shared copy is separate from the session's non-shared copy (§4.8.2).
import type { Outbound } from './outbound.js';
import { isExpired, type BrokerMessage, type QoS } from './message.js';
import type { Session, Subscription } from './session.js';
import { SubscriptionTrie, type SharedGroup, type TrieNode } from './trie.js';

const minQos = (a: QoS, b: QoS): QoS => (a < b ? a : b);

export class Router {
  readonly trie = new SubscriptionTrie<Subscription>();
  private epoch = 0;
  private busy = false;
  private readonly nodes: TrieNode<Subscription>[] = [];
  private readonly matched: Session[] = [];

  constructor(private readonly out: Outbound) {}

  /**
   * Delivers `message` to every matching subscription; returns the number of copies handed out.
   * Every path here passes an await first (the ACL), so a sink cannot re-enter synchronously; the
   * busy guard is a safety net that keeps the scratch arrays of an outer call intact.
   */
  fanout(message: BrokerMessage, from: Session | null): number {
    // A sink that publishes synchronously re-enters; it gets its own scratch arrays.
    const reentrant = this.busy;
    const nodes = reentrant ? [] : this.nodes;
    const matched = reentrant ? [] : this.matched;
    this.busy = true;
    try {
      nodes.length = 0;
      this.trie.match(message.topic.split('/'), nodes);
      if (nodes.length === 0) return 0;
      const epoch = ++this.epoch;
      matched.length = 0;
      let copies = 0;
      for (let n = 0; n < nodes.length; n++) {
        const node = nodes[n];
        const subs = node.subs;
        if (subs) {
          for (let i = 0; i < subs.length; i++) {
            const sub = subs[i];
            const s = sub.session;
            const rec = sub.record;
            if (rec.noLocal && s === from) continue; // §3.8.3.1 No Local
            const qos = minQos(rec.qos, message.qos);
            const retain = rec.retainAsPublished && message.retain; // §3.3.1.3
            if (s.overlap === 'each') {
              this.out.offer(s, message, qos, retain, sub.ids, rec.key);
              copies++;
            } else if (s.epoch !== epoch) {
              s.epoch = epoch;
              s.mQos = qos;
              s.mRetain = retain;
              s.mIds = sub.ids;
              s.mKey = rec.key;
              matched.push(s);
            } else {
              if (qos > s.mQos) s.mQos = qos;
              if (retain) s.mRetain = true;
              if (sub.ids.length > 0) s.mIds = s.mIds.length > 0 ? s.mIds.concat(sub.ids) : sub.ids;
            }
          }
        }
        if (node.groups) {
          for (const g of node.groups.values()) {
            const sub = pickMember(g, message.qos);
            if (!sub) continue;
            this.out.offer(sub.session, message, minQos(sub.qos, message.qos), sub.record.retainAsPublished && message.retain, sub.ids, sub.key);
            copies++;
          }
        }
      }
      for (let i = 0; i < matched.length; i++) {
        const s = matched[i];
        this.out.offer(s, message, s.mQos, s.mRetain, s.mIds, s.mKey);
      }
      copies += matched.length;
      matched.length = 0;
      return copies;
    } finally {
      if (!reentrant) this.busy = false;
    }
  }

  /**
   * Retained messages for a new subscription (§3.3.1.3: RETAIN flag 1; §3.8.4: the subscription's
   * own identifier). Expired ones are skipped and reported for clearing.
   */
  deliverRetained(sub: Subscription, messages: readonly BrokerMessage[], now: number, expired: (m: BrokerMessage) => void): number {
    let n = 0;
    const s = sub.session;
    for (const m of messages) {
      if (isExpired(m, now)) {
        expired(m);
        continue;
      }
      if (sub.record.noLocal && m.origin === s.clientId) continue;
      this.out.offer(s, m, minQos(sub.qos, m.qos), true, sub.ids, sub.key);
      n++;
    }
    return n;
  }
}

/** Round-robin from the cursor; prefers a member that can take the message now, else the next in turn. */
function pickMember(g: SharedGroup<Subscription>, qos: QoS): Subscription | null {
  const members = g.members;
  const len = members.length;
  if (len === 0) return null;
  const start = g.next % len;
  for (let k = 0; k < len; k++) {
    const i = (start + k) % len;
    const s = members[i].session;
    if (s.started && (qos === 0 || (s.pending.length === 0 && s.inflight.size < s.window))) {
      g.next = i + 1;
      return members[i];
    }
  }
  g.next = start + 1;
  return members[start];
}
