// The writer's cache of what every command's permission check reads (`SpaceRepo.access`): a space's
// summary, a user's role in it, the user's snapshot. A 1-to-1 post otherwise spends a third of its SQL
// time (and, on PostgreSQL, one of its two round trips under the writer lock) re-reading them.
//
// Exact, not "fresh enough": only the writer uses it, and the writer is the only one changing the
// database (one node; a cluster runs without it, since other nodes write too). Every statement the
// store runs is shown to `observe`; one that changes `spaces`, `members` or `users` clears the cache,
// unless it changes no cached column (mark-all-read) or is one of the touches that keep it up to date
// themselves (`keepsAccessCache`). Any write that fails clears it too, since what it changed was rolled
// back. So a new kind of write cannot leave it stale. A single PostgreSQL node is kept alone on its
// database by node-lock.ts.
import type { Role, SpaceSummary, UserRef } from '../core/model.js';

/** What a permission check reads in one statement: the space, the user's role there, the user's snapshot. */
export interface SpaceAccessRow {
  space: SpaceSummary;
  role: Role | null;
  /** Null when the user id names no account. */
  user: UserRef | null;
}

/** A statement that may change data changes the cache if it names a cached table. */
const CACHED_TABLES = /\b(spaces|members|users)\b/i;

/** Statement texts that name cached tables but change no cached column, or mirror their change here (fast.ts registers them). */
const cacheAware = new Set<string>();

export function keepsAccessCache(text: string): void {
  cacheAware.add(text);
}

/** Past this many entries the cache starts over (it holds what recent writes checked). */
const MAX_ENTRIES = 100_000;

export class AccessCache {
  private readonly spaces = new Map<number, SpaceSummary>();
  private readonly users = new Map<number, UserRef>();
  /** space id → user id → role (null: not a member). */
  private readonly roles = new Map<number, Map<number, Role | null>>();
  private size = 0;

  /** A copy (callers put the summary and snapshot into events), or undefined when not all three are held. */
  get(spaceId: number, userId: number): SpaceAccessRow | undefined {
    const space = this.spaces.get(spaceId);
    const user = this.users.get(userId);
    const role = this.roles.get(spaceId)?.get(userId);
    if (space === undefined || user === undefined || role === undefined) return undefined;
    return { space: { ...space }, role, user: { ...user } };
  }

  /** What `SpaceRepo.access` read (a missing space or user is not cached: the next check reads again). */
  put(spaceId: number, userId: number, row: SpaceAccessRow): void {
    if (row.user === null) return;
    if (this.size >= MAX_ENTRIES) this.clear();
    this.spaces.set(spaceId, { ...row.space });
    this.users.set(userId, { ...row.user });
    let roles = this.roles.get(spaceId);
    if (roles === undefined) this.roles.set(spaceId, (roles = new Map()));
    if (!roles.has(userId)) this.size++;
    roles.set(userId, row.role);
  }

  /** Mirrors `update spaces set last_active_at = now` (a post's touch). */
  touchSpace(id: number, now: number): void {
    const s = this.spaces.get(id);
    if (s !== undefined) s.last_active_at = now;
  }

  /** Mirrors `update users set last_active_at = now` (the activity flush). */
  touchUser(id: number, now: number): void {
    const u = this.users.get(id);
    if (u !== undefined) u.last_active_at = now;
  }

  /** Every statement the store runs that may change data: one that changes a cached table behind the cache's back clears it. */
  observe(text: string): void {
    if (this.size > 0 && CACHED_TABLES.test(text) && !cacheAware.has(text)) this.clear();
  }

  clear(): void {
    this.spaces.clear();
    this.users.clear();
    this.roles.clear();
    this.size = 0;
  }
}
