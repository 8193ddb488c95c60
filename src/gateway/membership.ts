// This node's membership index: space → members, user → spaces, administrators. Seeded from the store at
// start, then kept exact by the ordered event stream itself, in position order, so delivery resolves
// "members of the space at the time of the event" without reading the store.
import type { Delivered } from '../events/types.js';

export interface MembershipSeed {
  head: number;
  members: readonly { space_id: number; user_id: number }[];
  deletedSpaces: readonly number[];
  admins: readonly number[];
  users: number;
}

/** Read-only questions the rest of the node (and dialects, through the host) may ask. */
export interface MembershipQuery {
  membersOf(spaceId: number): ReadonlySet<number>;
  /** Every space the user is a member of, deleted ones included. */
  spacesOf(userId: number): ReadonlySet<number>;
  /** The user's spaces that are not deleted, in id order (presence announcements, profile updates). */
  liveSpacesOf(userId: number): number[];
  isMember(spaceId: number, userId: number): boolean;
  /** Whether the space was deleted (its members are kept: a restore brings them back). */
  isDeleted(spaceId: number): boolean;
  isAdmin(userId: number): boolean;
  /** Whether two users are members of at least one common space. */
  shares(a: number, b: number): boolean;
}

export type MembershipChange = (spaceId: number, userId: number, joined: boolean) => void;

const EMPTY: ReadonlySet<number> = new Set();

export class MembershipIndex implements MembershipQuery {
  private readonly members = new Map<number, Set<number>>();
  private readonly spaces = new Map<number, Set<number>>();
  private readonly deleted = new Set<number>();
  private readonly admins = new Set<number>();
  /** Users not deleted, for the size of `all` audiences. */
  users = 0;
  /** Position of the last event applied; events at or below it are ignored. */
  position = 0;
  private seeded = false;
  private readonly listeners = new Set<MembershipChange>();

  /** Called for every membership change, after it is applied (the local connection index follows it). */
  onChange(fn: MembershipChange): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get ready(): boolean {
    return this.seeded;
  }

  seed(s: MembershipSeed): void {
    for (const { space_id, user_id } of s.members) this.join(space_id, user_id);
    for (const id of s.deletedSpaces) this.deleted.add(id);
    for (const id of s.admins) this.admins.add(id);
    this.users = s.users;
    this.position = s.head;
    this.seeded = true;
  }

  /** Applies a positioned event's effect on membership, before it is delivered. */
  apply(ev: Delivered): void {
    if (ev.id === null || ev.id <= this.position) return;
    this.position = ev.id;
    switch (ev.type) {
      case 'space.created': {
        const now = new Set(ev.data.space.members.map((m) => m.user.id));
        for (const u of [...(this.members.get(ev.data.space.id) ?? [])]) if (!now.has(u)) this.leave(ev.data.space.id, u);
        for (const u of now) this.join(ev.data.space.id, u);
        if (ev.data.space.deleted) this.deleted.add(ev.data.space.id);
        return;
      }
      case 'member.added':
        return this.join(ev.data.space.id, ev.data.member.user.id);
      case 'member.removed':
        return this.leave(ev.data.space.id, ev.data.member.user.id);
      case 'space.deleted':
        this.deleted.add(ev.data.space.id);
        return;
      case 'space.undeleted':
        this.deleted.delete(ev.data.space.id);
        return;
      case 'user.created':
        this.users++;
        if (ev.data.user.is_admin) this.admins.add(ev.data.user.id);
        return;
      case 'user.deleted':
        this.users--;
        return;
      case 'user.undeleted':
        this.users++;
        return;
      default:
        return;
    }
  }

  private join(spaceId: number, userId: number): void {
    let m = this.members.get(spaceId);
    if (m === undefined) this.members.set(spaceId, (m = new Set()));
    if (m.has(userId)) return;
    m.add(userId);
    let s = this.spaces.get(userId);
    if (s === undefined) this.spaces.set(userId, (s = new Set()));
    s.add(spaceId);
    for (const fn of this.listeners) fn(spaceId, userId, true);
  }

  private leave(spaceId: number, userId: number): void {
    const m = this.members.get(spaceId);
    if (!m?.delete(userId)) return;
    if (m.size === 0) this.members.delete(spaceId);
    const s = this.spaces.get(userId);
    s?.delete(spaceId);
    if (s?.size === 0) this.spaces.delete(userId);
    for (const fn of this.listeners) fn(spaceId, userId, false);
  }

  membersOf(spaceId: number): ReadonlySet<number> {
    return this.members.get(spaceId) ?? EMPTY;
  }

  spacesOf(userId: number): ReadonlySet<number> {
    return this.spaces.get(userId) ?? EMPTY;
  }

  liveSpacesOf(userId: number): number[] {
    return [...this.spacesOf(userId)].filter((s) => !this.deleted.has(s)).sort((a, b) => a - b);
  }

  isMember(spaceId: number, userId: number): boolean {
    return this.members.get(spaceId)?.has(userId) ?? false;
  }

  isDeleted(spaceId: number): boolean {
    return this.deleted.has(spaceId);
  }

  isAdmin(userId: number): boolean {
    return this.admins.has(userId);
  }

  shares(a: number, b: number): boolean {
    const sa = this.spacesOf(a);
    const sb = this.spacesOf(b);
    const [small, large] = sa.size <= sb.size ? [sa, sb] : [sb, sa];
    for (const s of small) if (large.has(s)) return true;
    return false;
  }

  /** How many users an event reaches cluster-wide, for reports (explicit users outside the space counted once). */
  audienceSize(ev: Delivered): number {
    if (ev.audience.all) return this.users;
    const members = ev.audience.space === undefined ? EMPTY : this.membersOf(ev.audience.space);
    let n = members.size;
    for (const u of ev.explicit) if (!members.has(u)) n++;
    return n;
  }
}
