// What command handlers run on: the runtime (one transaction or read per command), the ephemeral
// service (typing, presence), token issuing (sign-up and login hand out a bearer token) and closing the
// connections a revocation ends (logout, password change).
import type { Delivered } from '../events/types.js';
import type { Actor } from '../core/actor.js';
import type { Runtime, CommandContext, ReadContext } from '../service/context.js';
import type { Ephemeral } from '../service/ephemeral.js';

export interface Services {
  runtime: Runtime;
  ephemeral: Ephemeral;
  /** A bearer token for the user, carrying their credential generation (read with the credentials checked). */
  issueToken(userId: number, generation: number): Promise<string>;
  /**
   * After a revocation committed: closes, on every node (the control plane), all of the user's live
   * connections, or only those opened with one of `tokens` (token or session ids).
   */
  closeConnections(o: { userId: number; reason: string; tokens?: readonly string[] }): void;
  /** How many users an appended event is addressed to (the node's membership index). */
  audienceSize(ev: Delivered): number;
}

/** A handler that runs `fn` in one write transaction. */
export const write =
  <I, O>(fn: (c: CommandContext, input: I) => Promise<O>) =>
  (s: Services, actor: Actor, input: I): Promise<O> =>
    s.runtime.write(actor, (c) => fn(c, input));

/** A handler that runs `fn` as a read outside any transaction. */
export const read =
  <I, O>(fn: (c: ReadContext, input: I) => Promise<O>) =>
  (s: Services, actor: Actor, input: I): Promise<O> =>
    s.runtime.read(actor, (c) => fn(c, input));
