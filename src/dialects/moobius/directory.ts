// What one Moobius connection knows of its channels: channel uuid ↔ Herald space id, and each channel's
// members by uuid. Loaded with `spaces.list` as the connection's user (so it holds only channels the
// user is a member of), then kept current by the membership events of the connection's own feed.
import type { Commands } from '../../commands/command.js';
import { call } from '../../commands/index.js';
import type { Actor } from '../../core/actor.js';
import { Throttle } from '../../core/throttle.js';
import type { Delivered } from '../../events/types.js';
import { Refusal } from './frames.js';

export interface Channel {
  id: number;
  uuid: string;
  /** Member uuid → user id. */
  members: Map<string, number>;
}

interface SpaceLike {
  id: number;
  uuid: string;
  deleted: boolean;
  members: readonly { user: { id: number; uuid: string } }[];
}

/** An unknown channel id reloads the list at most this often (a client cannot make every frame a query). */
const RELOAD_MS = 1000;
/** Message uuids remembered for roger; older ones are looked up in the channels' recent messages. */
const REMEMBERED = 5000;
/** Roger of a message not remembered: how far back each channel is searched. */
const SEARCH_CHANNELS = 50;
const SEARCH_DEPTH = 200;
/** Searches (each up to SEARCH_CHANNELS queries) a connection may run: a burst, then one per interval. */
const SEARCH_BURST = 5;
const SEARCH_INTERVAL_MS = 2000;

export class Directory {
  private readonly byUuid = new Map<string, Channel>();
  private readonly byId = new Map<number, Channel>();
  private readonly messages = new Map<string, number>();
  private loadedAt = 0;
  private readonly searches = new Throttle(SEARCH_BURST, SEARCH_INTERVAL_MS);

  constructor(
    private readonly commands: Commands,
    private readonly actor: Actor,
    private readonly userId: number,
  ) {}

  async load(): Promise<void> {
    const { spaces } = await call(this.commands, 'spaces.list', this.actor, {});
    this.byUuid.clear();
    this.byId.clear();
    for (const s of spaces) this.set(s);
    this.loadedAt = Date.now();
  }

  private set(s: SpaceLike): void {
    this.drop(s.id);
    if (s.deleted || !s.members.some((m) => m.user.id === this.userId)) return;
    const c: Channel = { id: s.id, uuid: s.uuid, members: new Map(s.members.map((m) => [m.user.uuid, m.user.id])) };
    this.byUuid.set(c.uuid, c);
    this.byId.set(c.id, c);
  }

  private drop(spaceId: number): void {
    const c = this.byId.get(spaceId);
    if (c === undefined) return;
    this.byId.delete(spaceId);
    this.byUuid.delete(c.uuid);
  }

  /** Follows the connection's feed: membership changes and the ids of new messages. */
  apply(ev: Delivered): void {
    switch (ev.type) {
      case 'space.created':
      case 'member.added':
      case 'member.removed':
        return this.set(ev.data.space);
      case 'space.deleted':
        return this.drop(ev.data.space.id);
      case 'message.created':
        this.remember(ev.data.message.uuid, ev.data.message.id);
        return;
      default:
        return;
    }
  }

  remember(uuid: string, id: number): void {
    this.messages.set(uuid, id);
    if (this.messages.size > REMEMBERED) this.messages.delete(this.messages.keys().next().value!);
  }

  /** The channel with this uuid (or decimal Herald id) among the user's; reloads once when unknown. */
  async channel(ref: string): Promise<Channel | null> {
    const known = this.find(ref);
    if (known !== null || Date.now() - this.loadedAt < RELOAD_MS) return known;
    await this.load();
    return this.find(ref);
  }

  private find(ref: string): Channel | null {
    return this.byUuid.get(ref) ?? (/^[1-9][0-9]{0,9}$/.test(ref) ? (this.byId.get(Number(ref)) ?? null) : null);
  }

  byID(spaceId: number): Channel | null {
    return this.byId.get(spaceId) ?? null;
  }

  channels(): IterableIterator<Channel> {
    return this.byId.values();
  }

  /** A message's Herald id from its uuid: remembered from the feed, else searched in the channels' recent messages. */
  async messageId(uuid: string): Promise<number | null> {
    const known = this.messages.get(uuid);
    if (known !== undefined) return known;
    if (!this.searches.take('search')) throw new Refusal('rate_limited', `too many lookups of messages this connection did not receive: at most ${SEARCH_BURST}, then one every ${SEARCH_INTERVAL_MS} ms`);
    for (const c of [...this.byId.values()].slice(0, SEARCH_CHANNELS)) {
      const { messages } = await call(this.commands, 'messages.list', this.actor, { space_id: c.id, limit: SEARCH_DEPTH });
      const m = messages.find((x) => x.uuid === uuid);
      if (m !== undefined) {
        this.remember(uuid, m.id);
        return m.id;
      }
    }
    return null;
  }
}
