// Who is online, as synchronous renderers need it (AirSend's `online_status`): a small local view of the
// cluster's presence, fed by presence events and re-checked against the PresenceManager for users whose
// membership changes (a user with no space gets no presence event, so the view can miss them until then).
import type { Delivered } from '../events/types.js';

export class PresenceView {
  private readonly online = new Set<number>();
  /** Bumped by every presence event, so a slower answer never overwrites a newer event. */
  private readonly version = new Map<number, number>();

  constructor(private readonly query: (userIds: readonly number[]) => Promise<Set<number>>) {}

  isOnline = (userId: number): boolean => this.online.has(userId);

  private set(userId: number, online: boolean): void {
    if (online) this.online.add(userId);
    else this.online.delete(userId);
  }

  onEvent(ev: Delivered): void {
    switch (ev.type) {
      case 'presence.online':
      case 'presence.offline': {
        const id = ev.data.user.id;
        this.version.set(id, (this.version.get(id) ?? 0) + 1);
        this.set(id, ev.type === 'presence.online');
        return;
      }
      case 'member.added':
      case 'member.removed':
        this.refresh([ev.data.member.user.id]);
        return;
      case 'space.created':
        this.refresh(ev.data.space.members.map((m) => m.user.id));
        return;
      default:
        return;
    }
  }

  /** Re-reads the cluster presence of these users (answers older than a presence event are ignored). */
  refresh(userIds: readonly number[]): void {
    if (userIds.length === 0) return;
    const asked = new Map(userIds.map((id) => [id, this.version.get(id) ?? 0]));
    this.query(userIds)
      .then((on) => {
        for (const [id, v] of asked) if ((this.version.get(id) ?? 0) === v) this.set(id, on.has(id));
      })
      .catch(() => undefined);
  }
}
