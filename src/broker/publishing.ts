// Publishing (MQTT 5 §3.3, §4.3.3; STOMP SEND): topic publishes with the ACL, QoS 2 duplicate
// detection, retained copies, the cluster relay and fan-out, and sends to STOMP queues. Kept apart
// from the Broker facade, which delegates here, so the facade stays a thin list of entry points.
import { SERVER } from '../core/actor.js';
import type { AclDecision } from './acl.js';
import type { PublishResult } from './api.js';
import type { Core } from './core.js';
import { createMessage, type BrokerMessage, type PublishInput } from './message.js';
import type { BrokerOptions } from './options.js';
import type { Queues } from './queues.js';
import type { Router } from './router.js';
import type { Connection, Session } from './session.js';
import { validateTopicName } from './topic.js';

export class Publishing {
  constructor(
    private readonly core: Core,
    private readonly router: Router,
    private readonly queues: Queues,
    private readonly relay: BrokerOptions['relay'],
    private readonly sharedStore: boolean,
    private readonly queueRoute: BrokerOptions['queueRoute'],
    private readonly onDelivered: () => void,
  ) {}

  /** See Broker.publish. */
  async publish(conn: Connection | null, input: PublishInput, opts: { packetId?: number } = {}): Promise<PublishResult> {
    const s = conn ? conn.session : null;
    if (conn && !conn.active) return { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };
    const bad = validateTopicName(input.topic, this.core.limits.topic);
    if (bad) return { ok: false, reason: 'topic_name_invalid', message: bad.message };
    const d = await this.core.acl.authorizePublish(s ? s.principal : SERVER, input.topic, 'topic');
    if (conn && !conn.active) return { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };
    if (!d.allow) return denied(d);
    const qos2 = s !== null && input.qos === 2 && opts.packetId !== undefined;
    if (qos2) {
      if (s.incoming.has(opts.packetId!)) return { ok: true, matched: 0, duplicate: true };
      s.incoming.add(opts.packetId!);
      this.core.writes.push({ op: 'incoming.put', clientId: s.clientId, packetId: opts.packetId! });
    }
    return this.route(input, s);
  }

  /** See Broker.deliverRemote. */
  async deliverRemote(message: BrokerMessage): Promise<number> {
    return this.deliver(message, null, this.sharedStore);
  }

  /** Creates the message, relays it to the cluster and delivers it here; also how wills are published. */
  async route(input: PublishInput, from: Session | null): Promise<PublishResult> {
    const message = createMessage(input, from ? from.clientId : null, this.core.now());
    if (this.relay) {
      try {
        this.relay(message);
      } catch {
        this.core.drop('sink_error');
      }
    }
    const matched = await this.deliver(message, from);
    return { ok: true, matched, duplicate: false, ...(this.relay ? { relayed: true } : {}) };
  }

  /** Routes to this node's subscribers (and keeps a retained copy); resolves with the copies handed out. */
  private async deliver(message: BrokerMessage, from: Session | null, stored = false): Promise<number> {
    const before = this.core.writes.pushed;
    // `stored`: the publishing node already wrote the retained message to the shared store.
    if (message.retain && !stored) {
      // §3.3.1.3: an empty payload clears the retained message; the message itself is still delivered.
      if (message.payload.length === 0) this.core.writes.push({ op: 'retained.delete', topic: message.topic });
      else this.core.writes.push({ op: 'retained.put', message });
    }
    const matched = this.router.fanout(message, from);
    this.core.stats.published++;
    this.core.metrics.published?.(matched);
    this.onDelivered();
    if (this.core.writes.pushed !== before) await this.core.writes.settled();
    return matched;
  }

  /** See Broker.send. */
  async send(conn: Connection | null, queue: string, input: Omit<PublishInput, 'topic'>): Promise<PublishResult> {
    const s = conn ? conn.session : null;
    if (conn && !conn.active) return { ok: false, reason: 'no_session', message: 'the connection no longer holds the session' };
    const bad = validateTopicName(queue, this.core.limits.topic);
    if (bad) return { ok: false, reason: 'topic_name_invalid', message: bad.message };
    const d = await this.core.acl.authorizePublish(s ? s.principal : SERVER, queue, 'queue');
    if (!d.allow) return denied(d);
    const message = createMessage({ ...input, topic: queue, retain: false }, s ? s.clientId : null, this.core.now());
    // A cluster: without a consumer here, one node that has consumers gets it; with none anywhere it waits here.
    if (this.queueRoute && !this.queues.hasConsumers(queue) && (await this.queueRoute.offer(queue, message))) {
      this.core.stats.published++;
      return { ok: true, matched: 1, duplicate: false, relayed: true };
    }
    const r = this.queues.send(queue, message);
    if (!r.ok) return { ok: false, reason: 'quota_exceeded', message: `queue ${queue} is full` };
    this.core.stats.published++;
    this.onDelivered();
    await this.core.writes.settled();
    return { ok: true, matched: 1, duplicate: false };
  }

  /** See Broker.acceptQueued. */
  acceptQueued(queue: string, message: BrokerMessage): boolean {
    if (!this.queues.hasConsumers(queue)) return false;
    const r = this.queues.send(queue, message);
    this.onDelivered();
    return r.ok;
  }
}

function denied(d: AclDecision & { allow: false }): PublishResult {
  return { ok: false, reason: d.reason === 'invalid' ? 'topic_name_invalid' : 'not_authorized', message: d.message };
}
