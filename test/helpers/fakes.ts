// Fakes for unit tests: a Connection that records what a protocol session sends, and a DialectHost whose
// feeds are real FeedCursors over an in-memory list of logged events.
import pino from 'pino';
import { HeraldError } from '../../src/core/errors.js';
import type { Commands } from '../../src/commands/command.js';
import type { Delivered } from '../../src/events/types.js';
import { Payload, type CloseEvent, type Connection, type SendOptions } from '../../src/gateway/connection.js';
import { FeedCursor, type CursorHub } from '../../src/gateway/cursor.js';
import { MembershipIndex } from '../../src/gateway/membership.js';
import type { LiveConnection } from '../../src/gateway/registry.js';
import type { Credentials, Principal } from '../../src/gateway/auth.js';
import type { DialectHost } from '../../src/dialects/plugin.js';
import { Broker, MemoryBrokerStore, NamespaceTable, allowAllAcl } from '../../src/broker/index.js';
import type { View } from '../../src/dialects/render.js';

const EMPTY = Buffer.alloc(0);

export class FakeConnection implements Connection {
  readonly transport: 'websocket' | 'sse' | 'tcp';
  readonly protocol = null;
  readonly remoteAddress = '127.0.0.1';
  closed = false;
  /** What was sent, in order (text of each payload, with its options). */
  readonly sent: { text: string; position: number | null; event: string | null; options?: SendOptions; bytes: Buffer }[] = [];
  closedWith: { code: number; reason: string } | null = null;
  /** When set, `send` refuses (a full outgoing buffer). */
  full = false;
  private frameHandler: ((d: Buffer, b: boolean) => void) | null = null;
  private readonly closeHandlers: ((e: CloseEvent) => void)[] = [];

  constructor(transport: 'websocket' | 'sse' | 'tcp' = 'websocket') {
    this.transport = transport;
  }

  send(p: Payload, options?: SendOptions): boolean {
    if (this.closed) return true;
    if (this.full) return false;
    const bytes = Buffer.concat([options?.prefix ?? EMPTY, p.bytes(), options?.suffix ?? EMPTY]);
    this.sent.push({ text: p.text, position: p.position, event: p.event, options, bytes });
    return true;
  }

  backlogged(): boolean {
    return false;
  }

  async drained(): Promise<void> {}

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closedWith = { code, reason };
    this.end({ code, reason, cause: 'local' });
  }

  terminate(): void {
    this.close(1006, 'terminated');
  }

  onFrame(h: (d: Buffer, b: boolean) => void): void {
    this.frameHandler = h;
  }

  onClose(h: (e: CloseEvent) => void): void {
    this.closeHandlers.push(h);
  }

  /** The client sends a text frame. */
  receive(text: string, binary = false): void {
    this.frameHandler?.(Buffer.from(text), binary);
  }

  /** The client sends bytes (a binary message, or a chunk of a byte stream). */
  receiveBytes(b: Buffer): void {
    this.frameHandler?.(b, true);
  }

  /** The peer goes away. */
  end(e: CloseEvent = { code: 1000, reason: '', cause: 'peer' }): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers) h(e);
  }

  texts(): string[] {
    return this.sent.map((s) => s.text);
  }

  json<T = Record<string, unknown>>(): T[] {
    return this.sent.map((s) => JSON.parse(s.text) as T);
  }
}

/** Waits until `pred` holds (polling the event loop), or fails after `ms`. */
export async function until(pred: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

export interface FakeWorld {
  host: DialectHost;
  /** The logged events the feeds replay from (append to it, then `publish` for live delivery). */
  log: Delivered[];
  /** Delivers an event live to every open cursor of its user(s) in `to`. */
  publish(ev: Delivered, to: readonly number[]): void;
  registered: LiveConnection[];
  cursors: FeedCursor[];
  /** Commands run, in order. */
  ran: { name: string; userId: number | null; input: unknown }[];
  /** Tokens `authenticate` accepts: token → user id. */
  tokens: Map<string, number>;
  membership: MembershipIndex;
}

/** A DialectHost with real cursors over `log`, a recording command table and a token map. */
export function fakeWorld(o: { head?: number; heartbeatSeconds?: number; commands?: (name: string, input: unknown) => Promise<unknown> } = {}): FakeWorld {
  const log: Delivered[] = [];
  const registered: LiveConnection[] = [];
  const cursors: FeedCursor[] = [];
  const ran: FakeWorld['ran'] = [];
  const tokens = new Map<string, number>();
  const membership = new MembershipIndex();
  const live = new Set<FeedCursor>();
  const hub: CursorHub = {
    track: (c) => live.add(c),
    untrack: (c) => live.delete(c),
    read: async (userId, after, limit) => log.filter((e) => e.id! > after).slice(0, limit),
    render: (c, ev) => {
      const text = c.renderer.render(ev, 'full');
      return { payload: text === null ? null : new Payload(text, ev.id), view: 'full' as View };
    },
    maxHeld: 100,
    heldOverflow: () => undefined,
  };
  const commands: Commands = {
    run: async (name, actor, input) => {
      ran.push({ name, userId: actor.userId, input });
      return o.commands ? o.commands(name, input) : { ok: true };
    },
    has: () => true,
    get: () => undefined,
    list: () => [],
  };
  const host: DialectHost = {
    log: pino({ level: 'silent' }),
    metrics: { frameReceived: () => undefined, slowConsumer: () => undefined },
    server: { publicUrl: null, port: () => 8080, heartbeatSeconds: o.heartbeatSeconds ?? 25, tokenTtlSeconds: 3600, retentionMs: 3600_000, dataDir: '/nonexistent' },
    files: () => {
      throw new Error('no file storage in this fake host');
    },
    authenticate: async (c: Credentials): Promise<Principal> => {
      const uid = tokens.get(c.token);
      if (uid === undefined) throw new HeraldError('unauthenticated', 'invalid token');
      return { actor: { userId: uid, server: false }, claims: { purpose: c.purpose ?? 'api' }, token: null };
    },
    issueToken: async (userId) => `token-${userId}`,
    commands,
    feeds: {
      head: async () => ({ position: o.head ?? 0, epoch: 'e1' }),
      open: async (f) => {
        const cursor = new FeedCursor(hub, f.userId, f.renderer, f.filter ?? null, f.resume ?? o.head ?? 0);
        cursor.hold();
        cursors.push(cursor);
        return { cursor, start: { epoch: 'e1', position: cursor.position, reset: null } };
      },
      resume: async (c) => {
        c.hold();
        return { epoch: 'e1', position: c.position, reset: null };
      },
      page: async () => [],
      log: async () => [],
      onLogged: () => () => undefined,
    },
    presence: { isOnline: () => false, online: async () => new Set() },
    membership,
    connections: {
      register: (c) => {
        registered.push(c);
        return { unregister: () => registered.splice(registered.indexOf(c), 1) };
      },
    },
    users: { find: async (id) => ({ id, username: `u${id}`, is_admin: false, deleted: false }) },
    control: { onRevoke: () => () => undefined, takeover: () => undefined, onTakeover: () => () => undefined },
    // A real broker core with no namespaces: every destination is rejected unless a test brings its own.
    broker: { core: new Broker({ store: new MemoryBrokerStore(), acl: allowAllAcl }), resolver: new NamespaceTable([], () => false) },
  };
  return {
    host,
    log,
    registered,
    cursors,
    ran,
    tokens,
    membership,
    publish: (ev, to) => {
      for (const c of [...live]) {
        if (!to.includes(c.userId)) continue;
        const text = c.renderer.render(ev, 'full');
        c.offer(ev, text === null ? null : new Payload(text, ev.id), 'full');
      }
    },
  };
}

/** A logged custom event in `space`, at position `id`. */
export function customEvent(id: number, space: number | null, tag: string): Delivered {
  return { type: 'custom.test', data: { space_id: space, payload: { tag }, actor_id: null }, id, at: 1_700_000_000_000 + id, space_id: space, audience: space === null ? { all: true } : { space }, explicit: [] };
}
