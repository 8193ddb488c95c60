// Typed helpers for the REST calls a chat client makes most (docs: README "feature" table, /openapi.json).
// A 401 calls the token-refresh callback once and retries with the new token.
import { ApiError } from './errors.js';
import type { CommandInput, CommandName, CommandResult, CreateSpaceInput, Session, UnreadSummary, WireMessage, WireSpace, WireUnread, WireUser } from './types.js';

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export interface RestOptions {
  /** The server's base URL, e.g. `http://localhost:8080`. */
  url: string;
  /** The current bearer token (null: anonymous calls only). */
  token: () => string | null;
  /** Called on a 401 with a token; returns a new token (then the call is retried once) or null. */
  refresh?: () => Promise<string | null>;
  fetch?: FetchFn;
}

type Query = Record<string, string | number | undefined>;

export class HeraldRest {
  private readonly fetchFn: FetchFn;
  private readonly base: string;

  constructor(private readonly o: RestOptions) {
    this.fetchFn = o.fetch ?? ((input, init) => fetch(input, init));
    this.base = o.url.replace(/\/+$/, '');
  }

  /** One JSON call; answers the parsed body (undefined for 204) or throws ApiError. */
  async call<T>(method: string, path: string, body?: unknown, query: Query = {}): Promise<T> {
    const res = await this.send(method, path, body, query, this.o.token());
    if (res.status === 401 && this.o.token() !== null && this.o.refresh) {
      const fresh = await this.o.refresh();
      if (fresh !== null) return this.parse<T>(await this.send(method, path, body, query, fresh));
    }
    return this.parse<T>(res);
  }

  private send(method: string, path: string, body: unknown, query: Query, token: string | null): Promise<Response> {
    const qs = Object.entries(query)
      .filter((e): e is [string, string | number] => e[1] !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== null) headers.authorization = `Bearer ${token}`;
    return this.fetchFn(`${this.base}${path}${qs ? `?${qs}` : ''}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  private async parse<T>(res: Response): Promise<T> {
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (a proxy's error page): reported below with the status
    }
    if (!res.ok) {
      const p = (json ?? {}) as { code?: unknown; title?: unknown };
      throw new ApiError(res.status, typeof p.code === 'string' ? p.code : 'http_error', typeof p.title === 'string' ? p.title : `HTTP ${res.status}`);
    }
    return json as T;
  }

  // ---- accounts -----------------------------------------------------------------------------------------
  /** Log in with email (or username) and password: `{user, token}`. */
  login(credentials: { email?: string; username?: string; password: string }): Promise<Session> {
    return this.call('POST', '/api/v1/user.login', credentials);
  }

  register(input: { email: string; password: string; username?: string; display_name?: string }): Promise<Session> {
    return this.call('POST', '/api/v1/users', input);
  }

  /** Revokes the current token (its connections close with 4009). */
  logout(): Promise<void> {
    return this.call('POST', '/api/v1/user.logout');
  }

  me(): Promise<{ user: WireUser & { online: boolean } }> {
    return this.call('GET', '/api/v1/me');
  }

  // ---- spaces -------------------------------------------------------------------------------------------
  listSpaces(): Promise<{ spaces: WireSpace[] }> {
    return this.call('GET', '/api/v1/spaces');
  }

  /** A group (`kind: 'multi'`, the default) or the 1-to-1 with one user (`kind: 'direct'`, `created: false` when it existed). */
  createSpace(input: CreateSpaceInput): Promise<{ space: WireSpace; created: boolean }> {
    return this.call('POST', '/api/v1/spaces', input);
  }

  getSpace(spaceId: number): Promise<{ space: WireSpace }> {
    return this.call('GET', `/api/v1/spaces/${spaceId}`);
  }

  // ---- messages -----------------------------------------------------------------------------------------
  postMessage(spaceId: number, input: Omit<CommandInput<'post'>, 'space_id'>): Promise<{ message: WireMessage }> {
    return this.call('POST', `/api/v1/spaces/${spaceId}/messages`, input);
  }

  /** Newest first; `before` is a message id (for the page before it). */
  listMessages(spaceId: number, page: { before?: number; limit?: number } = {}): Promise<{ messages: WireMessage[] }> {
    return this.call('GET', `/api/v1/spaces/${spaceId}/messages`, undefined, page);
  }

  editMessage(messageId: number, content: string): Promise<{ message: WireMessage }> {
    return this.call('PATCH', `/api/v1/messages/${messageId}`, { content });
  }

  deleteMessage(messageId: number): Promise<void> {
    return this.call('DELETE', `/api/v1/messages/${messageId}`);
  }

  // ---- reactions and reads ------------------------------------------------------------------------------
  react(messageId: number, emoji: string): Promise<{ message: WireMessage }> {
    return this.call('POST', `/api/v1/messages/${messageId}/reactions`, { emoji });
  }

  unreact(messageId: number, emoji: string): Promise<{ message: WireMessage }> {
    return this.call('DELETE', `/api/v1/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`);
  }

  async markRead(messageId: number): Promise<WireUnread> {
    return (await this.call<{ unread: WireUnread }>('POST', `/api/v1/messages/${messageId}/read`)).unread;
  }

  async markAllRead(spaceId: number): Promise<WireUnread> {
    return (await this.call<{ unread: WireUnread }>('POST', `/api/v1/spaces/${spaceId}/read`)).unread;
  }

  unread(): Promise<UnreadSummary> {
    return this.call('GET', '/api/v1/unread');
  }

  typing(spaceId: number): Promise<{ delivered: boolean }> {
    return this.call('POST', `/api/v1/spaces/${spaceId}/typing`);
  }

  /**
   * A native command run over REST (the SSE fallback has no command channel): same input, same result.
   * `typing_stop` has no REST route: it answers `{delivered: false}` (the typing indicator expires by itself).
   */
  async command<C extends CommandName>(type: C, data: CommandInput<C>): Promise<CommandResult<C>> {
    const d = data as { space_id?: number; message_id?: number; content?: string; emoji?: string };
    const run = async (): Promise<unknown> => {
      switch (type) {
        case 'ping':
          return { pong: true };
        case 'post': {
          const { space_id, ...rest } = data as CommandInput<'post'>;
          return this.postMessage(space_id, rest);
        }
        case 'edit':
          return this.editMessage(d.message_id!, d.content!);
        case 'delete':
          return (await this.deleteMessage(d.message_id!), {});
        case 'typing':
          return this.typing(d.space_id!);
        case 'typing_stop':
          return { delivered: false };
        case 'read':
          return this.markRead(d.message_id!);
        case 'read_all':
          return this.markAllRead(d.space_id!);
        case 'react':
          return this.react(d.message_id!, d.emoji!);
        case 'unreact':
          return this.unreact(d.message_id!, d.emoji!);
      }
      throw new ApiError(400, 'bad_request', `unknown command "${String(type)}"`);
    };
    return (await run()) as CommandResult<C>;
  }
}
