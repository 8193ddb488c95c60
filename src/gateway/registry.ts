// The live connections of this node, by user: presence (first connection in, last one out, counted by
// the cluster's PresenceManager), the connections gauge, and closing a user's connections on an order
// from the control plane (user deleted, password changed, a token logged out) or at shutdown.
import type { Logger } from 'pino';
import type { PresenceManager } from '../bus/bus.js';
import type { TokenInfo } from './auth.js';

/** Why the server closes a connection; each protocol maps it to its own close code. */
export type CloseReason = 'shutdown' | 'revoked';

export interface LiveConnection {
  readonly userId: number;
  readonly dialect: string;
  readonly transport: string;
  /**
   * The token the connection was opened with (`Principal.token`), so that logging that token out closes
   * it; null or absent (the server API key, or a dialect that does not say) is closed only with all of the user's.
   */
  readonly token?: TokenInfo | null;
  close(reason: CloseReason, message: string): void;
}

export interface Registration {
  /** The connection is gone (call once, from its close handler). */
  unregister(): void;
}

export interface RegistryHooks {
  online(userId: number): void;
  offline(userId: number): void;
  gauge(dialect: string, transport: string, delta: 1 | -1): void;
}

export class ConnectionRegistry {
  private readonly byUser = new Map<number, Set<LiveConnection>>();
  private closing = false;

  constructor(
    private readonly presence: PresenceManager,
    private readonly hooks: RegistryHooks,
    private readonly log: Logger,
  ) {}

  register(c: LiveConnection): Registration {
    let set = this.byUser.get(c.userId);
    if (set === undefined) this.byUser.set(c.userId, (set = new Set()));
    set.add(c);
    this.hooks.gauge(c.dialect, c.transport, 1);
    this.presence
      .connect(c.userId)
      .then((first) => first && this.hooks.online(c.userId))
      .catch((err: unknown) => this.log.error({ err }, 'presence (online) failed'));
    let done = false;
    return {
      unregister: () => {
        if (done) return;
        done = true;
        const s = this.byUser.get(c.userId);
        s?.delete(c);
        if (s?.size === 0) this.byUser.delete(c.userId);
        this.hooks.gauge(c.dialect, c.transport, -1);
        // A node going down leaves presence to the lease: the cluster decides who is still online.
        if (this.closing) return;
        this.presence
          .disconnect(c.userId)
          .then((last) => last && this.hooks.offline(c.userId))
          .catch((err: unknown) => this.log.error({ err }, 'presence (offline) failed'));
      },
    };
  }

  /** Closes every connection of the user on this node. */
  closeUser(userId: number, message: string): number {
    const set = this.byUser.get(userId);
    if (set === undefined) return 0;
    const all = [...set];
    for (const c of all) c.close('revoked', message);
    return all.length;
  }

  /** Closes the user's connections on this node opened with one of `tokens` (token or session ids). */
  closeTokens(userId: number, tokens: readonly string[], message: string): number {
    const set = this.byUser.get(userId);
    if (set === undefined) return 0;
    const ids = new Set(tokens);
    const hit = [...set].filter((c) => c.token != null && (ids.has(c.token.id) || ids.has(c.token.session)));
    for (const c of hit) c.close('revoked', message);
    return hit.length;
  }

  closeAll(message: string): void {
    this.closing = true;
    for (const set of [...this.byUser.values()]) for (const c of [...set]) c.close('shutdown', message);
  }

  count(): number {
    let n = 0;
    for (const s of this.byUser.values()) n += s.size;
    return n;
  }
}
