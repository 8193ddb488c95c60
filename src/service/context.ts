// What every command runs over: the transaction, emit, the actor, the command's clock reading and the
// one access helper. `Runtime` opens one per command (a write, or a read outside any transaction).
import type { Store } from '../store/store.js';
import type { Repo } from '../store/repo.js';
import type { Bus } from '../bus/bus.js';
import type { Actor } from '../core/actor.js';
import { Access } from './access.js';
import { commitEvents, type AppendedCounter, type Emit } from './commit.js';

export interface Settings {
  /** Anyone may register (otherwise only the server API key creates users). */
  openSignup: boolean;
  /** Base of the meeting URL handed out for calls. */
  callUrlBase: string;
}

export interface ReadContext {
  readonly tx: Repo;
  readonly actor: Actor;
  /** The command's clock reading (UTC ms): one per command, also the `at` of the events it appends. */
  readonly now: number;
  readonly access: Access;
  readonly settings: Settings;
}

export interface CommandContext extends ReadContext {
  readonly emit: Emit;
}

export interface RuntimeOptions {
  now?: () => number;
  /** `herald_events_appended_total`, counted at commit. */
  appended?: AppendedCounter;
}

export class Runtime {
  readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    readonly settings: Settings,
    private readonly opts: RuntimeOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Runs a command in one write transaction; its events are published once committed, in commit order. */
  write<T>(actor: Actor, fn: (c: CommandContext) => Promise<T>): Promise<T> {
    return commitEvents(this.store, this.bus, this.now, (tx, emit, now) => fn({ tx, emit, actor, now, access: new Access(tx, actor), settings: this.settings }), this.opts.appended);
  }

  /** Runs a query outside any transaction. */
  read<T>(actor: Actor, fn: (c: ReadContext) => Promise<T>): Promise<T> {
    return this.store.read((tx) => fn({ tx, actor, now: this.now(), access: new Access(tx, actor), settings: this.settings }));
  }
}
