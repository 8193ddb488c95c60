// The SSE and TCP transports on their own. SSE: refusal before the stream (problem status), the retry
// hint, `id:` and `event:` lines, multi-line data, keep-alive, Last-Event-ID. TCP: a toy line protocol
// (the protocol does its own framing over a byte stream), prefix + shared body, one write per turn, the
// outgoing bound, close.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { HeraldError } from '../../src/core/errors.js';
import { Payload, type Connection } from '../../src/gateway/connection.js';
import { SseTransport } from '../../src/transports/sse.js';
import { TcpTransport, type TcpConnection } from '../../src/transports/tcp.js';
import { until } from '../helpers/fakes.js';

const log = pino({ level: 'silent' });

describe('SSE transport', () => {
  test('refuses before the stream, then sends retry, records with id/event lines, keep-alives; reads Last-Event-ID', async () => {
    const app = Fastify({ forceCloseConnections: true });
    app.setErrorHandler((err, _req, reply) => void reply.status(err instanceof HeraldError ? err.status : 500).send({ code: err instanceof HeraldError ? err.code : 'internal' }));
    const sse = new SseTransport({ maxBufferedBytes: 1 << 20, heartbeatSeconds: 0.05, log });
    const resumes: (number | null)[] = [];
    let conn: Connection | null = null;
    sse.mount(app, [
      {
        path: '/stream',
        retryMs: 1500,
        accept: async (req, resume) => {
          if (req.headers['x-ok'] !== 'yes') throw new HeraldError('forbidden', 'no');
          resumes.push(resume());
          return (c) => {
            conn = c;
            c.send(new Payload('{"a":1}', 5));
            c.send(new Payload('line one\nline two', 6));
            c.send(new Payload('{"reason":"x"}', null, 'herald.reset'));
          };
        },
      },
    ]);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/stream`;
    try {
      assert.equal((await fetch(url)).status, 403);
      assert.equal((await fetch(url + '?last_event_id=-1', { headers: { 'x-ok': 'yes' } })).status, 400, 'a malformed position is a 400, not a stream');
      const ctl = new AbortController();
      const res = await fetch(url, { headers: { 'x-ok': 'yes', 'last-event-id': '41' }, signal: ctl.signal });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes(': keep-alive')) text += new TextDecoder().decode((await reader.read()).value);
      assert.equal(text.split(': keep-alive')[0], 'retry: 1500\n\nid: 5\ndata: {"a":1}\n\nid: 6\ndata: line one\ndata: line two\n\nevent: herald.reset\ndata: {"reason":"x"}\n\n');
      assert.deepEqual(resumes, [41]);
      assert.equal(conn!.transport, 'sse');
      const closed = new Promise<string>((r) => conn!.onClose((e) => r(e.cause)));
      ctl.abort();
      assert.equal(await closed, 'peer', 'the client going away closes the connection');
    } finally {
      sse.close();
      await app.close();
    }
  });
});

/** A toy protocol over TCP: newline-framed requests answered "> REQUEST\n"; QUIT ends the session. */
function lineProtocol(conn: Connection): void {
  let buffered = '';
  conn.onFrame((chunk) => {
    buffered += chunk.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      if (line === 'QUIT') return conn.close(1000, 'bye');
      conn.send(new Payload(line.toUpperCase()), { prefix: Buffer.from('> '), suffix: Buffer.from('\n') });
    }
  });
}

async function tcpServer(maxBufferedBytes = 1 << 20) {
  const conns: TcpConnection[] = [];
  const t = new TcpTransport({ maxBufferedBytes, log });
  await t.listen([{ name: 'lines', port: 0, host: '127.0.0.1', accept: (c) => (conns.push(c as TcpConnection), lineProtocol(c)) }]);
  return { t, conns, port: t.port('lines')! };
}

function client(port: number): Promise<{ s: Socket; text: () => string; ended: Promise<void> }> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1', () => resolve({ s, text: () => got, ended }));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    const ended = new Promise<void>((r) => s.on('end', () => r()));
  });
}

describe('TCP transport', () => {
  test('a byte stream: the protocol frames it (requests split across chunks), answers are prefix + body + suffix, QUIT ends it', async () => {
    const { t, port } = await tcpServer();
    try {
      const c = await client(port);
      c.s.write('hello\nwor');
      await new Promise((r) => setTimeout(r, 20));
      c.s.write('ld\nQUIT\n');
      await c.ended;
      assert.equal(c.text(), '> HELLO\n> WORLD\n');
      c.s.destroy();
    } finally {
      await t.close();
    }
  });

  test('one socket write per turn; the outgoing bound refuses a send; close ends every connection', async () => {
    const { t, conns, port } = await tcpServer(64 * 1024);
    const c = await client(port);
    await until(() => conns.length === 1);
    const conn = conns[0];
    const socket = conn['socket'] as Duplex;
    const write = socket.write.bind(socket);
    let writes = 0;
    socket.write = ((...args: Parameters<typeof write>) => (writes++, write(...args))) as typeof socket.write;
    for (let i = 0; i < 10; i++) conn.send(new Payload(`m${i}`), { suffix: Buffer.from('\n') });
    await until(() => c.text().split('\n').length === 11);
    assert.equal(writes, 1);
    assert.equal(conn.send(new Payload('x'.repeat(64 * 1024 + 1))), false, 'over the bound: refused, nothing queued');
    const ended = c.ended;
    await t.close();
    await ended;
    assert.ok(conn.closed);
    c.s.destroy();
  });
});
