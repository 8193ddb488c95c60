// Frames AirSend sends after an event's own frame, chosen per recipient but rendered once per event and
// view: `channel.update` to the channel's members after `user_added.channel` / `user_removed.channel`
// (not to a removed user), and one `user.profileUpdate` per channel the recipient shares with a user whose
// profile changed. Membership comes from the node's index, as of the event: no store read, in order.
import type { Delivered, EventOf } from '../../events/types.js';
import { publicView } from '../../events/privacy.js';
import { Payload } from '../../gateway/connection.js';
import type { MembershipQuery } from '../../gateway/membership.js';
import type { View } from '../render.js';
import { airChannel, airUser } from './format.js';
import { airEnvelope, type AirSendRenderOptions } from './render.js';

const NONE: readonly Payload[] = [];

export class AirSendExtras {
  private readonly publics = new WeakMap<Delivered, Delivered>();
  private readonly updates = new WeakMap<Delivered, readonly Payload[]>();
  private readonly profiles = new WeakMap<Delivered, Map<number, Payload>>();
  private readonly sharedSpaces = new WeakMap<Delivered, number[]>();

  constructor(
    private readonly o: AirSendRenderOptions,
    private readonly membership: MembershipQuery,
  ) {}

  private source(ev: Delivered, view: View): Delivered {
    if (view === 'full') return ev;
    let p = this.publics.get(ev);
    if (p === undefined) this.publics.set(ev, (p = publicView(ev)));
    return p;
  }

  /** The extra frames for `userId`, in the order they follow the event's frame. */
  after(ev: Delivered, userId: number, view: View): readonly Payload[] {
    if (ev.type === 'member.added' || ev.type === 'member.removed') {
      if (ev.type === 'member.removed' && userId === ev.data.member.user.id) return NONE;
      const src = this.source(ev, view);
      let frames = this.updates.get(src);
      if (frames === undefined) {
        const { space, stats } = (src as typeof ev).data;
        frames = [new Payload(airEnvelope('channel.update', { channel: airChannel(space, this.o.isOnline, true, stats, this.o.botName) }))];
        this.updates.set(src, frames);
      }
      return frames;
    }
    if (ev.type === 'user.updated') return this.profileUpdates(ev, userId, view);
    return NONE;
  }

  private profileUpdates(ev: Delivered<EventOf<'user.updated'>>, userId: number, view: View): readonly Payload[] {
    const user = ev.data.user;
    let spaces = this.sharedSpaces.get(ev);
    if (spaces === undefined) this.sharedSpaces.set(ev, (spaces = this.membership.liveSpacesOf(user.id)));
    const src = this.source(ev, view) as typeof ev;
    let frames = this.profiles.get(src);
    if (frames === undefined) this.profiles.set(src, (frames = new Map()));
    const out: Payload[] = [];
    for (const sid of spaces) {
      if (!this.membership.isMember(sid, userId)) continue;
      let f = frames.get(sid);
      if (f === undefined) {
        f = new Payload(airEnvelope('user.profileUpdate', { user: airUser(src.data.user, this.o.isOnline(user.id)), channel_id: sid }));
        frames.set(sid, f);
      }
      out.push(f);
    }
    return out;
  }
}
