// The one write path every service uses: run a transaction that appends events, then publish them on
// the bus once committed, in commit order (the store's afterCommit runs before the next writer starts).
import type { Store } from '../store/store.js';
import type { Repo } from '../store/repo.js';
import type { Bus } from '../bus/bus.js';
import type { Delivered, HeraldEvent } from '../events/types.js';
import type { Actor } from '../core/actor.js';
import { badRequest } from '../core/errors.js';

/** Appends one event in the current transaction; returns it with its position and recipients. */
export type Emit = (ev: HeraldEvent) => Promise<Delivered>;

export async function commitEvents<T>(store: Store, bus: Bus, now: () => number, fn: (tx: Repo, emit: Emit) => Promise<T>): Promise<T> {
  const out = await store.write(
    async (tx) => {
      const appended: Delivered[] = [];
      const at = now();
      const value = await fn(tx, async (ev) => {
        const d = await tx.append(ev, at);
        appended.push(d);
        return d;
      });
      return { value, appended };
    },
    ({ appended }) => bus.publish(appended),
  );
  return out.value;
}

/** The user behind a command that needs one (the server API key must act as a user for it). */
export function userOf(actor: Actor): number {
  if (actor.userId === null) throw badRequest('this command needs a user; act as one with the server API key (X-Herald-User)');
  return actor.userId;
}
