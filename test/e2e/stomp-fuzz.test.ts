// Fuzzing the STOMP endpoint with a fixed seed: thousands of random and mutated frames, split at random
// points across WebSocket messages (text and binary), on many connections. The server must keep serving
// another client throughout; a connection that gets an ERROR is closed right after it, with nothing
// after the ERROR; no frame ever makes the server fail internally.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, newUser, type TestServer, type TestUser } from '../helpers/server.js';
import { RawStomp } from './stomp-raw.js';
import { StompTestClient } from './stomp-client.js';

const SEED = 0x5eed_2024;
const CONNECTIONS = 240;
const FRAMES_PER_CONNECTION = 16;

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let srv: TestServer;
let alice: TestUser;
before(async () => {
  srv = await startTestServer({}, { HERALD_STOMP_MAX_BODY_BYTES: '65536' });
  alice = await newUser(srv.url, 'alice');
});
after(async () => {
  await srv.stop();
});

test(`fuzz (seed ${SEED}): ${CONNECTIONS * FRAMES_PER_CONNECTION} random and mutated frames; only the offending connections end, the server keeps serving`, async () => {
  const rnd = prng(SEED);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chat = JSON.stringify({ authorId: alice.id, chatId: 1 + int(5) });
  /** A well-formed frame; `st` keeps ids and transactions coherent within one connection. */
  const valid = (st: { sub: number; tx: string[]; n: number }): string => {
    const tx = st.tx.length > 0 ? st.tx[st.tx.length - 1] : null;
    return pick([
      () => `SUBSCRIBE\nid:s${++st.sub}\ndestination:/topic/public/f${int(3)}\n\n\0`,
      () => `SUBSCRIBE\nid:q${++st.sub}\ndestination:/queue/public/fq\nack:${pick(['auto', 'client', 'client-individual'])}\n\n\0`,
      () => `SUBSCRIBE\nid:e${++st.sub}\ndestination:/user/queue/errors\n\n\0`,
      () => `UNSUBSCRIBE\nid:s${int(st.sub + 1)}\n\n\0`,
      () => `SEND\ndestination:/topic/public/f${int(3)}\ncontent-type:text/plain\n\nhello ${int(1000)}\0`,
      () => `SEND\ndestination:/queue/public/fq\ncontent-length:5${tx ? `\ntransaction:${tx}` : ''}\n\na\0b\0c\0`,
      () => `SEND\ndestination:/chat/events.${pick(['joinChat', 'leaveChat', 'startTyping', 'stopTyping'])}\nreceipt:r${int(99)}\n\n${chat}\0`,
      () => `SEND\ndestination:/chat/messages.send\n\n{"chatId":${1 + int(5)},"content":"x"}\0`,
      () => `${pick(['ACK', 'NACK'])}\nid:${int(20)}${tx ? `\ntransaction:${tx}` : ''}\n\n\0`,
      () => {
        const id = `t${++st.n}`;
        st.tx.push(id);
        return `BEGIN\ntransaction:${id}\n\n\0`;
      },
      () => (tx ? `${pick(['COMMIT', 'ABORT'])}\ntransaction:${st.tx.pop()!}\n\n\0` : '\n'),
      () => '\n',
      () => '\r\n',
    ])();
  };
  const mutate = (frame: Buffer): Buffer => {
    const b = Buffer.from(frame);
    switch (int(9)) {
      case 0: // flip bytes
        for (let k = 0; k < 1 + int(3); k++) if (b.length) b[int(b.length)] = int(256);
        return b;
      case 1: // insert random bytes
        return Buffer.concat([b.subarray(0, int(b.length + 1)), Buffer.from(Array.from({ length: 1 + int(12) }, () => int(256))), b.subarray(int(b.length + 1))]);
      case 2: // cut a range
        return Buffer.concat([b.subarray(0, int(b.length)), b.subarray(int(b.length))]);
      case 3: // truncate
        return b.subarray(0, int(b.length));
      case 4: // another command word
        return Buffer.concat([Buffer.from(pick(['CONNECT', 'STOMP', 'MESSAGE', 'RECEIPT', 'ERROR', 'DISCONNECT', 'XYZZY', 'send', 'S\u00c9ND'])), b.subarray(b.indexOf(0x0a) === -1 ? b.length : b.indexOf(0x0a))]);
      case 5: // a lying content-length
        return Buffer.from(b.toString('latin1').replace('\n\n', `\ncontent-length:${pick(['0', '3', '99999999', '-1', 'x', '1e3'])}\n\n`), 'latin1');
      case 6: // a bad escape or a header without colon
        return Buffer.from(b.toString('latin1').replace('\n', pick(['\nx-bad:a\\tb\n', '\nno-colon\n', '\n:empty-name\n', '\nx:\\\n', '\n\r'])), 'latin1');
      case 7: // too many headers, too long a line
        return Buffer.from(b.toString('latin1').replace('\n', int(2) ? '\n' + 'h:v\n'.repeat(70) : `\nlong:${'y'.repeat(11_000)}\n`), 'latin1');
      default: // pure noise
        return Buffer.from(Array.from({ length: 1 + int(64) }, () => int(256)));
    }
  };

  const witness = await StompTestClient.connect(srv, alice);
  const inbox = await witness.subscribe('/topic/public/witness');
  let sent = 0;
  let errors = 0;
  let clean = 0;
  let round = 0;

  const one = async (index: number): Promise<void> => {
    const c = await RawStomp.ws(srv);
    // One connection in eight is fuzzed before CONNECT; the others connect first.
    if (index % 8 !== 0) assert.equal((await c.connect(alice.token)).command, 'CONNECTED');
    // Connections differ in how much they break: some send only well-formed frames.
    const rate = pick([0, 0, 0.02, 0.1, 0.35]);
    const parts: Buffer[] = [];
    const st = { sub: 0, tx: [] as string[], n: 0 };
    for (let k = 0; k < FRAMES_PER_CONNECTION; k++) {
      const f = Buffer.from(valid(st), 'latin1');
      parts.push(rnd() < rate ? mutate(f) : f);
      sent++;
    }
    const bytes = Buffer.concat(parts);
    // Split at random points across messages, each text or binary.
    for (let at = 0; at < bytes.length && c.isOpen; ) {
      const n = 1 + int(Math.min(bytes.length - at, 1 + int(200)));
      const chunk = bytes.subarray(at, at + n);
      c.write(rnd() < 0.5 ? chunk : chunk.toString('latin1'));
      at += n;
    }
    if (c.isOpen) c.write('DISCONNECT\nreceipt:probe\n\n\0');
    const ended = await Promise.race([c.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1500))]);
    const errorAt = c.frames.findIndex((f) => f.command === 'ERROR');
    if (errorAt !== -1) {
      errors++;
      assert.ok(ended, `connection ${index}: ERROR but not closed`);
      assert.equal(errorAt, c.frames.length - 1, `connection ${index}: frames after ERROR: ${c.frames.slice(errorAt).map((f) => f.command).join(',')}`);
      assert.notEqual(c.frames[errorAt].headers.message, 'internal error', `connection ${index}: ${c.frames[errorAt].body.toString()}`);
    }
    else if (c.frames.some((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'probe')) clean++;
    if (!ended) c.close();
  };

  for (let i = 0; i < CONNECTIONS; i += 8) {
    await Promise.all(Array.from({ length: 8 }, (_, k) => one(i + k)));
    // The other client is served throughout.
    const body = `round ${++round}`;
    await witness.send('/topic/public/witness', body);
    await inbox.next((m) => m.body === body);
  }
  if (process.env.FUZZ_DEBUG) console.log({ errors, clean });
  assert.equal(sent, CONNECTIONS * FRAMES_PER_CONNECTION);
  assert.ok(errors > CONNECTIONS / 4, `mutations were refused (${errors} connections got ERROR)`);
  assert.ok(clean > CONNECTIONS / 10, `well-behaved connections ended with their DISCONNECT receipt (${clean})`);
  assert.equal(witness.errors.length, 0);
  assert.equal(witness.closeCode, null);
  // And new connections still work.
  const late = await StompTestClient.connect(srv, alice);
  await late.send('/topic/public/witness', 'late');
  await inbox.next((m) => m.body === 'late');
  await late.disconnect();
  await witness.disconnect();
});
