// The Tracim Live Messages stream: SSE at /api/users/{user_id}/live_messages, one TLM per `data:` record
// with `id:` = event_id. A session per stream: opening (cursor opened, missed TLMs replayed) → live → closed.
// Tracim has no "reset" message: when a resume cannot be honoured Herald sends a named `herald.reset`
// event (ignored by onmessage) and continues from the head.
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { HeraldError, forbidden, notFound } from '../../core/errors.js';
import type { Delivered } from '../../events/types.js';
import { credentialsOf } from '../../gateway/http-auth.js';
import { Payload, type Connection } from '../../gateway/connection.js';
import type { CursorSink, FeedCursor } from '../../gateway/cursor.js';
import type { SseListener } from '../../gateway/listeners.js';
import type { CloseReason, LiveConnection, Registration } from '../../gateway/registry.js';
import type { Principal } from '../../gateway/auth.js';
import type { DialectHost } from '../plugin.js';
import { tracimRenderer } from './render.js';
import { SESSION_COOKIE } from './routes/deps.js';

const RETRY_MS = 2000;
const UserParam = Type.Object({ user_id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) });
const StreamQuery = Type.Object({ last_event_id: Type.Optional(Type.String({ maxLength: 32 })), access_token: Type.Optional(Type.String()) });

/** Bearer token / API key (as the HTTP API), `access_token` query, or the login session cookie. */
async function streamPrincipal(host: DialectHost, req: FastifyRequest): Promise<Principal> {
  const credentials = credentialsOf(req, SESSION_COOKIE);
  if (credentials === null) throw new HeraldError('unauthenticated', 'log in (session cookie) or send a bearer token');
  return host.authenticate(credentials);
}

export type TracimStreamState = 'opening' | 'live' | 'closed';

export class TracimStreamSession implements CursorSink, LiveConnection {
  readonly dialect = 'tracim';
  readonly transport: string;
  state: TracimStreamState = 'opening';
  private cursor: FeedCursor | null = null;
  private readonly registration: Registration;

  constructor(
    private readonly host: DialectHost,
    private readonly conn: Connection,
    readonly userId: number,
    /** The token the stream was opened with (logging it out closes the stream). */
    readonly token: Principal['token'] = null,
  ) {
    this.transport = conn.transport;
    this.registration = host.connections.register(this);
    conn.onClose(() => this.onClosed());
  }

  async start(resume: number | null): Promise<void> {
    try {
      const { cursor, start } = await this.host.feeds.open({ userId: this.userId, renderer: tracimRenderer, resume, epoch: null });
      if (this.state === 'closed') return cursor.close();
      this.cursor = cursor;
      if (start.reset) this.write(new Payload(JSON.stringify({ reason: start.reset, event_id: start.position }), null, 'herald.reset'));
      cursor.attach(this);
      await cursor.replay();
      if (this.state === 'opening') this.state = 'live';
    } catch (err) {
      this.host.log.error({ err }, 'tracim stream start failed');
      this.conn.close(1011, 'could not start the stream');
    }
  }

  deliver(_ev: Delivered, payload: Payload | null): boolean {
    return payload === null || this.write(payload);
  }

  backlogged(): boolean {
    return this.conn.backlogged();
  }

  drained(): Promise<void> {
    return this.conn.drained();
  }

  private write(p: Payload): boolean {
    if (this.conn.send(p)) return true;
    this.host.metrics.slowConsumer();
    this.conn.close(4008, 'outgoing buffer full: reconnect with Last-Event-ID');
    return false;
  }

  close(reason: CloseReason, message: string): void {
    this.conn.close(reason === 'shutdown' ? 1001 : 4009, message);
  }

  private onClosed(): void {
    this.state = 'closed';
    this.cursor?.close();
    this.registration.unregister();
  }
}

export function tracimStream(host: DialectHost): SseListener {
  return {
    path: '/api/users/:user_id/live_messages',
    retryMs: RETRY_MS,
    schema: {
      tags: ['tracim'],
      summary: 'Tracim Live Messages (Server-Sent Events)',
      description: 'One `data:` record per TLM; `id:` is its event_id. Resume with Last-Event-ID (header) or ?last_event_id=. Auth: session cookie or bearer token.',
      params: UserParam,
      querystring: StreamQuery,
    },
    async accept(req, resume) {
      const userId = (req.params as { user_id: number }).user_id;
      // The user themself, an administrator, or the server API key; the user must exist.
      const principal = await streamPrincipal(host, req);
      const actor = principal.actor;
      if (actor.userId !== userId && !actor.server) {
        const me = actor.userId === null ? null : await host.users.find(actor.userId);
        if (!me?.is_admin) throw forbidden("only the user themself or an administrator may read this user's live messages");
      }
      const user = await host.users.find(userId);
      if (user === null || user.deleted) throw notFound('user');
      const position = resume();
      return (conn: Connection) => void new TracimStreamSession(host, conn, userId, principal.token).start(position);
    },
  };
}
