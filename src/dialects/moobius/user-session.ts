// A Moobius user connection (docs/dialects/moobius.md, "User connections"): authenticated at the upgrade;
// message_up, roger and heartbeat, each answered with one `copy`; `message_down` for the messages the
// delivery rules show this user. Live only: a reconnecting client does not get what it missed.
import { call } from '../../commands/index.js';
import { asUser, type Actor } from '../../core/actor.js';
import { HeraldError } from '../../core/errors.js';
import { Throttle } from '../../core/throttle.js';
import type { Delivered } from '../../events/types.js';
import type { Connection } from '../../gateway/connection.js';
import type { TokenInfo } from '../../gateway/auth.js';
import type { DialectHost } from '../plugin.js';
import type { Renderer } from '../render.js';
import { MoobiusConnection, type SessionOptions } from './connection.js';
import { Directory, type Channel } from './directory.js';
import { Refusal, refusalOf, type FrameOf, type MoobiusFrame } from './frames.js';
import { postBody, userSees, type Delivery } from './post.js';
import { copyHeartbeat, copyMessageUp, copyOk, type MoobiusCopy } from './render.js';

export interface UserSessionDeps {
  host: DialectHost;
  renderer: Renderer;
  /** Whether a channel service for the channel is connected (then user messages go to it only). */
  serviceCovers(channel: Channel): Promise<boolean>;
  /** The users of the services configured for the channel (members of it): a user's message always reaches them. */
  serviceUsers(channel: Channel): number[];
  options: SessionOptions & {
    /** roger per connection: a burst, then one per interval (each appends an event). */
    rogerBurst: number;
    rogerIntervalMs: number;
  };
}

export class MoobiusUserSession extends MoobiusConnection {
  private uuid = '';
  private readonly actor: Actor;
  private readonly directory: Directory;
  private readonly rogers: Throttle;

  constructor(
    private readonly d: UserSessionDeps,
    conn: Connection,
    userId: number,
    token: TokenInfo | null,
  ) {
    super(d.host, conn, userId, token, ['message_up', 'roger', 'heartbeat'], d.options);
    this.actor = asUser(userId);
    this.directory = new Directory(d.host.commands, this.actor, userId);
    this.rogers = new Throttle(d.options.rogerBurst, d.options.rogerIntervalMs);
  }

  protected override async start(): Promise<void> {
    // The feed first: membership changes from here on reach the directory loaded below.
    const { cursor } = await this.host.feeds.open({ userId: this.userId, renderer: this.d.renderer, resume: null, epoch: null });
    this.cursor = cursor;
    const { user } = await call(this.host.commands, 'users.get', this.actor, {});
    this.uuid = user.uuid;
    await this.directory.load();
  }

  protected override observe(ev: Delivered): void {
    this.directory.apply(ev);
  }

  protected override shows(ev: Delivered): boolean {
    return ev.type === 'message.created' && userSees(ev.data.message, this.uuid);
  }

  protected override async handle(f: MoobiusFrame): Promise<MoobiusCopy> {
    if (f.user_id !== undefined && f.user_id !== this.uuid) {
      throw new Refusal('user_mismatch', `user_id ${f.user_id.slice(0, 64)} is not the user this connection authenticated as (${this.uuid})`);
    }
    switch (f.type) {
      case 'message_up':
        return this.messageUp(f);
      case 'roger':
        return this.roger(f);
      case 'heartbeat':
        return copyHeartbeat(f.request_id);
      case 'message_down':
        throw new Refusal('unknown_type', 'message_down is sent by channel services, not users');
    }
  }

  private async messageUp(f: FrameOf<'message_up'>): Promise<MoobiusCopy> {
    const rule = async (c: Channel): Promise<Delivery> => ({ rule: (await this.d.serviceCovers(c)) ? 'service' : 'direct', services: this.d.serviceUsers(c) });
    const m = await postBody(this.host.commands, this.actor, this.userId, this.directory, f.body, rule);
    this.directory.remember(m.uuid, m.id);
    return copyMessageUp(f.request_id, m.uuid);
  }

  /** roger: the message is read by this user, through the same command as every dialect's read receipt. */
  private async roger(f: FrameOf<'roger'>): Promise<MoobiusCopy> {
    if (!this.rogers.take('roger')) {
      throw new Refusal('rate_limited', `too many roger frames: at most ${this.d.options.rogerBurst} at once, then one every ${this.d.options.rogerIntervalMs} ms`);
    }
    const uuid = f.body.message_id;
    const id = await this.directory.messageId(uuid);
    if (id === null) throw new Refusal('unknown_message', `no message ${uuid.slice(0, 64)} in your channels`);
    try {
      await call(this.host.commands, 'reads.mark', this.actor, { message_id: id });
    } catch (e) {
      if (e instanceof HeraldError) throw refusalOf(e, 'unknown_message');
      throw e;
    }
    return copyOk('roger', f.request_id, { message_id: uuid });
  }
}
