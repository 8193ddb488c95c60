// Test client for the Talk-and-Travel STOMP dialect: @stomp/stompjs (the document's client library) over
// `ws`, or over TCP with @stomp/tcp-wrapper, recording what each subscription receives.
import assert from 'node:assert/strict';
import { Client, type IFrame, type IMessage, type StompHeaders, type StompSubscription } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import WebSocket from 'ws';
import { Recorder, api, type TestServer, type TestUser } from '../helpers/server.js';

export const STOMP_PROTOCOLS = ['v12.stomp', 'v11.stomp', 'v10.stomp'];

/** What one subscription received. */
export class Inbox extends Recorder<IMessage> {
  constructor(readonly sub: StompSubscription) {
    super((m) => `${m.headers.destination}:${m.body.slice(0, 40)}`);
  }

  push(m: IMessage): void {
    this.record(m);
  }

  json<T = Record<string, unknown>>(): T[] {
    return this.frames.map((m) => JSON.parse(m.body) as T);
  }

  /** Waits for a JSON body matching `pred`. */
  async expect<T = Record<string, unknown>>(pred: (b: T) => boolean, timeoutMs = 3000): Promise<T> {
    const m = await this.next((x) => {
      try {
        return pred(JSON.parse(x.body) as T);
      } catch {
        return false;
      }
    }, timeoutMs);
    return JSON.parse(m.body) as T;
  }
}

export interface ConnectOptions {
  /** CONNECT headers; default `Authorization: Bearer <token>`. */
  headers?: StompHeaders;
  heartbeatIncoming?: number;
  heartbeatOutgoing?: number;
  /** Over TCP on this port instead of WebSocket. */
  tcpPort?: number;
  protocols?: string[];
}

export class StompTestClient {
  readonly errors: IFrame[] = [];
  closeCode: number | null = null;
  readonly closed: Promise<void>;
  private seq = 0;
  private markClosed!: () => void;

  private constructor(readonly client: Client) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    client.onStompError = (f) => this.errors.push(f);
    client.onWebSocketClose = (e: { code?: number }) => {
      this.closeCode = e?.code ?? null;
      this.markClosed();
    };
  }

  /** Connects as `user` (or with `o.headers`); rejects with the ERROR frame's message when refused. */
  static async connect(srv: TestServer, user: TestUser | null, o: ConnectOptions = {}): Promise<StompTestClient> {
    const url = `${srv.url.replace('http', 'ws')}/ws`;
    const client = new Client({
      webSocketFactory: () => (o.tcpPort !== undefined ? new TCPWrapper('127.0.0.1', o.tcpPort) : new WebSocket(url, o.protocols ?? STOMP_PROTOCOLS)),
      connectHeaders: o.headers ?? { Authorization: `Bearer ${user!.token}` },
      reconnectDelay: 0,
      heartbeatIncoming: o.heartbeatIncoming ?? 0,
      heartbeatOutgoing: o.heartbeatOutgoing ?? 0,
      debug: () => undefined,
    });
    const c = new StompTestClient(client);
    await new Promise<void>((resolve, reject) => {
      client.onConnect = () => resolve();
      client.onStompError = (f) => {
        c.errors.push(f);
        reject(new Error(`ERROR: ${f.headers.message}`));
      };
      client.onWebSocketClose = (e: { code?: number }) => {
        c.closeCode = e?.code ?? null;
        c.markClosed();
        reject(new Error(`closed before CONNECTED (${e?.code})`));
      };
      client.activate();
    });
    client.onStompError = (f) => c.errors.push(f);
    client.onWebSocketClose = (e: { code?: number }) => {
      c.closeCode = e?.code ?? null;
      c.markClosed();
    };
    return c;
  }

  nextReceipt(): string {
    return `r-${++this.seq}`;
  }

  /** Resolves when the server's RECEIPT for `id` arrives. */
  receipt(id: string, timeoutMs = 3000): Promise<IFrame> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no RECEIPT ${id}`)), timeoutMs);
      this.client.watchForReceipt(id, (f) => {
        clearTimeout(t);
        resolve(f);
      });
    });
  }

  /** Subscribes and waits for the RECEIPT, so the subscription is live when this resolves. */
  async subscribe(destination: string, headers: StompHeaders = {}): Promise<Inbox> {
    const receipt = this.nextReceipt();
    const done = this.receipt(receipt);
    let inbox: Inbox | null = null;
    const early: IMessage[] = [];
    const sub = this.client.subscribe(destination, (m) => (inbox ? inbox.push(m) : early.push(m)), { ...headers, receipt });
    inbox = new Inbox(sub);
    for (const m of early) inbox.push(m);
    await done;
    return inbox;
  }

  /** SEND with a receipt; resolves when the server has processed it. */
  async send(destination: string, body: string | Uint8Array, headers: StompHeaders = {}): Promise<string> {
    const receipt = this.nextReceipt();
    const done = this.receipt(receipt);
    if (typeof body === 'string') this.client.publish({ destination, body, headers: { ...headers, receipt } });
    else this.client.publish({ destination, binaryBody: body, headers: { ...headers, receipt } });
    await done;
    return receipt;
  }

  /** SEND of a JSON body with a receipt. */
  sendJson(destination: string, body: unknown, headers: StompHeaders = {}): Promise<string> {
    return this.send(destination, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  }

  async disconnect(): Promise<void> {
    if (this.client.connected) await this.client.deactivate();
    else await this.client.deactivate({ force: true });
  }
}

/** An open chat (a Herald space with access `open`), created by `owner`; returns its id. */
export async function openChat(srv: TestServer, owner: TestUser, name = 'Ukraine'): Promise<number> {
  const r = await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', owner.token, { name, access: 'open' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.space.id;
}

/** `2024-08-11T08:50:59.607000`: the document's local date-time with six fraction digits. */
export const TALK_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
