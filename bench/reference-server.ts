// Bench child: the reference, a minimal `ws` broadcast server with the same workload shape as Herald's
// API but nothing else (no auth, no storage, no resume). Clients connect to /ws?id=<n>; POST /groups
// {members:[n...]} makes a group; POST /groups/:id/messages {content} (or a `post` frame on the socket)
// stringifies one envelope and ws.send()s it to every connected member.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { announce } from './child-control.js';

const clients = new Map<number, WebSocket>();
const groups: number[][] = [];
let seq = 0;

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString()));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The reference has no users; every message carries this stand-in author so frames weigh what Herald's do. */
const AUTHOR = { id: 1, uuid: randomUUID(), username: 'bench0', email: 'bench0@example.test', display_name: 'bench0@example.test', has_avatar: false, is_admin: false, last_active_at: Date.now() };

/** Stands in for each group's uuid (same length as Herald's). */
const GROUP_UUID = randomUUID();

function broadcast(groupId: number, content: string): number {
  const id = ++seq;
  const now = Date.now();
  const members = groups[groupId];
  // The same envelope and message shape as Herald's message.created, stringified once for everyone.
  const message = { id, uuid: randomUUID(), space_id: groupId, space_kind: members.length === 2 ? 'direct' : 'multi', author: AUTHOR, kind: 'message', content, meta: null, parent_id: null, attachments: [], reactions: [], read_by: [], mentions: [], mentions_all: false, is_edited: false, created_at: now, updated_at: now };
  // Herald's message.created carries the space's summary too (docs/protocol.md), so the reference sends it.
  const space = { id: groupId, uuid: GROUP_UUID, name: `group ${groupId}`, description: '', kind: message.space_kind, access: 'private', owner_id: 1, created_by: 1, created_at: now, updated_at: now, last_active_at: now, deleted: false };
  const text = JSON.stringify({ id, type: 'message.created', at: new Date(now).toISOString(), data: { message, space } });
  for (const member of members) {
    const ws = clients.get(member);
    if (ws !== undefined && ws.readyState === WebSocket.OPEN) ws.send(text);
  }
  return id;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = req.url ?? '/';
  if (req.method === 'POST' && path === '/groups') {
    const { members } = (await readJson(req)) as { members: number[] };
    groups.push(members);
    return reply(res, 201, { group: { id: groups.length - 1 } });
  }
  const m = /^\/groups\/(\d+)\/messages$/.exec(path);
  if (req.method === 'POST' && m !== null && groups[Number(m[1])] !== undefined) {
    const { content } = (await readJson(req)) as { content: string };
    return reply(res, 201, { message: { id: broadcast(Number(m[1]), content) } });
  }
  reply(res, 404, { title: 'not found' });
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => reply(res, 400, { title: 'bad request' }));
});
// Same idle keep-alive as fastify's default, so the load generator's pooled sockets stay usable.
server.keepAliveTimeout = 72_000;

server.on('upgrade', (req: IncomingMessage, socket, head) => {
  socket.on('error', () => socket.destroy());
  const url = new URL(req.url ?? '/', 'http://localhost');
  const id = Number(url.searchParams.get('id'));
  if (url.pathname !== '/ws' || !Number.isInteger(id)) return socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  wss.handleUpgrade(req, socket, head, (ws) => {
    clients.set(id, ws);
    ws.on('close', () => {
      if (clients.get(id) === ws) clients.delete(id);
    });
    ws.on('error', () => ws.terminate());
    // Posting over the socket: {type: "post", request_id, data: {space_id, content}} → command.ack, as Herald.
    ws.on('message', (data) => {
      let request_id: unknown = null;
      try {
        const frame = JSON.parse(data.toString()) as { type?: string; request_id?: unknown; data?: { space_id?: number; content?: string } };
        request_id = frame.request_id ?? null;
        const groupId = frame.data?.space_id;
        if (frame.type !== 'post' || typeof groupId !== 'number' || groups[groupId] === undefined || typeof frame.data?.content !== 'string') throw new Error('bad post');
        const message = { id: broadcast(groupId, frame.data.content) };
        ws.send(JSON.stringify({ type: 'command.ack', data: { request_id, result: { message } } }));
      } catch {
        ws.send(JSON.stringify({ type: 'command.error', data: { request_id, code: 'bad_request' } }));
      }
    });
    ws.send(JSON.stringify({ type: 'session.welcome', data: { id } }));
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  announce(address.port, async () => {
    for (const ws of clients.values()) ws.terminate();
    server.close();
  });
});
