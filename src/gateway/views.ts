// Which view of an event a recipient gets: `full` (user objects with email and admin flag) only for the
// user themself, administrators, and users who share a space with every user the event names; `public`
// for everyone else. Decided per recipient from the membership index; rendered at most twice per event.
import type { Delivered } from '../events/types.js';
import { privateSubjects, publicView } from '../events/privacy.js';
import type { View } from '../dialects/render.js';
import type { MembershipQuery } from './membership.js';

/**
 * Above this many named users, a recipient outside the event's space gets the public view without a
 * check per user (a conservative answer that keeps the per-recipient cost bounded).
 */
const MAX_CHECKED_SUBJECTS = 8;

/** Per-event state of the decision, built lazily: the named users, and those outside the event's space. */
export class EventViews {
  private subjects: number[] | null = null;
  private outsiders: number[] | null = null;
  private publicEvent: Delivered | null = null;

  constructor(
    readonly ev: Delivered,
    private readonly m: MembershipQuery,
  ) {}

  private named(): number[] {
    return (this.subjects ??= privateSubjects(this.ev));
  }

  viewFor(userId: number): View {
    const subjects = this.named();
    if (subjects.length === 0 || this.m.isAdmin(userId)) return 'full';
    const space = this.ev.space_id;
    if (space !== null && this.m.isMember(space, userId)) {
      // Every current member shares this space with the recipient; only the others need a check.
      this.outsiders ??= subjects.filter((s) => !this.m.isMember(space, s));
      return this.sharesAll(userId, this.outsiders) ? 'full' : 'public';
    }
    if (subjects.length > MAX_CHECKED_SUBJECTS) return 'public';
    return this.sharesAll(userId, subjects) ? 'full' : 'public';
  }

  private sharesAll(userId: number, users: readonly number[]): boolean {
    for (const u of users) if (u !== userId && !this.m.shares(userId, u)) return false;
    return true;
  }

  /** The event to render for `view` (the public one built once). */
  eventFor(view: View): Delivered {
    if (view === 'full') return this.ev;
    return (this.publicEvent ??= publicView(this.ev));
  }
}
