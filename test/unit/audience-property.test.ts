// Property: whatever sequence of joins, leaves, kicks, messages (some restricted to an audience) and deletes
// happens, a user receives an event (live, as a node resolves it, or later from the log's feed) exactly when
// they were in its audience at the time. The commands run through the real command table on an in-memory
// SQLite store; a real Gateway (membership index kept by the event stream, local delivery index) holds one
// live cursor per user, and an independent model in this file tracks who is a member of what, which commands
// must succeed, and who must receive each event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openStore, type Store } from '../../src/store/store.js';
import { MemoryBus } from '../../src/bus/memory.js';
import { Runtime } from '../../src/service/context.js';
import { Ephemeral } from '../../src/service/ephemeral.js';
import { call, commandTable } from '../../src/commands/index.js';
import { ANONYMOUS, asUser } from '../../src/core/actor.js';
import { HeraldError, type ErrorCode } from '../../src/core/errors.js';
import type { Role } from '../../src/core/model.js';
import type { Delivered } from '../../src/events/types.js';
import pino from 'pino';
import { Gateway } from '../../src/gateway/gateway.js';
import { MembershipIndex } from '../../src/gateway/membership.js';
import { Metrics } from '../../src/metrics.js';
import type { Renderer } from '../../src/dialects/render.js';

const USERS = 4;
const MANAGE: ReadonlySet<Role> = new Set<Role>(['owner', 'manager']);
const POST: ReadonlySet<Role> = new Set<Role>(['owner', 'manager', 'member']);

// ---- operations ---------------------------------------------------------------------------------------

/** Who acts: any user, or one picked among the space's current members / managers (so commands often succeed). */
type Who = { pick: 'any' | 'member' | 'manager'; n: number };

type Op =
  | { kind: 'create'; owner: number; members: number[] }
  | { kind: 'join'; space: number; actor: Who; target: number; role: 'manager' | 'member' | 'reader' }
  | { kind: 'leave'; space: number; user: Who }
  | { kind: 'kick'; space: number; actor: Who; target: Who }
  | { kind: 'post'; space: number; author: Who; mention: { user: number; byId: boolean } | 'all' | null; audience: Who[] | null }
  | { kind: 'delete'; message: number; actor: Who }
  | { kind: 'readAll'; space: number; user: Who };

const userIx = fc.integer({ min: 0, max: USERS - 1 });
const spaceIx = fc.nat({ max: 7 });
const who: fc.Arbitrary<Who> = fc.record({ pick: fc.constantFrom('any' as const, 'member' as const, 'manager' as const), n: fc.nat({ max: 11 }) });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('create' as const), owner: userIx, members: fc.uniqueArray(userIx, { maxLength: USERS }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('join' as const), space: spaceIx, actor: who, target: userIx, role: fc.constantFrom('manager' as const, 'member' as const, 'reader' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('leave' as const), space: spaceIx, user: who }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('kick' as const), space: spaceIx, actor: who, target: who }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('post' as const),
      space: spaceIx,
      author: who,
      mention: fc.oneof(fc.constant(null), fc.constant('all' as const), fc.record({ user: userIx, byId: fc.boolean() })),
      // A restricted message: its audience (members, or anyone: then refused) sees it, the rest of the space does not.
      audience: fc.option(fc.array(who, { maxLength: 3 }), { nil: null, freq: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), message: fc.nat({ max: 30 }), actor: who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('readAll' as const), space: spaceIx, user: who }) },
);

// ---- the model ------------------------------------------------------------------------------------------

interface ModelSpace {
  id: number;
  /** user id → role, as the model believes it. */
  members: Map<number, Role>;
  /** user id → the newest message id they marked read with "read all" (absent: 0, as for a new member). */
  readThrough: Map<number, number>;
}

interface ModelMessage {
  id: number;
  space: ModelSpace;
  /** null for system (bot) messages. */
  author: number | null;
  deleted: boolean;
  /** Who may see it (author included); null: every member. */
  audience: ReadonlySet<number> | null;
}

interface ExpectedEvent {
  type: string;
  recipients: ReadonlySet<number>;
  /** Space events: who is a member right after the change, plus a removed user (the brief's invariant). */
  space?: { members: ReadonlySet<number>; removed?: number };
}

type Prediction =
  | { ok: false; code: ErrorCode }
  | { ok: true; events: ExpectedEvent[]; apply: (result: unknown, delivered: readonly Delivered[]) => void };

const sortedIds = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);

class Model {
  readonly spaces: ModelSpace[] = [];
  readonly messages: ModelMessage[] = [];

  constructor(readonly userIds: readonly number[]) {}

  resolve(w: Who, s: ModelSpace | undefined): number {
    const pool =
      w.pick === 'any' || !s
        ? []
        : sortedIds([...s.members].filter(([, role]) => w.pick === 'member' || MANAGE.has(role)).map(([id]) => id));
    return pool.length ? pool[w.n % pool.length] : this.userIds[w.n % this.userIds.length];
  }

  space(ix: number): ModelSpace | undefined {
    return this.spaces.length ? this.spaces[ix % this.spaces.length] : undefined;
  }

  private spaceEvent(type: string, members: ReadonlyMap<number, Role>, removed?: number): ExpectedEvent {
    const ids = new Set(members.keys());
    const recipients = new Set(ids);
    if (removed !== undefined) recipients.add(removed);
    return { type, recipients, space: { members: ids, removed } };
  }

  create(owner: number, memberIds: readonly number[]): Prediction {
    const members = new Map<number, Role>([[owner, 'owner']]);
    for (const id of memberIds) if (id !== owner) members.set(id, 'member');
    return {
      ok: true,
      events: [this.spaceEvent('space.created', members)],
      apply: (result) => this.spaces.push({ id: (result as { space: { id: number } }).space.id, members, readThrough: new Map() }),
    };
  }

  join(s: ModelSpace, actor: number, target: number, role: Role): Prediction {
    const actorRole = s.members.get(actor);
    if (!actorRole) return { ok: false, code: 'not_found' };
    if (!MANAGE.has(actorRole)) return { ok: false, code: 'forbidden' };
    if (actorRole === 'manager' && role === 'owner') return { ok: false, code: 'forbidden' };
    if (s.members.has(target)) return { ok: false, code: 'conflict' };
    const after = new Map(s.members).set(target, role);
    // The join is announced twice: member.added, then a system message "@actor has added @target" in the space.
    return {
      ok: true,
      events: [this.spaceEvent('member.added', after), this.spaceEvent('message.created', after)],
      apply: (_result, delivered) => {
        s.members.set(target, role);
        s.readThrough.delete(target);
        const bot = delivered[1];
        assert.ok(bot.type === 'message.created' && bot.data.message.author === null && bot.data.message.kind === 'bot', 'the join message is a bot message');
        this.messages.push({ id: bot.data.message.id, space: s, author: null, deleted: false, audience: null });
      },
    };
  }

  remove(s: ModelSpace, actor: number, target: number): Prediction {
    const leaving = actor === target;
    const actorRole = s.members.get(actor);
    if (!actorRole) return { ok: false, code: 'not_found' };
    if (!leaving && !MANAGE.has(actorRole)) return { ok: false, code: 'forbidden' };
    const targetRole = s.members.get(target);
    if (!targetRole) return { ok: false, code: 'not_found' };
    if (!leaving && actorRole === 'manager' && targetRole === 'owner') return { ok: false, code: 'forbidden' };
    const owners = [...s.members.values()].filter((r) => r === 'owner').length;
    if (targetRole === 'owner' && owners === 1 && s.members.size > 1) return { ok: false, code: 'conflict' };
    const after = new Map(s.members);
    after.delete(target);
    return {
      ok: true,
      events: [this.spaceEvent('member.removed', after, target)],
      apply: () => {
        s.members.delete(target);
        s.readThrough.delete(target);
      },
    };
  }

  /** The members who see a message now: all of them, or those of its audience. */
  private seers(space: ModelSpace, audience: ReadonlySet<number> | null): Map<number, Role> {
    return audience === null ? space.members : new Map([...space.members].filter(([id]) => audience.has(id)));
  }

  post(s: ModelSpace, author: number, mention: Extract<Op, { kind: 'post' }>['mention'], audienceIds: readonly number[] | null): Prediction {
    const role = s.members.get(author);
    if (!role) return { ok: false, code: 'not_found' };
    if (!POST.has(role)) return { ok: false, code: 'forbidden' };
    const audience = audienceIds === null ? null : new Set([...audienceIds, author]);
    if (audience !== null && [...audience].some((id) => !s.members.has(id))) return { ok: false, code: 'bad_request' };
    const seers = this.seers(s, audience);
    const alerted = mention === null ? [] : mention === 'all' ? [...seers.keys()] : seers.has(this.userIds[mention.user]) ? [this.userIds[mention.user]] : [];
    // The message first, then the alerts that point at it.
    const events: ExpectedEvent[] = [this.spaceEvent('message.created', seers)];
    events.push(...alerted.filter((id) => id !== author).map((id) => ({ type: 'alert.created', recipients: new Set([id]) })));
    return { ok: true, events, apply: (result) => this.messages.push({ id: (result as { message: { id: number } }).message.id, space: s, author, deleted: false, audience }) };
  }

  delete(m: ModelMessage, actor: number): Prediction {
    const role = m.space.members.get(actor);
    if (m.deleted || !role || (m.audience !== null && !m.audience.has(actor))) return { ok: false, code: 'not_found' };
    if (m.author !== actor && !MANAGE.has(role)) return { ok: false, code: 'forbidden' };
    // Its audience as of now: members who left are no longer in it.
    return { ok: true, events: [this.spaceEvent('message.deleted', this.seers(m.space, m.audience))], apply: () => (m.deleted = true) };
  }

  /** "Read all" changes the counts (one unread.updated to the reader) only when something was unread. */
  readAll(s: ModelSpace, userId: number): Prediction {
    if (!s.members.has(userId)) return { ok: false, code: 'not_found' };
    const inSpace = this.messages.filter((m) => m.space === s);
    const through = s.readThrough.get(userId) ?? 0;
    if (!inSpace.some((m) => !m.deleted && m.author !== userId && m.id > through && (m.audience === null || m.audience.has(userId)))) return { ok: true, events: [], apply: () => undefined };
    const newest = Math.max(...inSpace.map((m) => m.id));
    return { ok: true, events: [{ type: 'unread.updated', recipients: new Set([userId]) }], apply: () => s.readThrough.set(userId, newest) };
  }
}

// ---- the run --------------------------------------------------------------------------------------------

interface Logged {
  id: number;
  type: string;
  recipients: ReadonlySet<number>;
}

/** Which users' live cursors received each position (filled by the node under test). */
type Live = Map<number, Set<number>>;
const recipientsOf = (live: Live, e: Delivered) => [...(live.get(e.id!) ?? [])];

function checkDelivered(got: readonly Delivered[], expected: readonly ExpectedEvent[], lastId: number, what: string, live: Live): void {
  assert.deepEqual(got.map((e) => e.type), expected.map((e) => e.type), `${what}: event types`);
  got.forEach((e, i) => assert.equal(e.id, lastId + 1 + i, `${what}: positions are contiguous in publish order`));
  const key = (type: string, r: Iterable<number>) => `${type}→${sortedIds(r).join(',')}`;
  // Alerts of one message may come in any member order; everything else pairs up one to one.
  assert.deepEqual(got.map((e) => key(e.type, recipientsOf(live, e))).sort(), expected.map((e) => key(e.type, e.recipients)).sort(), `${what}: recipients`);
  got.forEach((e, i) => {
    const space = expected[i].space;
    if (!space) return;
    // The invariant itself: recipients ⊆ members at the time (+ the removed user), and every member is one.
    const reached = recipientsOf(live, e);
    for (const uid of reached) assert.ok(space.members.has(uid) || uid === space.removed, `${what}: ${e.type} #${e.id} reached non-member ${uid}`);
    for (const uid of space.members) assert.ok(reached.includes(uid), `${what}: ${e.type} #${e.id} missed member ${uid}`);
  });
}

async function run(initial: { owner: number; members: number[] }, ops: readonly Op[]): Promise<void> {
  const store: Store = await openStore('sqlite::memory:');
  const bus = new MemoryBus();
  const published: Delivered[] = [];
  bus.events.subscribe((e) => published.push(e));
  const runtime = new Runtime(store, bus, { openSignup: true, callUrlBase: 'https://meet.example/' });
  const ephemeral = new Ephemeral(store, bus, { typingBurst: 3, typingIntervalMs: 1000, checkPost: async () => undefined , spacesOf: () => [] });
  const gateway = new Gateway(store, bus, new MembershipIndex(), new Metrics(), pino({ level: 'silent' }), { maxHeld: 10_000, gapWaitMs: 10, presenceChanged: () => undefined });
  const commands = commandTable({ runtime, ephemeral, issueToken: async (id) => `token-${id}`, closeConnections: () => undefined, audienceSize: () => 0 });
  try {
    const users = await Promise.all(
      Array.from({ length: USERS }, async (_, i) => (await call(commands, 'users.register', ANONYMOUS, { email: `user${i}@example.test`, username: `user${i}`, password: 'pw-123456' })).user),
    );
    const ids = users.map((u) => u.id);
    const usernames = new Map(users.map((u) => [u.id, u.username]));
    const model = new Model(ids);

    // Registration: one user.created each, addressed to the new user only (no administrators exist).
    const log: Logged[] = [];
    assert.deepEqual(published.map((e) => e.id), [1, 2, 3, 4]);
    for (const e of published) {
      assert.equal(e.type, 'user.created');
      const self = e.type === 'user.created' ? e.data.user.id : -1;
      assert.deepEqual([e.explicit, e.audience], [[self], { users: [self], admins: true }]);
      log.push({ id: e.id!, type: e.type, recipients: new Set([self]) });
    }

    // The node: seeded from the store now, then kept by the stream; one live cursor per user records what it gets.
    await gateway.start();
    const live: Live = new Map();
    const renderer: Renderer = { name: 'test', privateFields: false, render: (e) => e.type };
    for (const uid of ids) {
      const { cursor } = await gateway.open({ userId: uid, renderer, resume: null, epoch: null });
      cursor.attach({
        deliver: (e) => {
          if (e.id !== null) live.set(e.id, (live.get(e.id) ?? new Set()).add(uid));
          return true;
        },
        backlogged: () => false,
        drained: async () => undefined,
      });
      await cursor.replay();
    }

    const all: Op[] = [{ kind: 'create', owner: initial.owner, members: initial.members }, ...ops];
    for (const [step, op] of all.entries()) {
      let prediction: Prediction;
      let exec: () => Promise<unknown>;
      switch (op.kind) {
        case 'create': {
          const owner = ids[op.owner];
          const members = op.members.map((i) => ids[i]);
          prediction = model.create(owner, members);
          exec = () => call(commands, 'spaces.create', asUser(owner), { kind: 'multi', name: `space ${step}`, member_ids: members });
          break;
        }
        case 'join': {
          const s = model.space(op.space);
          if (!s) continue;
          const actor = model.resolve(op.actor, s);
          prediction = model.join(s, actor, ids[op.target], op.role);
          exec = () => call(commands, 'members.add', asUser(actor), { space_id: s.id, user_id: ids[op.target], role: op.role });
          break;
        }
        case 'leave':
        case 'kick': {
          const s = model.space(op.space);
          if (!s) continue;
          const actor = model.resolve(op.kind === 'leave' ? op.user : op.actor, s);
          const target = op.kind === 'leave' ? actor : model.resolve(op.target, s);
          prediction = model.remove(s, actor, target);
          exec = () => call(commands, 'members.remove', asUser(actor), { space_id: s.id, user_id: target });
          break;
        }
        case 'post': {
          const s = model.space(op.space);
          if (!s) continue;
          const author = model.resolve(op.author, s);
          const m = op.mention;
          const content = m === null ? `hello ${step}` : m === 'all' ? `hey @all (${step})` : `hi @${m.byId ? ids[m.user] : usernames.get(ids[m.user])}, see a@b.com`;
          const audience = op.audience === null ? null : op.audience.map((w) => model.resolve(w, s));
          prediction = model.post(s, author, m, audience);
          exec = () => call(commands, 'messages.post', asUser(author), { space_id: s.id, content, ...(audience === null ? {} : { audience }) });
          break;
        }
        case 'delete': {
          if (!model.messages.length) continue;
          const msg = model.messages[op.message % model.messages.length];
          const actor = model.resolve(op.actor, msg.space);
          prediction = model.delete(msg, actor);
          exec = () => call(commands, 'messages.delete', asUser(actor), { message_id: msg.id });
          break;
        }
        case 'readAll': {
          const s = model.space(op.space);
          if (!s) continue;
          const user = model.resolve(op.user, s);
          prediction = model.readAll(s, user);
          exec = () => call(commands, 'reads.mark_all', asUser(user), { space_id: s.id });
          break;
        }
      }

      const what = `step ${step} ${JSON.stringify(op)}`;
      const before = published.length;
      let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await exec() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const got = published.slice(before);
      if (!prediction.ok) {
        assert.ok(!outcome.ok, `${what}: expected ${prediction.code}, but the command succeeded`);
        assert.ok(outcome.error instanceof HeraldError, `${what}: ${String(outcome.error)}`);
        assert.equal(outcome.error.code, prediction.code, `${what}: error code`);
        assert.deepEqual(got, [], `${what}: a refused command publishes nothing`);
        continue;
      }
      if (!outcome.ok) throw new Error(`${what}: expected success, got ${String(outcome.error)}`);
      checkDelivered(got, prediction.events, log[log.length - 1].id, what, live);
      prediction.apply(outcome.value, got);
      // The model's recipients, paired with the actual positions (types were checked equal above).
      const byType = new Map<string, ExpectedEvent[]>();
      for (const e of prediction.events) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
      for (const e of got) {
        const candidates = byType.get(e.type)!;
        const ix = candidates.findIndex((c) => sortedIds(c.recipients).join() === sortedIds(recipientsOf(live, e)).join());
        log.push({ id: e.id!, type: e.type, recipients: candidates.splice(ix, 1)[0].recipients });
      }
    }

    // Resume: each user's feed from the start is exactly the logged events whose audience held them then.
    for (const uid of ids) {
      const feed = await store.read((r) => r.feed(uid, 0, 100_000));
      const expected = log.filter((e) => e.recipients.has(uid)).map((e) => `${e.id}:${e.type}`);
      assert.deepEqual(feed.map((e) => `${e.id}:${e.type}`), expected, `feed of user ${uid}`);
    }
  } finally {
    gateway.closeAll();
    await bus.close();
    await store.close();
  }
}

test('audience: live delivery and resumed feeds reach exactly the members at the time of each event', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({ owner: userIx, members: fc.uniqueArray(userIx, { maxLength: USERS }) }),
      fc.array(opArb, { minLength: 5, maxLength: 40, size: 'max' }),
      run,
    ),
    { numRuns: 30 },
  );
});
