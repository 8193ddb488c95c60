// Private fields of user objects inside events: which users an event names with their email and admin
// flag, and the event's public view (those fields removed) for recipients who may not see them.
import type { Delivered } from './types.js';

/** The fields of a user object only the user, administrators and users sharing a space may see. */
export const PRIVATE_USER_FIELDS = ['email', 'is_admin'] as const;

type Obj = Record<string, unknown>;

/** A user snapshot (UserRef, User) is recognised by its shape: id, username, email and is_admin. */
function isUser(o: Obj): boolean {
  return typeof o.id === 'number' && typeof o.username === 'string' && typeof o.email === 'string' && typeof o.is_admin === 'boolean';
}

/** custom.* payloads are the app's own data, passed through untouched. */
const opaque = (ev: Delivered) => ev.type.startsWith('custom.');

function walk(value: unknown, found: Set<number>): void {
  if (Array.isArray(value)) {
    for (const v of value) if (typeof v === 'object' && v !== null) walk(v, found);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const o = value as Obj;
  if (isUser(o)) found.add(o.id as number);
  for (const k in o) {
    const v = o[k];
    if (typeof v === 'object' && v !== null) walk(v, found);
  }
}

/** Ids of the users whose private fields appear in the event (deduplicated; empty for most ephemeral events' peers). */
export function privateSubjects(ev: Delivered): number[] {
  if (opaque(ev)) return [];
  const found = new Set<number>();
  walk(ev.data, found);
  return [...found];
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  const o = value as Obj;
  const user = isUser(o);
  const out: Obj = {};
  for (const k in o) {
    if (user && (k === 'email' || k === 'is_admin')) continue;
    out[k] = redact(o[k]);
  }
  return out;
}

/**
 * The event as a recipient without access to private fields sees it: every user object loses `email` and
 * `is_admin` (dialects render the absent fields as their spec allows). Built at most once per event.
 */
export function publicView<T extends Delivered>(ev: T): T {
  if (opaque(ev)) return ev;
  return { ...ev, data: redact(ev.data) } as T;
}
