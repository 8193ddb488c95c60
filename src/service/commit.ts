// The one write path every command uses: run a transaction that appends events, then publish them on
// the bus once committed, in commit order (the store's afterCommit runs before the next writer starts).
// Appended events are counted here, at commit, once per event (not per delivery, nor per node).
import type { Store } from '../store/store.js';
import type { Repo } from '../store/repo.js';
import type { Bus } from '../bus/bus.js';
import type { Delivered, HeraldEvent } from '../events/types.js';
import type { Actor } from '../core/actor.js';
import { badRequest } from '../core/errors.js';

/** Appends one event in the current transaction; returns it with its position and recipients. */
export type Emit = (ev: HeraldEvent) => Promise<Delivered>;

/** Counts committed events by type (`herald_events_appended_total`); `custom.*` events count as `custom`. */
export interface AppendedCounter {
  inc(labels: { type: string }): void;
}

export const eventTypeLabel = (type: string): string => (type.startsWith('custom.') ? 'custom' : type);

export async function commitEvents<T>(
  store: Store,
  bus: Bus,
  now: () => number,
  fn: (tx: Repo, emit: Emit, at: number) => Promise<T>,
  appended?: AppendedCounter,
): Promise<T> {
  const out = await store.write(
    async (tx) => {
      const events: Delivered[] = [];
      const at = now();
      const value = await fn(
        tx,
        async (ev) => {
          const d = await tx.append(ev, at);
          events.push(d);
          return d;
        },
        at,
      );
      return { value, events };
    },
    ({ events }) => {
      if (appended) for (const ev of events) appended.inc({ type: eventTypeLabel(ev.type) });
      bus.publish(events);
    },
  );
  return out.value;
}

/** The user behind a command that needs one (the server API key must act as a user for it). */
export function userOf(actor: Actor): number {
  if (actor.userId === null) throw badRequest('this command needs a user; act as one with the server API key (X-Herald-User)');
  return actor.userId;
}
