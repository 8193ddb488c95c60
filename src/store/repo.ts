// One transaction (or the plain handle for reads) seen as a set of repositories, one per aggregate.
// Written once with kysely for both drivers. `Store.write` hands a Repo to every command.
import type { Delivered, HeraldEvent } from '../events/types.js';
import type { UserRef } from '../core/model.js';
import type { Db } from './db.js';
import { EventLog, type StoredEvent } from './log.js';
import { UserRepo } from './users.js';
import { SpaceRepo } from './spaces.js';
import { MessageRepo } from './messages.js';
import { ReadRepo } from './reads.js';
import { FileRepo } from './files.js';
import { ActionRepo } from './actions.js';
import { AlertRepo } from './alerts.js';
import { ContentRepo } from './content.js';
import { TagRepo } from './tags.js';
import { SubscriptionRepo } from './subscriptions.js';
import { CallRepo } from './calls.js';
import { InboxRepo } from './inbox.js';
import type { AccessCache } from './access-cache.js';

export type { Db } from './db.js';
export { bool, n } from './db.js';
export type { StoredEvent } from './log.js';

export class Repo {
  readonly log: EventLog;
  readonly users: UserRepo;
  readonly spaces: SpaceRepo;
  readonly messages: MessageRepo;
  readonly reads: ReadRepo;
  readonly files: FileRepo;
  readonly actions: ActionRepo;
  readonly alerts: AlertRepo;
  // Tracim's side of a space:
  readonly content: ContentRepo;
  readonly tags: TagRepo;
  readonly subscriptions: SubscriptionRepo;
  readonly calls: CallRepo;
  readonly inbox: InboxRepo;

  /**
   * The writer's Repo (store.ts) takes `deferAppends`, where the log holds appends until `log.flushAppends`
   * (PostgreSQL, see EventLog), and, on a node alone on its database, `accessCache` (access-cache.ts) and
   * the log head its last commit left.
   */
  constructor(
    readonly db: Db,
    opts: { deferAppends?: boolean; accessCache?: AccessCache | null; head?: number | null } = {},
  ) {
    const cache = opts.accessCache ?? null;
    this.users = new UserRepo(db, cache);
    this.spaces = new SpaceRepo(db, () => this.log.head(), cache);
    this.log = new EventLog(db, this.spaces, opts.deferAppends, opts.head);
    this.messages = new MessageRepo(db, this.users, this.spaces);
    this.reads = new ReadRepo(db);
    this.files = new FileRepo(db);
    this.actions = new ActionRepo(db);
    this.alerts = new AlertRepo(db, this.users);
    this.content = new ContentRepo(db, this.users);
    this.tags = new TagRepo(db);
    this.subscriptions = new SubscriptionRepo(db, this.users, this.spaces);
    this.calls = new CallRepo(db, this.users);
    this.inbox = new InboxRepo(db);
  }

  // ---- the event log (store/log.ts), as the gateway and the composition root use it ---------------
  meta(key: string): Promise<string | null> {
    return this.log.meta(key);
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.log.setMeta(key, value);
  }

  logHead(): Promise<number> {
    return this.log.head();
  }

  append(ev: HeraldEvent, at: number): Promise<Delivered> {
    return this.log.append(ev, at);
  }

  feed(userId: number, after: number, limit: number): Promise<StoredEvent[]> {
    return this.log.feed(userId, after, limit);
  }

  prune(before: number): Promise<number> {
    return this.log.prune(before);
  }

  // ---- the reads the realtime side (presence, typing, dialects) makes -------------------------------
  memberIds(spaceId: number): Promise<number[]> {
    return this.spaces.memberIds(spaceId);
  }

  spaceIdsOf(userId: number): Promise<number[]> {
    return this.spaces.idsOf(userId);
  }

  userRefs(ids: readonly number[]): Promise<Map<number, UserRef>> {
    return this.users.refs(ids);
  }

  touchUser(id: number, now: number): Promise<void> {
    return this.users.touch(id, now);
  }
}
