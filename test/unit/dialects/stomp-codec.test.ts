// Byte-level tests of the STOMP 1.2 codec (src/dialects/talk/stomp-codec.ts), in the style of ws's receiver
// tests: exact bytes in, frames or a typed error out, whatever the chunking.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_STOMP_LIMITS, StompParser, unescapeHeader, type StompErrorCode, type StompLimits, type StompVersion } from '../../../src/dialects/talk/stomp-codec.js';
import { HEARTBEAT, SharedBody, encodeFrame, escapeHeader } from '../../../src/dialects/talk/stomp-serializer.js';

/** Exact bytes from a JS string whose every char is one byte (\n, \r, \0, \xNN escapes). */
const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

interface Seen {
  command: string;
  headers: Record<string, string>;
  /** Body as hex, so NUL and binary bytes compare exactly. */
  body: string;
}

interface Outcome {
  frames: Seen[];
  heartbeats: number;
  error: { code: StompErrorCode; message: string } | null;
  idle: boolean;
}

function run(chunks: readonly (Buffer | Uint8Array | string)[], limits: Partial<StompLimits> = {}, version: StompVersion = '1.2'): Outcome {
  const frames: Seen[] = [];
  let heartbeats = 0;
  const p = new StompParser({ frame: (f) => frames.push({ command: f.command, headers: { ...f.headers }, body: f.body.toString('hex') }), heartbeat: () => heartbeats++ }, limits, version);
  let error: Outcome['error'] = null;
  for (const c of chunks) {
    error = p.push(c);
    if (error) break;
  }
  return { frames, heartbeats, error, idle: p.idle };
}

/** Frames and heart-beats seen, and the error code, are the same for every split of `bytes` into 1, 2 and n chunks. */
function assertSplitInvariant(bytes: Buffer, limits: Partial<StompLimits> = {}): Outcome {
  const whole = run([bytes], limits);
  const strip = (o: Outcome) => ({ frames: o.frames, heartbeats: o.heartbeats, code: o.error?.code ?? null, idle: o.idle });
  for (let i = 0; i <= bytes.length; i++) {
    assert.deepEqual(strip(run([bytes.subarray(0, i), bytes.subarray(i)], limits)), strip(whole), `split at ${i}`);
  }
  const bytewise = [...bytes].map((x) => Buffer.from([x]));
  assert.deepEqual(strip(run(bytewise, limits)), strip(whole), 'byte by byte');
  return whole;
}

const H = (o: Record<string, string>) => o;

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

// ---- malformed ------------------------------------------------------------------------------------------

describe('STOMP parser: malformed frames', () => {
  const cases: [string, Buffer, StompErrorCode][] = [
    ['header line without a colon', b('SEND\ndestination\n\n\0'), 'malformed'],
    ['header with an empty name', b('SEND\n:value\n\n\0'), 'malformed'],
    ['bare CR inside a header line', b('SEND\nx:a\rb\n\n\0'), 'malformed'],
    ['CR CR LF at a header end', b('SEND\nx:a\r\r\n\n\0'), 'malformed'],
    ['bare CR inside the command line', b('SE\rND\n\n\0'), 'malformed'],
    ['bare CR between frames', b('\rSEND\n\n\0'), 'malformed'],
    ['content-length body not followed by NUL', b('SEND\ncontent-length:2\n\nabc\0'), 'malformed'],
    ['lowercase command', b('send\n\n\0'), 'invalid_command'],
    ['digit in the command', b('SEND1\n\n\0'), 'invalid_command'],
    ['space after the command', b('SEND \n\n\0'), 'invalid_command'],
    ['NUL where a command is expected', b('\0SEND\n\n\0'), 'invalid_command'],
    ['an HTTP request', b('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'invalid_command'],
    ['negative content-length', b('SEND\ncontent-length:-1\n\n\0'), 'invalid_content_length'],
    ['content-length with a space', b('SEND\ncontent-length: 1\n\na\0'), 'invalid_content_length'],
    ['content-length not a number', b('SEND\ncontent-length:abc\n\n\0'), 'invalid_content_length'],
    ['empty content-length', b('SEND\ncontent-length:\n\n\0'), 'invalid_content_length'],
    ['content-length in hex', b('SEND\ncontent-length:0x1\n\na\0'), 'invalid_content_length'],
  ];
  for (const [name, bytes, code] of cases) {
    test(`${name} → ${code}, at every split`, () => {
      const o = assertSplitInvariant(bytes);
      assert.equal(o.error?.code, code);
      assert.ok(o.error!.message.length > 0);
      assert.deepEqual(o.frames, []);
    });
  }

  test('frames before the error are delivered, nothing after it', () => {
    const o = assertSplitInvariant(b('SEND\n\na\0SEND\nbad\n\n\0SEND\n\nc\0'));
    assert.deepEqual(o.frames.map((f) => f.body), ['61']);
    assert.equal(o.error?.code, 'malformed');
  });

  test('after an error the parser keeps returning it and reports nothing more', () => {
    const frames: string[] = [];
    const p = new StompParser({ frame: (f) => frames.push(f.command) });
    const e = p.push(b('send\n\n\0'));
    assert.equal(e?.code, 'invalid_command');
    assert.deepEqual(p.push(b('SEND\n\n\0')), e);
    assert.deepEqual(frames, []);
  });

  test('an error is detected at the first offending byte, before the frame ends', () => {
    const p = new StompParser({ frame: () => assert.fail('no frame') });
    assert.equal(p.push(b('SEND\nx:a\\t')), null); // the escape is checked when the line is complete
    assert.equal(p.push(b('\n'))?.code, 'invalid_escape');
    const q = new StompParser({ frame: () => assert.fail('no frame') });
    assert.equal(q.push(b('SEn'))?.code, 'invalid_command');
  });
});

// ---- limits ---------------------------------------------------------------------------------------------

describe('STOMP parser: limits', () => {
  test('defaults', () => {
    assert.deepEqual({ ...DEFAULT_STOMP_LIMITS }, { maxHeaders: 64, maxLineBytes: 10240, maxBodyBytes: 2097152 });
  });

  test('max header count: exactly the limit passes, one more fails', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `h${i}:v\n`).join('');
    assert.equal(assertSplitInvariant(b(`SEND\n${lines(4)}\n\0`), { maxHeaders: 4 }).error, null);
    assert.equal(assertSplitInvariant(b(`SEND\n${lines(5)}\n\0`), { maxHeaders: 4 }).error?.code, 'too_many_headers');
  });

  test('repeated headers count against the limit', () => {
    assert.equal(run([b('SEND\nx:1\nx:2\nx:3\n\n\0')], { maxHeaders: 2 }).error?.code, 'too_many_headers');
  });

  test('max line length: a header line of exactly the limit passes (its CRLF does not count), one byte more fails', () => {
    // "x:" + 6 bytes = 8 bytes
    assert.equal(assertSplitInvariant(b('SEND\nx:123456\r\n\n\0'), { maxLineBytes: 8 }).error, null);
    assert.equal(assertSplitInvariant(b('SEND\nx:1234567\n\n\0'), { maxLineBytes: 8 }).error?.code, 'line_too_long');
  });

  test('max line length applies to the command line', () => {
    assert.equal(assertSplitInvariant(b('SUBSCRIBE\n\n\0'), { maxLineBytes: 8 }).error?.code, 'line_too_long');
    // 8 letters is the limit: a well-formed (unknown) command, which the session refuses, not the parser.
    assert.deepEqual(assertSplitInvariant(b('SUBSCRIB\r\n\n\0'), { maxLineBytes: 8 }).frames, [{ command: 'SUBSCRIB', headers: {}, body: '' }]);
  });

  test('an over-long line fails as soon as it is too long, without waiting for its LF', () => {
    const p = new StompParser({ frame: () => assert.fail('no frame') }, { maxLineBytes: 16 });
    assert.equal(p.push(b('SEND\nx:' + 'a'.repeat(14))), null);
    assert.equal(p.push(b('a'))?.code, 'line_too_long');
  });

  test('max body: content-length at the limit passes, above it fails before any body byte arrives', () => {
    assert.equal(assertSplitInvariant(b('SEND\ncontent-length:4\n\nabcd\0'), { maxBodyBytes: 4 }).error, null);
    const p = new StompParser({ frame: () => assert.fail('no frame') }, { maxBodyBytes: 4 });
    assert.equal(p.push(b('SEND\ncontent-length:5\n\n'))?.code, 'frame_too_large');
  });

  test('a huge content-length is frame_too_large, not a number overflow', () => {
    assert.equal(run([b('SEND\ncontent-length:99999999999999999999999999\n\n')]).error?.code, 'frame_too_large');
  });

  test('max body without content-length: at the limit passes, one byte more fails without waiting for the NUL', () => {
    assert.equal(assertSplitInvariant(b('SEND\n\nabcd\0'), { maxBodyBytes: 4 }).error, null);
    assert.equal(assertSplitInvariant(b('SEND\n\nabcde\0'), { maxBodyBytes: 4 }).error?.code, 'frame_too_large');
    const p = new StompParser({ frame: () => assert.fail('no frame') }, { maxBodyBytes: 4 });
    assert.equal(p.push(b('SEND\n\nabcd')), null);
    assert.equal(p.push(b('e'))?.code, 'frame_too_large');
  });
});

// ---- robustness -----------------------------------------------------------------------------------------

describe('STOMP parser: arbitrary input', () => {
  test('random bytes never throw, and any chunking gives the same result', () => {
    const alphabet = fc.constantFrom(...[0x00, 0x0a, 0x0d, 0x3a, 0x5c, 0x41, 0x53, 0x45, 0x4e, 0x44, 0x63, 0x6e, 0x72, 0x30, 0x31, 0xc3, 0xa9, 0xff]);
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), fc.array(fc.nat(80), { maxLength: 6 }), (bytes, cuts) => {
        const buf = Buffer.from(bytes);
        const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((x, y) => x - y);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const c of points) {
          chunks.push(buf.subarray(last, c));
          last = c;
        }
        chunks.push(buf.subarray(last));
        const limits = { maxHeaders: 3, maxLineBytes: 12, maxBodyBytes: 10 };
        const a = run([buf], limits);
        const c = run(chunks, limits);
        assert.deepEqual({ ...c, error: c.error?.code }, { ...a, error: a.error?.code });
      }),
      { numRuns: 3000 },
    );
  });

  test('mutations of a valid frame never throw', () => {
    const valid = b('SEND\ndestination:/a\\cb\ncontent-length:3\n\na\0b\0\n');
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const m = Buffer.from(valid);
        m[at] = byte;
        run([m]);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---- serializer -----------------------------------------------------------------------------------------

describe('STOMP serializer', () => {
  test('a MESSAGE with escaped headers and a string body: exact bytes, content-length in octets', () => {
    const f = encodeFrame('MESSAGE', { subscription: 'sub-0', 'message-id': '7', destination: '/a:b', note: 'line1\nline2\\x\r' }, 'héllo');
    assert.equal(f.toString('latin1'), b('MESSAGE\nsubscription:sub-0\nmessage-id:7\ndestination:/a\\cb\nnote:line1\\nline2\\\\x\\r\ncontent-length:6\n\nh\xc3\xa9llo\0').toString('latin1'));
  });

  test('a Buffer body with NUL bytes; content-length from the body, a caller content-length ignored', () => {
    const f = encodeFrame('MESSAGE', { 'content-length': 99, destination: '/q' }, hex('00 ff 00'));
    assert.deepEqual(f, Buffer.concat([b('MESSAGE\ndestination:/q\ncontent-length:3\n\n'), hex('00 ff 00 00')]));
  });

  test('an empty body still writes content-length:0; no body writes none', () => {
    assert.equal(encodeFrame('MESSAGE', { destination: '/q' }, '').toString('latin1'), 'MESSAGE\ndestination:/q\ncontent-length:0\n\n\0');
    assert.equal(encodeFrame('RECEIPT', { 'receipt-id': '77' }).toString('latin1'), 'RECEIPT\nreceipt-id:77\n\n\0');
  });

  test('CONNECTED is never escaped; a CR or LF there becomes a space', () => {
    const f = encodeFrame('CONNECTED', { version: '1.2', 'heart-beat': '10000,10000', server: 'Herald/0.1 (a:b\\c)', 'user-name': 'x\ny' });
    assert.equal(f.toString('latin1'), 'CONNECTED\nversion:1.2\nheart-beat:10000,10000\nserver:Herald/0.1 (a:b\\c)\nuser-name:x y\n\n\0');
  });

  test('version 1.1 escapes all but CR; 1.0 escapes nothing', () => {
    assert.equal(escapeHeader('a:b\\c\nd\re', 'MESSAGE', '1.1'), 'a\\cb\\\\c\\nd\re');
    assert.equal(escapeHeader('a:b\\c\nd\re', 'MESSAGE', '1.0'), 'a:b\\c d e');
  });

  test('header order is kept; undefined and null values are skipped; pairs may repeat', () => {
    assert.equal(encodeFrame('ERROR', { message: 'bad', 'receipt-id': undefined, x: null, n: 3, t: true }).toString(), 'ERROR\nmessage:bad\nn:3\nt:true\n\n\0');
    assert.equal(encodeFrame('MESSAGE', [['a', '1'], ['a', '2']], '').toString(), 'MESSAGE\na:1\na:2\ncontent-length:0\n\n\0');
  });

  test('HEARTBEAT is one LF', () => {
    assert.deepEqual(HEARTBEAT, hex('0a'));
  });

  test('what the serializer writes, the parser reads back (any header text, any body)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 12 })), { maxLength: 5 }),
        fc.uint8Array({ maxLength: 40 }),
        (headers, body) => {
          const bytes = encodeFrame('MESSAGE', headers, Buffer.from(body));
          const o = run([bytes], { maxLineBytes: 1000 });
          assert.equal(o.error, null);
          const expected = new Map<string, string>();
          for (const [k, v] of headers) if (k !== 'content-length' && !expected.has(k)) expected.set(k, v);
          expected.set('content-length', String(body.length));
          assert.equal(o.frames.length, 1);
          assert.deepEqual(new Map(Object.entries(o.frames[0].headers)), expected);
          assert.equal(o.frames[0].body, Buffer.from(body).toString('hex'));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('STOMP SharedBody: one body, many subscribers', () => {
  test('head + tail: exact bytes, per-connection headers first', () => {
    const shared = new SharedBody({ destination: '/countries/4/events', 'content-type': 'application/json' }, '{"id":37}');
    assert.equal(shared.head({ subscription: 'sub-0', 'message-id': '37-1' }).toString(), 'MESSAGE\nsubscription:sub-0\nmessage-id:37-1\n');
    assert.equal(shared.tail().toString(), 'destination:/countries/4/events\ncontent-type:application/json\ncontent-length:9\n\n{"id":37}\0');
    assert.equal(shared.frame({ subscription: 'sub-0', 'message-id': '37-1' }).toString(), 'MESSAGE\nsubscription:sub-0\nmessage-id:37-1\ndestination:/countries/4/events\ncontent-type:application/json\ncontent-length:9\n\n{"id":37}\0');
    assert.equal(shared.bodyLength, 9);
  });

  test('the tail is built once and shared by every connection of a version', () => {
    const shared = new SharedBody({ destination: '/topic/a' }, Buffer.from('x'));
    const [, t1] = shared.parts({ subscription: '1', 'message-id': 'a' });
    const [, t2] = shared.parts({ subscription: '2', 'message-id': 'b', ack: 'k' });
    assert.equal(t1, t2);
    assert.notEqual(shared.tail('1.0'), t1);
    assert.equal(shared.tail('1.0'), shared.tail('1.0'));
  });

  test('each subscriber parses its own subscription and message-id and the same body', () => {
    const shared = new SharedBody({ destination: '/a:b', 'content-type': 'application/octet-stream' }, hex('00 01 02'));
    for (const [sub, mid] of [['s1', 'm:1'], ['s2', 'm\\2']]) {
      const o = run([shared.frame({ subscription: sub, 'message-id': mid })]);
      assert.deepEqual(o.frames, [{ command: 'MESSAGE', headers: H({ subscription: sub, 'message-id': mid, destination: '/a:b', 'content-type': 'application/octet-stream', 'content-length': '3' }), body: '000102' }]);
    }
  });

  test('a per-connection header wins over the same shared header (first one wins)', () => {
    const shared = new SharedBody({ destination: '/shared' }, '');
    const o = run([shared.frame({ subscription: 's', destination: '/mine' })]);
    assert.equal(o.frames[0].headers.destination, '/mine');
  });

  test('the 1.0 tail is not escaped', () => {
    const shared = new SharedBody({ destination: '/a:b' }, 'z');
    assert.equal(shared.tail('1.0').toString(), 'destination:/a:b\ncontent-length:1\n\nz\0');
    assert.equal(shared.tail('1.2').toString(), 'destination:/a\\cb\ncontent-length:1\n\nz\0');
  });
});
