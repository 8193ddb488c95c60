// A channel service connection (docs/dialects/moobius.md, "Channel services"): authenticated by its key at
// the upgrade, it receives every user message of its channels in the document's "service receive format",
// from where its previous connection stopped, and sends `message_down` to chosen members of them.
import { call } from '../../commands/index.js';
import { asUser, type Actor } from '../../core/actor.js';
import type { Delivered } from '../../events/types.js';
import type { Connection } from '../../gateway/connection.js';
import type { DialectHost } from '../plugin.js';
import type { Renderer } from '../render.js';
import { MoobiusConnection, type SessionOptions } from './connection.js';
import { Directory, type Channel } from './directory.js';
import { Refusal, type FrameOf, type MoobiusFrame } from './frames.js';
import { postBody } from './post.js';
import { copyHeartbeat, copyOk, type MoobiusCopy } from './render.js';
import { runsChannel, type LiveService, type Position, type ServiceEntry, type ServiceHub } from './services.js';

export interface ServiceSessionDeps {
  host: DialectHost;
  renderer: Renderer;
  hub: ServiceHub;
  options: SessionOptions;
}

export class MoobiusServiceSession extends MoobiusConnection implements LiveService {
  spaces: ReadonlySet<number> = new Set();
  private uuid = '';
  private epoch: string | null = null;
  private readonly actor: Actor;
  private readonly directory: Directory;

  constructor(
    private readonly d: ServiceSessionDeps,
    conn: Connection,
    readonly entry: ServiceEntry,
  ) {
    super(d.host, conn, entry.user_id, null, ['message_down', 'heartbeat'], d.options);
    this.actor = asUser(entry.user_id);
    this.directory = new Directory(d.host.commands, this.actor, entry.user_id);
  }

  protected override async start(): Promise<void> {
    const from = this.d.hub.attach(this);
    const { cursor, start } = await this.host.feeds.open({ userId: this.userId, renderer: this.d.renderer, resume: from?.position ?? null, epoch: from?.epoch ?? null });
    this.cursor = cursor;
    this.epoch = start.epoch;
    if (start.reset !== null && from !== null) this.host.log.warn({ userId: this.userId, reset: start.reset }, 'moobius service cannot resume where it stopped: it starts from the head');
    this.uuid = (await call(this.host.commands, 'users.get', this.actor, {})).user.uuid;
    await this.directory.load();
    this.resolveSpaces();
  }

  /** The spaces the service runs: its entry's channels that its user is a member of (all of them without a list). */
  private resolveSpaces(): void {
    this.spaces = new Set([...this.directory.channels()].filter((c) => runsChannel(this.entry, c)).map((c) => c.id));
  }

  position(): Position | null {
    return this.cursor === null || this.epoch === null ? null : { epoch: this.epoch, position: this.cursor.position };
  }

  protected override observe(ev: Delivered): void {
    this.directory.apply(ev);
    if (ev.type === 'member.added' || ev.type === 'member.removed' || ev.type === 'space.created' || ev.type === 'space.deleted') this.resolveSpaces();
  }

  /** Every message of its channels written by someone else (a user; the service's own messages are not echoed). */
  protected override shows(ev: Delivered): boolean {
    if (ev.type !== 'message.created') return false;
    const m = ev.data.message;
    return this.spaces.has(m.space_id) && m.author !== null && m.author.id !== this.userId;
  }

  protected override async handle(f: MoobiusFrame): Promise<MoobiusCopy> {
    if (f.user_id !== undefined && f.user_id !== this.uuid) {
      throw new Refusal('user_mismatch', `user_id ${f.user_id.slice(0, 64)} is not this service's user (${this.uuid})`);
    }
    switch (f.type) {
      case 'message_down':
        return this.messageDown(f);
      case 'heartbeat':
        return copyHeartbeat(f.request_id);
      default:
        throw new Refusal('unknown_type', `${f.type} is sent by users, not channel services`);
    }
  }

  private async messageDown(f: FrameOf<'message_down'>): Promise<MoobiusCopy> {
    const rule = (c: Channel) => {
      if (!this.spaces.has(c.id)) throw new Refusal('forbidden', `this service does not run channel ${c.uuid}`);
      return { rule: 'down' as const, services: [] };
    };
    const m = await postBody(this.host.commands, this.actor, this.userId, this.directory, f.body, rule);
    return copyOk('message_down', f.request_id, { message: 'Message received', message_id: m.uuid });
  }

  protected override ended(): void {
    this.d.hub.detach(this);
  }
}
