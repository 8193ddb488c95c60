// A STOMP session's subscriptions, by id: Talk-and-Travel event destinations (each served by its own
// feed cursor, filtered to one chat), broker topics and queues (served by the broker core), and the
// session's own `/user/queue/errors`. Also the queue deliveries waiting for ACK / NACK.
import type { Delivered } from '../../events/types.js';
import type { Payload } from '../../gateway/connection.js';
import type { CursorSink, FeedCursor } from '../../gateway/cursor.js';
import type { TalkChannel } from './render.js';
import { talkMeta } from './renderer.js';
import type { StompWriter } from './writer.js';

export type AckMode = 'auto' | 'client' | 'client-individual';

interface Base {
  readonly id: string;
  readonly destination: string;
  readonly ack: AckMode;
  /** messageHead(id): the start of every MESSAGE prefix of this subscription. */
  readonly head: string;
}

/** `/countries/{chatId}/{channel}`: Herald events from a feed cursor, never through the broker. */
export class EventSubscription implements Base, CursorSink {
  readonly kind = 'event';
  cursor: FeedCursor | null = null;
  /** The highest Talk id sent: an ephemeral event rendered before a replayed one is not sent after it. */
  private lastId = 0;

  constructor(
    readonly id: string,
    readonly destination: string,
    readonly ack: AckMode,
    readonly head: string,
    readonly chatId: number,
    readonly channel: TalkChannel,
    private readonly writer: StompWriter,
  ) {}

  /** Hot path: one cached header parse per event, one prefix per subscriber. */
  deliver(ev: Delivered, payload: Payload | null): boolean {
    if (payload === null) return true;
    const meta = talkMeta(payload);
    if (meta.channel !== this.channel) return true;
    if (meta.id <= this.lastId && ev.id === null) return true;
    if (meta.id > this.lastId) this.lastId = meta.id;
    return this.writer.message(payload, this.head, this.writer.nextId(), this.ack !== 'auto', false);
  }

  backlogged(): boolean {
    return this.writer.backlogged();
  }

  drained(): Promise<void> {
    return this.writer.drained();
  }
}

/** `/topic/...`, `/queue/...` and other broker destinations. */
export interface BrokerSubscription extends Base {
  readonly kind: 'topic' | 'queue';
  /** Queue deliveries not yet acknowledged, in delivery order: message-id → the broker's ack tag. */
  readonly unacked: Map<number, number>;
}

/** `/user/queue/errors`: refusals of this session's commands (Spring's convention). */
export interface ErrorsSubscription extends Base {
  readonly kind: 'errors';
}

export type Subscription = EventSubscription | BrokerSubscription | ErrorsSubscription;

export class Subscriptions {
  private readonly byId = new Map<string, Subscription>();
  /** Queue deliveries awaiting ACK / NACK: message-id → its subscription. */
  private readonly acks = new Map<number, BrokerSubscription>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Subscription | undefined {
    return this.byId.get(id);
  }

  add(sub: Subscription): void {
    this.byId.set(sub.id, sub);
  }

  /** Forgets a subscription (its cursor is closed, its pending acks dropped). */
  remove(id: string): Subscription | undefined {
    const sub = this.byId.get(id);
    if (sub === undefined) return undefined;
    this.byId.delete(id);
    if (sub.kind === 'event') sub.cursor?.close();
    else if (sub.kind !== 'errors') for (const mid of sub.unacked.keys()) this.acks.delete(mid);
    return sub;
  }

  all(): Subscription[] {
    return [...this.byId.values()];
  }

  /** The subscriptions to `/user/queue/errors` (normally one). */
  errors(): ErrorsSubscription[] {
    const out: ErrorsSubscription[] = [];
    for (const s of this.byId.values()) if (s.kind === 'errors') out.push(s);
    return out;
  }

  /** A queue delivery in a client ack mode waits for ACK / NACK. */
  track(sub: BrokerSubscription, messageId: number, tag: number): void {
    sub.unacked.set(messageId, tag);
    this.acks.set(messageId, sub);
  }

  /**
   * ACK / NACK of `messageId`: the broker tag to settle, or null when nothing waits for it (an event or
   * topic message, or one already covered by a cumulative `client` ACK). In `client` mode every earlier
   * message of the subscription is settled with it (the broker does the same with the tag).
   */
  settle(messageId: number): number | null {
    const sub = this.acks.get(messageId);
    if (sub === undefined) return null;
    const tag = sub.unacked.get(messageId)!;
    if (sub.ack === 'client') {
      for (const mid of [...sub.unacked.keys()]) {
        sub.unacked.delete(mid);
        this.acks.delete(mid);
        if (mid === messageId) break;
      }
    } else {
      sub.unacked.delete(messageId);
      this.acks.delete(messageId);
    }
    return tag;
  }

  closeAll(): void {
    for (const s of this.byId.values()) if (s.kind === 'event') s.cursor?.close();
    this.byId.clear();
    this.acks.clear();
  }
}
