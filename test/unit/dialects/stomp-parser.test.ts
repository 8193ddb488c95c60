// Byte-level tests of the STOMP 1.2 parser (src/dialects/talk/stomp-codec.ts), in the style of ws's receiver
// tests: well-formed frames, bodies, header escaping and UTF-8 headers, exact bytes in, frames out, whatever
// the chunking. Errors and limits are in stomp-parser-errors.test.ts; helpers in stomp-codec-helpers.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StompParser, unescapeHeader } from '../../../src/dialects/talk/stomp-codec.js';
import { escapeHeader } from '../../../src/dialects/talk/stomp-serializer.js';
import { b, hex, run, assertSplitInvariant, H } from './stomp-codec-helpers.js';

// ---- well-formed frames -------------------------------------------------------------------------------

describe('STOMP parser: frames', () => {
  test('a SEND frame with a NUL-terminated body, fed as hex', () => {
    // SEND\n destination:/queue/a\n \n hello\0
    const bytes = hex('53454e44 0a 64657374696e6174696f6e3a2f71756575652f61 0a 0a 68656c6c6f 00');
    const o = assertSplitInvariant(bytes);
    assert.equal(o.error, null);
    assert.deepEqual(o.frames, [{ command: 'SEND', headers: H({ destination: '/queue/a' }), body: '68656c6c6f' }]);
    assert.equal(o.idle, true);
  });

  test('a frame without headers or body (DISCONNECT)', () => {
    const o = assertSplitInvariant(b('DISCONNECT\n\n\0'));
    assert.deepEqual(o.frames, [{ command: 'DISCONNECT', headers: {}, body: '' }]);
  });

  test('several frames in one chunk, each split point gives the same frames', () => {
    const bytes = b('SUBSCRIBE\nid:0\ndestination:/countries/4/events\n\n\0SEND\ndestination:/chat/events.joinChat\ncontent-length:25\n\n{"authorId":1,"chatId":4}\0UNSUBSCRIBE\nid:0\n\n\0');
    const o = assertSplitInvariant(bytes);
    assert.equal(o.error, null);
    assert.deepEqual(o.frames, [
      { command: 'SUBSCRIBE', headers: H({ id: '0', destination: '/countries/4/events' }), body: '' },
      { command: 'SEND', headers: H({ destination: '/chat/events.joinChat', 'content-length': '25' }), body: Buffer.from('{"authorId":1,"chatId":4}').toString('hex') },
      { command: 'UNSUBSCRIBE', headers: H({ id: '0' }), body: '' },
    ]);
  });

  test('a frame is reported only when its NUL arrives', () => {
    const frames: string[] = [];
    const p = new StompParser({ frame: (f) => frames.push(f.command) });
    assert.equal(p.push(b('SEND\ndestination:/a\n\nabc')), null);
    assert.deepEqual(frames, []);
    assert.equal(p.idle, false);
    assert.equal(p.push(b('\0')), null);
    assert.deepEqual(frames, ['SEND']);
    assert.equal(p.idle, true);
  });

  test('heart-beat EOLs (LF and CRLF) before, between and after frames', () => {
    const o = assertSplitInvariant(b('\n\r\nSEND\ndestination:/a\n\nx\0\n\n\r\nSEND\ndestination:/b\n\ny\0\r\n'));
    assert.equal(o.error, null);
    assert.equal(o.heartbeats, 6);
    assert.deepEqual(o.frames.map((f) => [f.headers.destination, f.body]), [['/a', '78'], ['/b', '79']]);
  });

  test('heart-beats alone', () => {
    const o = assertSplitInvariant(b('\n\n\r\n\n'));
    assert.deepEqual(o, { frames: [], heartbeats: 4, error: null, idle: true });
  });

  test('CRLF line endings for the command and every header', () => {
    const o = assertSplitInvariant(b('SEND\r\ndestination:/queue/a\r\nreceipt:77\r\n\r\nbody\0'));
    assert.deepEqual(o.frames, [{ command: 'SEND', headers: H({ destination: '/queue/a', receipt: '77' }), body: Buffer.from('body').toString('hex') }]);
  });

  test('mixed LF and CRLF lines in one frame', () => {
    const o = assertSplitInvariant(b('SEND\ndestination:/a\r\nx:1\n\r\n\0'));
    assert.deepEqual(o.frames, [{ command: 'SEND', headers: H({ destination: '/a', x: '1' }), body: '' }]);
  });

  test('a header value keeps its spaces (no trimming) and may be empty', () => {
    const o = assertSplitInvariant(b('SEND\ndestination: /a \nempty:\n\n\0'));
    assert.deepEqual(o.frames[0].headers, { destination: ' /a ', empty: '' });
  });

  test('repeated headers: the first one wins', () => {
    const o = assertSplitInvariant(b('MESSAGE\nfoo:World\nfoo:Hello\ndestination:/a\nfoo:again\n\n\0'));
    assert.deepEqual(o.frames[0].headers, { foo: 'World', destination: '/a' });
  });

  test('a repeated content-length: the first one decides the body length', () => {
    const o = assertSplitInvariant(b('SEND\ncontent-length:3\ncontent-length:1\n\na\0b\0'));
    assert.equal(o.error, null);
    assert.deepEqual(o.frames, [{ command: 'SEND', headers: H({ 'content-length': '3' }), body: '610062' }]);
  });

  test('header names that are Object.prototype members are plain headers', () => {
    const o = run([b('SEND\n__proto__:x\nconstructor:y\ntoString:z\n\n\0')]);
    assert.deepEqual(o.frames[0].headers, { ['__proto__']: 'x', constructor: 'y', toString: 'z' });
  });
});

// ---- bodies ----------------------------------------------------------------------------------------

describe('STOMP parser: bodies', () => {
  test('content-length body with NUL bytes inside', () => {
    // body = 00 01 00 ff 00 (5 bytes)
    const bytes = Buffer.concat([b('SEND\ndestination:/a\ncontent-length:5\n\n'), hex('00 01 00 ff 00'), hex('00')]);
    const o = assertSplitInvariant(bytes);
    assert.equal(o.error, null);
    assert.deepEqual(o.frames, [{ command: 'SEND', headers: H({ destination: '/a', 'content-length': '5' }), body: '000100ff00' }]);
  });

  test('content-length:0 and an immediate NUL', () => {
    const o = assertSplitInvariant(b('SEND\ncontent-length:0\n\n\0'));
    assert.deepEqual(o.frames, [{ command: 'SEND', headers: H({ 'content-length': '0' }), body: '' }]);
  });

  test('content-length with leading zeros counts the same octets', () => {
    const o = assertSplitInvariant(b('SEND\ncontent-length:003\n\nabc\0'));
    assert.equal(o.frames[0].body, '616263');
  });

  test('without content-length the body ends at the first NUL; what follows is the next frame', () => {
    const o = assertSplitInvariant(b('SEND\ndestination:/a\n\nab\0SEND\ndestination:/b\n\ncd\0'));
    assert.deepEqual(o.frames.map((f) => f.body), ['6162', '6364']);
  });

  test('binary body bytes are kept exactly (no UTF-8 decoding)', () => {
    const body = hex('c3 28 ff fe 80 0a 0d');
    const o = assertSplitInvariant(Buffer.concat([b('SEND\ncontent-length:7\n\n'), body, hex('00')]));
    assert.equal(o.frames[0].body, 'c328fffe800a0d');
  });

  test('a 1 MiB binary body in 64 KiB chunks', () => {
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const bytes = Buffer.concat([b(`SEND\ndestination:/queue/big\ncontent-length:${body.length}\n\n`), body, hex('00')]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
    let got: Buffer | null = null;
    const p = new StompParser({ frame: (f) => (got = f.body) });
    for (const c of chunks) assert.equal(p.push(c), null);
    assert.ok(got !== null && (got as Buffer).equals(body));
  });

  test('the frame body is a fresh copy, not a view of the pushed chunk', () => {
    const chunk = b('SEND\n\nabc\0');
    let body: Buffer | null = null;
    new StompParser({ frame: (f) => (body = f.body) }).push(chunk);
    chunk.fill(0x7a);
    assert.equal((body as unknown as Buffer).toString(), 'abc');
  });

  test('a string chunk (a WebSocket text message) is read as UTF-8 bytes', () => {
    const o = run(['SEND\ndestination:/a\ncontent-length:4\n\n\u00e9\u00e9\0']);
    assert.equal(o.error, null);
    assert.equal(o.frames[0].body, 'c3a9c3a9');
  });

  test('a Uint8Array chunk works like a Buffer', () => {
    const o = run([new Uint8Array(b('SEND\n\nq\0'))]);
    assert.deepEqual(o.frames, [{ command: 'SEND', headers: {}, body: '71' }]);
  });
});

// ---- escaping -------------------------------------------------------------------------------------------

describe('STOMP parser: header escaping', () => {
  test('1.2 escapes \\r \\n \\c \\\\ are decoded in names and values', () => {
    const o = assertSplitInvariant(b('SEND\nde\\cst:a\\rb\\nc\\cd\\\\e\n\n\0'));
    assert.equal(o.error, null);
    assert.deepEqual(o.frames[0].headers, { 'de:st': 'a\rb\nc:d\\e' });
  });

  test('\\\\c is a backslash then c (escapes do not chain)', () => {
    const o = run([b('SEND\nx:\\\\c\n\n\0')]);
    assert.deepEqual(o.frames[0].headers, { x: '\\c' });
  });

  test('an undefined escape is a protocol error', () => {
    for (const esc of ['\\t', '\\a', '\\C', '\\ ', '\\:', '\\0']) {
      const o = assertSplitInvariant(b(`SEND\nx:a${esc}b\n\n\0`));
      assert.equal(o.error?.code, 'invalid_escape', esc);
      assert.deepEqual(o.frames, []);
    }
  });

  test('a trailing lone backslash is an undefined escape', () => {
    assert.equal(assertSplitInvariant(b('SEND\nx:abc\\\n\n\0')).error?.code, 'invalid_escape');
    assert.equal(assertSplitInvariant(b('SEND\nx\\:abc\n\n\0')).error?.code, 'invalid_escape');
  });

  test('CONNECT headers are not unescaped: backslashes and extra colons are literal', () => {
    const o = assertSplitInvariant(b('CONNECT\naccept-version:1.2\nhost:h\nlogin:a\\cb\npasscode:x:y\\nz\\q\n\n\0'));
    assert.equal(o.error, null);
    assert.deepEqual(o.frames[0].headers, { 'accept-version': '1.2', host: 'h', login: 'a\\cb', passcode: 'x:y\\nz\\q' });
  });

  test('STOMP (the 1.1+ name of CONNECT) is not unescaped either', () => {
    const o = run([b('STOMP\naccept-version:1.2\npasscode:a\\b\n\n\0')]);
    assert.deepEqual(o.frames[0].headers, { 'accept-version': '1.2', passcode: 'a\\b' });
  });

  test('a colon after the first one stays in the value (outside CONNECT too)', () => {
    const o = run([b('SEND\ndestination:/a:b\n\n\0')]);
    assert.deepEqual(o.frames[0].headers, { destination: '/a:b' });
  });

  test('version 1.1: \\r is undefined, the other three decode', () => {
    assert.deepEqual(run([b('SEND\nx:a\\nb\\cc\\\\\n\n\0')], {}, '1.1').frames[0].headers, { x: 'a\nb:c\\' });
    assert.equal(run([b('SEND\nx:a\\rb\n\n\0')], {}, '1.1').error?.code, 'invalid_escape');
  });

  test('version 1.0: no escaping at all', () => {
    assert.deepEqual(run([b('SEND\nx:a\\tb\\c\n\n\0')], {}, '1.0').frames[0].headers, { x: 'a\\tb\\c' });
  });

  test('setVersion from the frame handler applies to the next frame of the same chunk', () => {
    const seen: Record<string, string>[] = [];
    const p = new StompParser({
      frame: (f) => {
        seen.push({ ...f.headers });
        if (f.command === 'CONNECT') p.setVersion('1.0');
      },
    });
    assert.equal(p.push(b('CONNECT\naccept-version:1.0\n\n\0SEND\nx:a\\tb\n\n\0')), null);
    assert.deepEqual(seen, [{ 'accept-version': '1.0' }, { x: 'a\\tb' }]);
  });

  test('unescapeHeader and escapeHeader are inverse for 1.2', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', ':', '\\', '\n', '\r', 'é', 'c', 'n', 'r') }), (s) => {
        assert.equal(unescapeHeader(escapeHeader(s, 'MESSAGE'), '1.2'), s);
      }),
    );
  });
});

// ---- UTF-8 ---------------------------------------------------------------------------------------------

describe('STOMP parser: UTF-8 headers', () => {
  test('multi-byte header names and values, split inside a character', () => {
    // "destination:/countries/Україна" and a 4-byte emoji in a custom header name
    const o = assertSplitInvariant(Buffer.concat([b('SEND\ndestination:'), Buffer.from('/countries/Україна\nx-😀:ü', 'utf8'), b('\n\n\0')]));
    assert.equal(o.error, null);
    assert.deepEqual(o.frames[0].headers, { destination: '/countries/Україна', 'x-😀': 'ü' });
  });

  test('invalid UTF-8 in a header is a protocol error', () => {
    assert.equal(assertSplitInvariant(hex('53454e44 0a 78 3a ff 0a 0a 00')).error?.code, 'invalid_utf8'); // SEND\nx:\xff\n\n\0
    assert.equal(assertSplitInvariant(hex('53454e44 0a 78 3a c3 0a 0a 00')).error?.code, 'invalid_utf8'); // truncated sequence
    assert.equal(assertSplitInvariant(hex('53454e44 0a 78 3a ed a0 80 0a 0a 00')).error?.code, 'invalid_utf8'); // UTF-16 surrogate
  });
});
