// A user's Tracim live messages as an inbox: a paged list (newest first), counts, marking read. Pages
// are read from the user's feed a window at a time, from the page token down, so a request costs what
// its page needs, not the whole feed; "mark all read" is one mark whatever the feed's length.
import type { FastifyRequest } from 'fastify';
import type { HeraldEvent } from '../../../events/types.js';
import { notFound } from '../../../core/errors.js';
import * as S from '../schemas.js';
import { iso } from '../fields.js';
import { renderTlm, type Tlm } from '../render.js';
import { type App, runner, tags } from './common.js';
import type { FeedEvent, TracimRouteDeps } from './deps.js';

const FEED_BATCH = 500;
/** Ids per read-state query (the command's limit). */
const READ_STATE_BATCH = 1000;

/** The chat message a feed event stands for (its creation, an edit, a mention in it): reads are shared with the chat. */
export function chatMessageOf(e: FeedEvent): number | null {
  const d = e.data as { message?: { id?: unknown }; alert?: { kind?: unknown } } | null;
  const about = e.type === 'message.created' || e.type === 'message.updated' || (e.type === 'alert.created' && d?.alert?.kind === 'mention');
  return about && typeof d?.message?.id === 'number' ? d.message.id : null;
}

const chatOf = (events: readonly FeedEvent[]) =>
  events.flatMap((e) => {
    const m = chatMessageOf(e);
    return m === null ? [] : [{ event_id: e.id, message_id: m }];
  });

const tlmOf = (e: FeedEvent): Tlm | null => renderTlm({ type: e.type, data: e.data, id: e.id, at: e.at } as unknown as HeraldEvent & { id: number; at: number });

export function inboxRoutes(app: App, deps: TracimRouteDeps): void {
  const run = runner(deps);

  /** The user's events with `lo < id < hi`, oldest first. */
  async function between(userId: number, lo: number, hi: number): Promise<FeedEvent[]> {
    const out: FeedEvent[] = [];
    for (let after = lo; ; ) {
      const batch = await deps.feed(userId, after, FEED_BATCH);
      for (const e of batch) {
        if (e.id >= hi) return out;
        out.push(e);
      }
      if (batch.length < FEED_BATCH) return out;
      after = batch[batch.length - 1].id;
    }
  }

  /** Read dates of these messages (and checks the caller may read the user's messages); chat reads count. */
  async function readDates(req: FastifyRequest, userId: number, events: FeedEvent[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (let i = 0; i < events.length; i += READ_STATE_BATCH) {
      const batch = events.slice(i, i + READ_STATE_BATCH);
      const { read } = await run(req, 'tlm.read_state', { user_id: userId, event_ids: batch.map((e) => e.id), chat: chatOf(batch) });
      for (const r of read) out.set(r.event_id, r.read_at);
    }
    return out;
  }

  app.get('/api/users/:user_id/messages', { schema: { tags, summary: "A user's TLMs, newest first, paged (page_token = next_page_token)", params: S.UserParam, querystring: S.ListMessages } }, async (req) => {
    const userId = req.params.user_id;
    const status = req.query.read_status ?? 'all';
    const count = req.query.count ?? 100;
    const before = req.query.page_token ? Number(req.query.page_token) : null;
    const types = req.query.event_types ? new Set(req.query.event_types.split(',').map((s) => s.trim())) : null;
    const state = await run(req, 'tlm.read_state', { user_id: userId, event_ids: [] });
    // Nothing at or below the last "all read" mark is unread.
    const floor = status === 'unread' ? state.all_read_through : 0;
    const items: Tlm[] = [];
    let hi = Math.min(before ?? Infinity, state.head + 1);
    for (let span = Math.max(64, count * 4); items.length <= count && hi - 1 > floor; span *= 2) {
      const lo = Math.max(floor, hi - 1 - span);
      const events = (await between(userId, lo, hi))
        .map((e) => ({ e, t: tlmOf(e) }))
        .filter((x): x is { e: FeedEvent; t: Tlm } => x.t !== null && (types === null || types.has(x.t.event_type) || types.has(x.t.event_type.split('.').slice(0, 2).join('.'))))
        .reverse();
      const tlms = events.map((x) => x.t);
      const dates = await readDates(req, userId, events.map((x) => x.e));
      for (const t of tlms) {
        const d = dates.get(t.event_id);
        if (d !== undefined) t.read_date = iso(d);
        if (status === 'all' || (status === 'read') === (d !== undefined)) items.push(t);
        if (items.length > count) break;
      }
      hi = lo + 1;
    }
    const page = items.slice(0, count);
    const hasNext = items.length > count;
    return { items: page, per_page: count, has_next: hasNext, next_page_token: hasNext ? String(page[page.length - 1].event_id) : '', has_previous: before !== null, previous_page_token: '' };
  });

  app.get('/api/users/:user_id/messages/summary', { schema: { tags, summary: 'Counts of read and unread TLMs', params: S.UserParam } }, async (req) => {
    const userId = req.params.user_id;
    const { all_read_through } = await run(req, 'tlm.read_state', { user_id: userId, event_ids: [] });
    // Counting needs the whole feed, a page at a time; read dates are looked up only above the last mark.
    let total = 0;
    let unread = 0;
    for (let after = 0; ; ) {
      const batch = await deps.feed(userId, after, FEED_BATCH);
      const shown = batch.filter((e) => tlmOf(e) !== null);
      total += shown.length;
      const open = shown.filter((e) => e.id > all_read_through);
      if (open.length) {
        const dates = await readDates(req, userId, open);
        unread += open.filter((e) => !dates.has(e.id)).length;
      }
      if (batch.length < FEED_BATCH) break;
      after = batch[batch.length - 1].id;
    }
    return { user_id: userId, messages_count: total, read_messages_count: total - unread, unread_messages_count: unread };
  });

  app.put('/api/users/:user_id/messages/read', { schema: { tags, summary: 'Mark every TLM of the user read', params: S.UserParam } }, async (req, reply) => {
    await run(req, 'tlm.mark_all_read', { user_id: req.params.user_id });
    return reply.status(204).send();
  });

  app.put('/api/users/:user_id/messages/:event_id/read', { schema: { tags, summary: 'Mark one TLM read (sets read_date)', params: S.UserEventParam } }, async (req, reply) => {
    const { user_id: userId, event_id: eventId } = req.params;
    await run(req, 'tlm.check_access', { user_id: userId });
    const [e] = await deps.feed(userId, eventId - 1, 1);
    if (e === undefined || e.id !== eventId || tlmOf(e) === null) throw notFound('message');
    await run(req, 'tlm.mark_read', { user_id: userId, event_ids: [eventId], chat: chatOf([e]) });
    return reply.status(204).send();
  });
}
