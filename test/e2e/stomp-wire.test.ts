// STOMP 1.2 on the wire, with raw bytes: version and heart-beat negotiation, CONNECT authentication,
// RECEIPT for every frame, DISCONNECT, several frames per WebSocket message and a frame split across
// messages, heart-beats both ways with dead-peer detection, ERROR then close for protocol violations,
// and the same session over TCP (HERALD_STOMP_PORT), with @stomp/stompjs through @stomp/tcp-wrapper too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, sleep, type TestServer, type TestUser } from '../helpers/server.js';
import { RawStomp } from './stomp-raw.js';
import { StompTestClient } from './stomp-client.js';

let srv: TestServer;
let alice: TestUser;
before(async () => {
  srv = await startTestServer({}, { HERALD_STOMP_HEARTBEAT_MS: '100', HERALD_STOMP_PORT: '0', HERALD_STOMP_MAX_BODY_BYTES: '65536' });
  alice = await newUser(srv.url, 'alice');
});
after(async () => {
  await srv.stop();
});

const tcpPort = () => srv.tcpPort('stomp')!;

test('CONNECT → CONNECTED: the highest common version, heart-beats, server and session', async () => {
  const c = await RawStomp.ws(srv);
  const f = await c.connect(alice.token, { 'accept-version': '1.0,1.1,1.2', 'heart-beat': '0,0' });
  assert.equal(f.command, 'CONNECTED');
  assert.equal(f.headers.version, '1.2');
  assert.equal(f.headers['heart-beat'], '100,100');
  assert.match(f.headers.server, /^Herald\//);
  assert.ok(f.headers.session);
  c.close();
  const old = await RawStomp.ws(srv, ['v11.stomp']);
  assert.equal((await old.connect(alice.token, { 'accept-version': '1.0,1.1' })).headers.version, '1.1');
  old.close();
  // STOMP is CONNECT under another name; without accept-version the client speaks 1.0.
  const s = await RawStomp.ws(srv, ['v10.stomp']);
  s.write(`STOMP\nlogin:${alice.id}\npasscode:${alice.token}\n\n\0`);
  assert.equal((await s.next((x) => x.command === 'CONNECTED')).headers.version, '1.0');
  s.close();
});

test('no common version: ERROR with the versions the server speaks, then close', async () => {
  const c = await RawStomp.ws(srv);
  const f = await c.connect(alice.token, { 'accept-version': '2.0' });
  assert.equal(f.command, 'ERROR');
  assert.equal(f.headers.version, '1.0,1.1,1.2');
  await c.closed;
});

test('authentication: bearer or passcode with login = user id or name; bad credentials are an ERROR with a message, then close', async () => {
  for (const headers of [{ login: String(alice.id), passcode: alice.token }, { login: alice.username, passcode: alice.token }, { passcode: alice.token }]) {
    const c = await RawStomp.ws(srv);
    c.write(`CONNECT\naccept-version:1.2\nhost:h\n${Object.entries(headers).map(([k, v]) => `${k}:${v}\n`).join('')}\n\0`);
    assert.equal((await c.next((f) => f.command === 'CONNECTED' || f.command === 'ERROR')).command, 'CONNECTED', JSON.stringify(headers));
    c.close();
  }
  const bob = await newUser(srv.url, 'bob');
  const bad: [Record<string, string>, RegExp][] = [
    [{ Authorization: 'Bearer not-a-token' }, /invalid token/],
    [{ Authorization: 'Basic abc' }, /Bearer/],
    [{ Authorization: `Bearer ${alice.token}`, login: bob.username }, /login does not match/],
    [{ login: 'x', passcode: '' }, /Herald token/],
  ];
  for (const [headers, detail] of bad) {
    const c = await RawStomp.ws(srv);
    const lines = Object.entries({ 'accept-version': '1.2', ...headers }).map(([k, v]) => `${k}:${v}\n`).join('');
    c.write(`CONNECT\n${lines}\n\0`);
    const f = await c.next((x) => x.command === 'ERROR');
    assert.match(f.headers.message, /^authentication (failed|required)$/);
    assert.match(f.body.toString(), detail);
    await c.closed;
  }
  // Anything before CONNECT.
  const c = await RawStomp.ws(srv);
  c.write('SEND\ndestination:/topic/public/x\nreceipt:early\n\nhi\0');
  const f = await c.next((x) => x.command === 'ERROR');
  assert.equal(f.headers['receipt-id'], 'early');
  await c.closed;
});

test('RECEIPT for every frame that asks, in order; DISCONNECT with a receipt, then the server closes', async () => {
  const c = await RawStomp.ws(srv);
  await c.connect(alice.token);
  const frames = [
    'SUBSCRIBE\nid:0\ndestination:/queue/public/receipts\nack:client-individual\nreceipt:1\n\n\0',
    'SEND\ndestination:/queue/public/receipts\nreceipt:2\ncontent-length:3\n\na\0b\0',
    'BEGIN\ntransaction:t\nreceipt:3\n\n\0',
    'SEND\ndestination:/topic/public/r\ntransaction:t\nreceipt:4\n\nx\0',
    'ABORT\ntransaction:t\nreceipt:5\n\n\0',
    'BEGIN\ntransaction:u\nreceipt:6\n\n\0',
    'COMMIT\ntransaction:u\nreceipt:7\n\n\0',
  ];
  for (const f of frames) c.write(f);
  for (let i = 1; i <= 7; i++) await c.receipt(String(i));
  const m = await c.next((f) => f.command === 'MESSAGE');
  assert.deepEqual([...m.body], [0x61, 0, 0x62], 'a NUL inside a content-length body');
  c.write(`NACK\nid:${m.headers.ack}\nreceipt:8\n\n\0`);
  await c.receipt('8');
  const again = await c.next((f) => f.command === 'MESSAGE' && f.headers.redelivered === 'true');
  c.write(`ACK\nid:${again.headers.ack}\nreceipt:9\n\n\0UNSUBSCRIBE\nid:0\nreceipt:10\n\n\0DISCONNECT\nreceipt:11\n\n\0`);
  for (const r of ['9', '10', '11']) await c.receipt(r);
  await c.closed;
  assert.deepEqual(c.frames.filter((f) => f.command === 'RECEIPT').map((f) => f.headers['receipt-id']), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
});

test('several frames in one WebSocket message, one frame split across messages (text and binary)', async () => {
  const c = await RawStomp.ws(srv);
  await c.connect(alice.token);
  const frames = 'SUBSCRIBE\nid:a\ndestination:/topic/public/split\n\n\0SUBSCRIBE\nid:b\ndestination:/topic/public/split\nreceipt:subs\n\n\0';
  c.write(frames);
  await c.receipt('subs');
  const send = Buffer.from('SEND\ndestination:/topic/public/split\ncontent-type:text/plain\ncontent-length:11\nreceipt:sent\n\nhello\0world\0\n\n');
  for (let i = 0; i < send.length; i += 7) c.write(i % 2 ? send.subarray(i, i + 7).toString('latin1') : send.subarray(i, i + 7));
  await c.receipt('sent');
  const got = await c.next(() => c.frames.filter((f) => f.command === 'MESSAGE').length === 2);
  assert.ok(got);
  const msgs = c.frames.filter((f) => f.command === 'MESSAGE');
  assert.deepEqual(msgs.map((m) => m.headers.subscription).sort(), ['a', 'b']);
  for (const m of msgs) assert.equal(m.body.toString('latin1'), 'hello\0world');
  c.close();
});

test('heart-beats: the server sends EOLs at the agreed interval and cuts a client that went silent; a beating client stays', async () => {
  const quiet = await RawStomp.ws(srv);
  await quiet.connect(alice.token, { 'heart-beat': '100,100' });
  const beating = await RawStomp.ws(srv);
  await beating.connect(alice.token, { 'heart-beat': '100,100' });
  const beat = setInterval(() => beating.write('\n'), 50);
  // The quiet client receives heart-beats, then is cut: nothing came from it for two intervals.
  await quiet.next((f) => f.command === 'ERROR' && f.headers.message === 'heart-beat timeout', 2000);
  assert.ok(quiet.heartbeats >= 1, `heart-beats received: ${quiet.heartbeats}`);
  await quiet.closed;
  // Fence: the beating client outlived it and still works.
  beating.write('SEND\ndestination:/topic/public/hb\nreceipt:alive\n\nx\0');
  await beating.receipt('alive');
  assert.ok(beating.isOpen);
  assert.ok(beating.heartbeats >= 1);
  clearInterval(beat);
  beating.close();
  // @stomp/stompjs checks heart-beats too: it would drop a connection whose server stayed silent for 2 × 100 ms.
  const lib = await StompTestClient.connect(srv, alice, { heartbeatIncoming: 100, heartbeatOutgoing: 100 });
  const quietTopic = await lib.subscribe('/topic/public/hb-lib');
  await sleep(600);
  await lib.send('/topic/public/hb-lib', 'still connected');
  await quietTopic.next((m) => m.body === 'still connected');
  assert.equal(lib.closeCode, null);
  await lib.disconnect();
  // A client that asks for none gets none (and is not expected to beat).
  const none = await RawStomp.ws(srv);
  await none.connect(alice.token, { 'heart-beat': '0,0' });
  await sleep(350);
  assert.equal(none.heartbeats, 0);
  none.write('DISCONNECT\nreceipt:bye\n\n\0');
  await none.receipt('bye');
});

test('protocol violations get an ERROR and close only that connection', async () => {
  const cases: [string | Buffer, RegExp][] = [
    ['FLY\n\n\0', /unknown command FLY/],
    ['send\n\n\0', /malformed frame \(invalid_command\)/],
    ['SEND\ndestination:/topic/public/x\ncontent-length:999999\n\n', /frame_too_large/],
    [Buffer.concat([Buffer.from('SEND\ndestination:/topic/public/x\n\n'), Buffer.alloc(70_000, 0x61)]), /frame_too_large/],
    ['SUBSCRIBE\ndestination:/topic/public/x\n\n\0', /needs a id header/],
    ['SUBSCRIBE\nid:1\ndestination:/topic/public/x\nack:sometimes\n\n\0', /invalid ack/],
    ['UNSUBSCRIBE\nid:1\n\nbody\0', /has no body/],
    ['COMMIT\ntransaction:nope\n\n\0', /unknown transaction/],
    ['SEND\ndestination:/countries/1/events\n\n{}\0', /cannot send/],
    ['SEND\ndestination:/topic/public/a\\qb\n\n\0', /invalid_escape/],
    ['CONNECT\naccept-version:1.2\n\n\0', /CONNECT is not allowed now/],
  ];
  const witness = await StompTestClient.connect(srv, alice);
  const inbox = await witness.subscribe('/topic/public/witness');
  for (const [bytes, message] of cases) {
    const c = await RawStomp.ws(srv);
    await c.connect(alice.token);
    c.write(bytes);
    const f = await c.next((x) => x.command === 'ERROR');
    assert.match(`${f.headers.message} ${f.body.toString()}`, message, String(bytes).slice(0, 40));
    await c.closed;
  }
  await witness.send('/topic/public/witness', 'still here');
  await inbox.next((m) => m.body === 'still here');
  await witness.disconnect();
});

test('TCP (HERALD_STOMP_PORT): the same session, with raw bytes split anywhere and with @stomp/stompjs over @stomp/tcp-wrapper', async () => {
  const raw = await RawStomp.tcp(tcpPort());
  assert.equal((await raw.connect(alice.token)).command, 'CONNECTED');
  const wire = Buffer.from('SUBSCRIBE\nid:t\ndestination:/topic/public/tcp\nreceipt:s\n\n\0');
  for (let i = 0; i < wire.length; i += 5) {
    raw.write(wire.subarray(i, i + 5));
    await sleep(1);
  }
  await raw.receipt('s');
  const lib = await StompTestClient.connect(srv, alice, { tcpPort: tcpPort() });
  await lib.send('/topic/public/tcp', 'over tcp');
  const m = await raw.next((f) => f.command === 'MESSAGE');
  assert.equal(m.body.toString(), 'over tcp');
  assert.equal(m.headers.destination, '/topic/public/tcp');
  const inbox = await lib.subscribe('/topic/public/tcp2');
  raw.write('SEND\ndestination:/topic/public/tcp2\n\nback\0');
  await inbox.next((x) => x.body === 'back');
  await lib.disconnect();
  raw.write('GARBAGE\n\n\0');
  assert.match((await raw.next((f) => f.command === 'ERROR')).headers.message, /unknown command/);
  await raw.closed;
});
