// Who is online, as the AirSend renderer needs it for `online_status` in member objects. Rendering is
// synchronous, so this is a small in-memory view of the bus presence: fed by presence.online/offline
// events (cluster-wide, like the bus), and re-checked against the bus for users whose membership
// changes (a user with no space gets no presence event, so the view can miss them until then).
import type { Bus } from '../../bus/bus.js';
import type { Delivered } from '../../events/types.js';

export class PresenceView {
  private readonly online = new Set<number>();
  /** Bumped by every presence event, so a slower bus answer never overwrites a newer event. */
  private readonly version = new Map<number, number>();
  private readonly unsubscribe: () => void;

  constructor(private readonly bus: Bus) {
    this.unsubscribe = bus.subscribe((ev) => this.onEvent(ev));
  }

  isOnline = (userId: number): boolean => this.online.has(userId);

  private set(userId: number, online: boolean): void {
    if (online) this.online.add(userId);
    else this.online.delete(userId);
  }

  private onEvent(ev: Delivered): void {
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

  /** Re-reads the bus presence of these users (answers older than a presence event are ignored). */
  refresh(userIds: readonly number[]): void {
    if (userIds.length === 0) return;
    const asked = new Map(userIds.map((id) => [id, this.version.get(id) ?? 0]));
    this.bus.presence
      .online(userIds)
      .then((on) => {
        for (const [id, v] of asked) if ((this.version.get(id) ?? 0) === v) this.set(id, on.has(id));
      })
      .catch(() => undefined);
  }

  close(): void {
    this.unsubscribe();
  }
}
