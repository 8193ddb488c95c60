// Channel services: the HERALD_MOOBIUS_SERVICES setting (which key is which service, run as which Herald
// user, for which channels), which service is connected on this node, and each service's feed position,
// kept in a small file of the data dir so a service that reconnects (even after a restart) receives what
// it missed. One live connection per service: a new one replaces the older.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ConfigError } from '../../config.js';

export const SERVICES_VARIABLE = 'HERALD_MOOBIUS_SERVICES';

const EntrySchema = Type.Object(
  {
    /** The secret the service presents (Authorization: Bearer, or ?key=). */
    key: Type.String({ minLength: 16, maxLength: 512 }),
    /** The Herald user the service acts as: it must be a member of the service's channels. */
    user_id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }),
    /** Channel uuids or Herald space ids; absent: every channel the service's user is a member of. */
    channels: Type.Optional(Type.Array(Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer({ minimum: 1 })]), { maxItems: 10_000 })),
  },
  { additionalProperties: false },
);
const Entries = TypeCompiler.Compile(Type.Array(EntrySchema, { maxItems: 1000 }));

export type ServiceEntry = Static<typeof EntrySchema>;

/** The setting's JSON, validated; throws a ConfigError naming the variable, never quoting the value (it holds keys). */
export function parseServices(raw: string): ServiceEntry[] {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${SERVICES_VARIABLE} is not valid JSON`);
  }
  if (!Entries.Check(v)) {
    const first = Entries.Errors(v).First();
    throw new ConfigError(`${SERVICES_VARIABLE}: ${first ? `${first.path} ${first.message}` : 'expected [{key, user_id, channels?}]'}`);
  }
  const users = new Set<number>();
  for (const e of v) {
    if (users.has(e.user_id)) throw new ConfigError(`${SERVICES_VARIABLE}: user_id ${e.user_id} is used by two services (each service has its own user and feed position)`);
    users.add(e.user_id);
  }
  return v;
}

/** Whether a service's entry names this channel (by uuid or space id), or names none: then it runs all its user's. */
export function runsChannel(entry: { channels?: readonly (string | number)[] }, c: { id: number; uuid: string }): boolean {
  return entry.channels === undefined || entry.channels.includes(c.uuid) || entry.channels.includes(c.id);
}

/** The hub's view of a connected service session. */
export interface LiveService {
  readonly entry: ServiceEntry;
  /** Space ids the service runs (resolved from its entry and its user's memberships). */
  readonly spaces: ReadonlySet<number>;
  /** Where its feed is, to keep when it goes (null before its feed opened). */
  position(): Position | null;
  shut(code: number, reason: string): void;
}

/** What the hub asks the node about services connected elsewhere. */
export interface ClusterView {
  isMember(spaceId: number, userId: number): boolean;
  online(userIds: readonly number[]): Promise<Set<number>>;
}

export interface Position {
  epoch: string;
  position: number;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const SAVE_EVERY_MS = 2000;

export class ServiceHub {
  private readonly keys: { digest: Buffer; entry: ServiceEntry }[];
  private readonly live = new Map<number, LiveService>();
  private positions = new Map<number, Position>();
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    entries: readonly ServiceEntry[],
    private readonly file: string,
    private readonly log: Logger,
    private readonly replacedCode: number,
  ) {
    this.keys = entries.map((entry) => ({ digest: digest(entry.key), entry }));
    this.timer = setInterval(() => this.checkpoint(), SAVE_EVERY_MS);
    this.timer.unref();
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return;
    }
    try {
      const v = JSON.parse(text) as Record<string, Partial<Position>>;
      for (const [k, p] of Object.entries(v)) {
        if (typeof p?.epoch === 'string' && Number.isInteger(p.position) && (p.position as number) >= 0) this.positions.set(Number(k), { epoch: p.epoch, position: p.position as number });
      }
    } catch {
      // A damaged file counts as none: services start from the head.
    }
  }

  /** The service whose key this is (compared in constant time), or null. */
  find(key: string): ServiceEntry | null {
    const d = digest(key);
    let found: ServiceEntry | null = null;
    for (const k of this.keys) if (timingSafeEqual(d, k.digest)) found = k.entry;
    return found;
  }

  /** A service connection goes live: an older one of the same service is closed; returns where to resume. */
  attach(s: LiveService): Position | null {
    const old = this.live.get(s.entry.user_id);
    if (old !== undefined && old !== s) old.shut(this.replacedCode, 'the service connected again: this older connection ends');
    this.live.set(s.entry.user_id, s);
    return this.positions.get(s.entry.user_id) ?? null;
  }

  /** A service connection ended: its position is kept; it no longer runs its channels. */
  detach(s: LiveService): void {
    this.note(s);
    if (this.live.get(s.entry.user_id) === s) this.live.delete(s.entry.user_id);
    this.checkpoint();
  }

  /**
   * Whether a service that runs this channel is connected: on this node (exact), or on another node, which
   * this node learns from the presence of the service's user (so that user should be a dedicated account).
   */
  async covers(c: { id: number; uuid: string }, w: ClusterView): Promise<boolean> {
    for (const s of this.live.values()) if (s.spaces.has(c.id)) return true;
    const elsewhere = this.keys
      .map((k) => k.entry)
      .filter((e) => !this.live.has(e.user_id) && w.isMember(c.id, e.user_id) && runsChannel(e, c));
    return elsewhere.length > 0 && (await w.online(elsewhere.map((e) => e.user_id))).size > 0;
  }

  /**
   * The users of the services configured for this channel that are members of it, connected or not: the
   * audience a user's message adds so that the service receives it now or when it next connects.
   */
  usersFor(c: { id: number; uuid: string; members: ReadonlyMap<string, number> }): number[] {
    const members = new Set(c.members.values());
    return this.keys
      .map((k) => k.entry)
      .filter((e) => members.has(e.user_id) && runsChannel(e, c))
      .map((e) => e.user_id);
  }

  private note(s: LiveService): void {
    const p = s.position();
    if (p === null) return;
    const had = this.positions.get(s.entry.user_id);
    if (had !== undefined && had.epoch === p.epoch && had.position >= p.position) return;
    this.positions.set(s.entry.user_id, p);
    this.dirty = true;
  }

  /** Writes the positions when they changed (write a temporary file, then rename: a crash leaves one whole file). */
  checkpoint(): Promise<void> {
    for (const s of this.live.values()) this.note(s);
    if (!this.dirty) return this.saving;
    this.dirty = false;
    const text = JSON.stringify(Object.fromEntries(this.positions));
    this.saving = this.saving.then(async () => {
      try {
        await writeFile(`${this.file}.tmp`, text);
        await rename(`${this.file}.tmp`, this.file);
      } catch (err) {
        this.log.error({ err }, 'moobius: could not save service positions');
      }
    });
    return this.saving;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checkpoint();
  }
}
