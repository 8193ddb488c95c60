// Subscribing and unsubscribing (MQTT 5 §3.8, §3.10; STOMP SUBSCRIBE / UNSUBSCRIBE): validation,
// the ACL, replacement by key (§3.8.4), retained messages per Retain Handling, queue consumers.
import type { SubscribeRequest, SubscribeResult, QueueSubscribeRequest } from './api.js';
import type { Core } from './core.js';
import type { Queues } from './queues.js';
import type { Registry } from './registry.js';
import type { Router } from './router.js';
import type { Connection, Subscription } from './session.js';
import type { BrokerStore, SubscriptionRecord } from './store.js';
import { parseFilter, validateTopicName } from './topic.js';

export interface SubscribeOutcome {
  readonly results: readonly SubscribeResult[];
  /** Sends the retained messages these subscriptions asked for; call after SUBACK. Returns how many. */
  deliverRetained(): number;
}

const MAX_SUBSCRIPTION_ID = 268_435_455;
const NO_SESSION: SubscribeResult = { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };

export class Subscriptions {
  constructor(
    private readonly core: Core,
    private readonly store: BrokerStore,
    private readonly registry: Registry,
    private readonly router: Router,
    private readonly queues: Queues,
    private readonly onDelivered: () => void,
  ) {}

  /** SUBSCRIBE: per request, granted QoS or a refusal; retained messages follow via deliverRetained(). */
  async subscribe(conn: Connection, reqs: readonly SubscribeRequest[]): Promise<SubscribeOutcome> {
    const results: SubscribeResult[] = [];
    const wantRetained: Subscription[] = [];
    for (const req of reqs) results.push(await this.subscribeOne(conn, req, wantRetained));
    await this.core.writes.settled(); // also makes a retained message published just before visible
    const fetched = await Promise.all(wantRetained.map(async (sub) => ({ sub, messages: await this.store.matchRetained(sub.inner) })));
    return {
      results,
      deliverRetained: () => {
        let n = 0;
        const now = this.core.now();
        for (const { sub, messages } of fetched) {
          if (sub.session.subsView.get(sub.key) !== sub) continue;
          // An expired retained message is cleared, unless a newer one replaced it meanwhile.
          n += this.router.deliverRetained(sub, messages, now, (m) => this.core.writes.push({ op: 'retained.delete', topic: m.topic, createdAt: m.createdAt }));
        }
        this.onDelivered();
        return n;
      },
    };
  }

  private async subscribeOne(conn: Connection, req: SubscribeRequest, wantRetained: Subscription[]): Promise<SubscribeResult> {
    if (!conn.active) return NO_SESSION;
    const parsed = parseFilter(req.filter, this.core.limits.topic);
    if (!parsed.ok) return { ok: false, reason: 'topic_filter_invalid', message: parsed.message };
    if (parsed.share !== null && req.noLocal) return { ok: false, reason: 'protocol_error', message: 'No Local on a shared subscription (MQTT 5 §3.8.3.1)' };
    const sid = req.subscriptionId ?? 0;
    if (!Number.isInteger(sid) || sid < 0 || sid > MAX_SUBSCRIPTION_ID) return { ok: false, reason: 'protocol_error', message: 'subscription identifier out of range' };
    const key = req.key ?? req.filter;
    const s = conn.session;
    if (!s.subsView.has(key) && !s.consumersView.has(key) && s.subsView.size + s.consumersView.size >= this.core.limits.maxSubscriptions) {
      return { ok: false, reason: 'quota_exceeded', message: `at most ${this.core.limits.maxSubscriptions} subscriptions per session` };
    }
    const d = await this.core.acl.authorizeSubscribe(s.principal, parsed.filter, 'topic');
    if (!d.allow) return { ok: false, reason: d.reason === 'invalid' ? 'topic_filter_invalid' : 'not_authorized', message: d.message };
    if (!conn.active) return NO_SESSION;
    const existed = s.subsView.has(key);
    const old = s.consumersView.get(key);
    if (old) this.queues.unsubscribe(old);
    const record: SubscriptionRecord = {
      key,
      filter: req.filter,
      qos: req.qos,
      noLocal: req.noLocal === true,
      retainAsPublished: req.retainAsPublished === true,
      retainHandling: req.retainHandling ?? 0,
      subscriptionId: sid,
      grants: d.grants,
    };
    const sub = this.registry.subscribe(s, record); // replaces a subscription with the same key (§3.8.4)
    this.core.writes.push({ op: 'sub.put', clientId: s.clientId, sub: record });
    // §3.8.4 Retain Handling; §4.8.2: no retained messages for a shared subscription.
    if (parsed.share === null && (record.retainHandling === 0 || (record.retainHandling === 1 && !existed))) wantRetained.push(sub);
    return { ok: true, qos: req.qos, existed };
  }

  /** Removes subscriptions or queue consumers by key; true where one existed (MQTT 0x00 vs 0x11). */
  async unsubscribe(conn: Connection, keys: readonly string[]): Promise<boolean[]> {
    if (!conn.active) return keys.map(() => false);
    const s = conn.session;
    const out = keys.map((key) => {
      const sub = s.subsView.get(key);
      if (sub) {
        this.registry.unsubscribe(s, sub);
        return true;
      }
      const c = s.consumersView.get(key);
      if (c) {
        this.queues.unsubscribe(c);
        return true;
      }
      return false;
    });
    this.onDelivered();
    await this.core.writes.settled();
    return out;
  }

  /** A STOMP SUBSCRIBE to a queue: this session becomes one of its consumers. */
  async subscribeQueue(conn: Connection, req: QueueSubscribeRequest): Promise<SubscribeResult> {
    if (!conn.active) return NO_SESSION;
    const bad = validateTopicName(req.queue, this.core.limits.topic);
    if (bad) return { ok: false, reason: 'topic_filter_invalid', message: bad.message };
    const s = conn.session;
    if (!s.subsView.has(req.key) && !s.consumersView.has(req.key) && s.subsView.size + s.consumersView.size >= this.core.limits.maxSubscriptions) {
      return { ok: false, reason: 'quota_exceeded', message: `at most ${this.core.limits.maxSubscriptions} subscriptions per session` };
    }
    const d = await this.core.acl.authorizeSubscribe(s.principal, req.queue, 'queue');
    if (!d.allow) return { ok: false, reason: d.reason === 'invalid' ? 'topic_filter_invalid' : 'not_authorized', message: d.message };
    if (!conn.active) return NO_SESSION;
    const existed = s.consumersView.has(req.key) || s.subsView.has(req.key);
    const oldSub = s.subsView.get(req.key);
    if (oldSub) this.registry.unsubscribe(s, oldSub);
    const old = s.consumersView.get(req.key);
    if (old) this.queues.unsubscribe(old);
    this.queues.subscribe(s, req, d.grants);
    this.onDelivered();
    await this.core.writes.settled();
    return { ok: true, qos: 1, existed };
  }
}
