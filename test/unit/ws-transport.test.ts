// The WebSocket transport on its own, against a real `ws` client: frame bytes (checked against ws's own
// encoder), shared frames, one socket write per turn, prefix + shared body as one binary message,
// backpressure, subprotocol routing, compression never negotiated, the heartbeat's dead-peer cut.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import pino from 'pino';
import WebSocket, * as wsModule from 'ws';
import { HeraldError } from '../../src/core/errors.js';
import { Payload, type Connection } from '../../src/gateway/connection.js';
import type { WsListener } from '../../src/gateway/listeners.js';
import { WebSocketTransport, type WsConnection } from '../../src/transports/websocket.js';
import { OPCODE, frameHeader, prefixedFrame, wholeFrame } from '../../src/transports/ws-frame.js';
import { OutBuffer } from '../../src/transports/out-buffer.js';
import { until } from '../helpers/fakes.js';

// ws exports its frame encoder (ws/lib/sender.js) but @types/ws does not declare it: declared here.
interface FrameOptions { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, o: FrameOptions): Buffer[] } };

describe('frames', () => {
  test('header + payload are byte for byte what ws itself would send, for every length class and both opcodes', () => {
    for (const opcode of [OPCODE.text, OPCODE.binary]) {
      for (const n of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
        const p = new Payload('x'.repeat(n));
        const theirs = Buffer.concat(Sender.frame(Buffer.from(p.text), { fin: true, opcode, mask: false, readOnly: false, rsv1: false }));
        assert.ok(wholeFrame(p, opcode).equals(theirs), `opcode ${opcode}, length ${n}`);
        assert.ok(Buffer.concat([frameHeader(opcode, n), p.bytes()]).equals(theirs));
      }
    }
  });

  test('a payload is framed once per opcode and shared; a prefixed message reuses the payload bytes without copying', () => {
    const p = new Payload('{"shared":true}');
    assert.equal(wholeFrame(p, OPCODE.text), wholeFrame(p, OPCODE.text), 'same buffer every time');
    assert.notEqual(wholeFrame(p, OPCODE.text), wholeFrame(p, OPCODE.binary));
    const parts = prefixedFrame(p, OPCODE.binary, Buffer.from([0x30, 0x10]), Buffer.from([0]));
    assert.equal(parts[1], p.bytes(), 'the body part is the payload buffer itself');
    assert.deepEqual(parts[0].subarray(0, 2), Buffer.from([0x82, 2 + p.bytes().length + 1]), 'one binary frame covering prefix + body + suffix');
  });

  test('a turn of small messages is one concatenated write; a large batch is one corked vector of the same buffers', async () => {
    const writes: Buffer[] = [];
    let corks = 0;
    const sink = { writableLength: 0, destroyed: false, write: (b: Buffer) => (writes.push(b), true), cork: () => void corks++, uncork: () => undefined };
    const out = new OutBuffer(sink as never, 1 << 20);
    for (const s of ['a', 'b', 'c']) out.push(Buffer.from(s));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes.map(String), ['abc']);
    const big = Buffer.alloc(20_000, 1);
    out.push(big);
    out.push(big);
    await new Promise((r) => setImmediate(r));
    assert.equal(corks, 1);
    assert.equal(writes[1], big, 'not copied');
    assert.equal(writes.length, 3);
    assert.ok(out.fits(1 << 20) && !out.fits((1 << 20) + 1));
  });
});

// ---- a real server -----------------------------------------------------------------------------------------

let server: Server;
let transport: WebSocketTransport;
let base: string;
const opened: { path: string; protocol: string | null; conn: Connection }[] = [];

const listener = (path: string, protocols?: string[], extra: Partial<WsListener> = {}): WsListener => ({
  path,
  protocols,
  accept: (req) => (conn) => void opened.push({ path, protocol: req.protocol, conn }),
  ...extra,
});

before(async () => {
  server = createServer();
  transport = new WebSocketTransport(
    server,
    [
      listener('/p', ['mqtt']),
      listener('/p', ['v12.stomp', 'v11.stomp']),
      listener('/p'),
      listener('/only', ['mqtt']),
      listener('/auth', undefined, {
        accept: (req) => {
          if (req.query.get('token') !== 'ok') throw new HeraldError('unauthenticated', 'no');
          return (conn) => void opened.push({ path: '/auth', protocol: null, conn });
        },
      }),
      listener('/dead', undefined, { deadPeer: { code: 4002, reason: 'no pong received' } }),
      listener('/cut'),
    ],
    { maxFrameBytes: 1024, maxBufferedBytes: 256 * 1024, heartbeatSeconds: 0.2, log: pino({ level: 'silent' }) },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  transport.close();
  await new Promise((r) => server.close(r));
});

async function connect(path: string, protocols?: string[], options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket; conn: WsConnection; messages: { data: Buffer; binary: boolean }[] }> {
  const before = opened.length;
  const ws = new WebSocket(base + path, protocols, options);
  const messages: { data: Buffer; binary: boolean }[] = [];
  ws.on('message', (data, binary) => messages.push({ data: data as Buffer, binary }));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await until(() => opened.length > before);
  return { ws, conn: opened[opened.length - 1].conn as WsConnection, messages };
}

function refused(path: string, protocols?: string[]): Promise<number> {
  const ws = new WebSocket(base + path, protocols);
  return new Promise((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
}

describe('routing', () => {
  test('by path, then by the subprotocol the client offers; the endpoint without protocols takes the rest', async () => {
    const stomp = await connect('/p', ['v12.stomp']);
    assert.equal(stomp.ws.protocol, 'v12.stomp');
    assert.deepEqual(opened.at(-1)!.protocol, 'v12.stomp');
    const mqtt = await connect('/p', ['v11.stomp', 'mqtt']);
    assert.equal(mqtt.ws.protocol, 'mqtt', 'the first listener that speaks an offered protocol');
    const plain = await connect('/p');
    assert.equal(plain.ws.protocol, '');
    assert.equal(opened.at(-1)!.protocol, null);
    assert.equal(await refused('/only', ['v12.stomp']), 400, 'no listener speaks what was offered');
    assert.equal(await refused('/nowhere'), 404);
    assert.equal(await refused('/auth'), 401, "the listener's refusal becomes the HTTP status");
    const ok = await connect('/auth?token=ok');
    for (const c of [stomp, mqtt, plain, ok]) c.ws.close();
  });

  test('compression is never negotiated, even when the client offers it', async () => {
    const c = await connect('/p', undefined, { perMessageDeflate: true });
    assert.equal(c.ws.extensions, '');
    c.ws.close();
  });
});

describe('connections', () => {
  test('text and binary messages both ways; a turn of sends goes out in one socket write; close after the queue', async () => {
    const c = await connect('/p');
    const got: [string, boolean][] = [];
    c.conn.onFrame((d, binary) => got.push([d.toString(), binary]));
    c.ws.send('hello');
    c.ws.send(Buffer.from('raw'), { binary: true });
    await until(() => got.length === 2);
    assert.deepEqual(got, [['hello', false], ['raw', true]]);

    const socket = c.conn['socket'] as Duplex;
    const write = socket.write.bind(socket);
    let writes = 0;
    socket.write = ((...args: Parameters<typeof write>) => (writes++, write(...args))) as typeof socket.write;
    const shared = new Payload('{"n":1}');
    for (let i = 0; i < 20; i++) assert.ok(c.conn.send(shared));
    assert.ok(c.conn.send(new Payload('body'), { binary: true, prefix: Buffer.from('HEAD:') }));
    await new Promise((r) => setImmediate(r));
    assert.equal(writes, 1, 'one socket write for the turn');
    assert.ok(c.conn.send(shared));
    c.conn.close(4000, 'bye');
    const code = await new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    assert.equal(code, 4000);
    assert.equal(c.messages.length, 22, 'what was queued before close went out first');
    assert.ok(c.messages.slice(0, 20).every((m) => !m.binary && m.data.toString() === '{"n":1}'));
    assert.deepEqual([c.messages[20].binary, c.messages[20].data.toString()], [true, 'HEAD:body'], 'prefix and body arrive as one binary message');
  });

  test('backpressure: a peer that stops reading fills the bound; send refuses, backlogged says so, drained waits', async () => {
    const c = await connect('/p');
    const raw = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const chunk = new Payload('x'.repeat(16 * 1024));
    let sent = 0;
    while (c.conn.send(chunk)) {
      sent++;
      if (sent % 4 === 0) await new Promise((r) => setImmediate(r));
      assert.ok(sent < 10_000, 'the bound must be reached');
    }
    assert.ok(c.conn.backlogged());
    const drained = c.conn.drained();
    raw.resume();
    await drained;
    await until(() => c.messages.length === sent, 5000);
    c.ws.close();
  });
});

describe('heartbeat', () => {
  test('a peer that misses a pong is closed with the listener\'s code, or cut without a close frame', async () => {
    const good = await connect('/dead');
    const dead = await connect('/dead', undefined, { autoPong: false });
    const cut = await connect('/cut', undefined, { autoPong: false });
    const codes = await Promise.all([dead, cut].map((c) => new Promise<[number, string]>((r) => c.ws.once('close', (code, reason) => r([code, reason.toString()])))));
    assert.deepEqual(codes, [[4002, 'no pong received'], [1006, '']]);
    assert.equal(good.ws.readyState, WebSocket.OPEN, 'a peer that answers stays');
    good.ws.close();
    await until(() => transport.connectionCount() === 0);
  });
});
