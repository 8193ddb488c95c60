// Byte-level tests of the STOMP 1.2 parser (src/dialects/talk/stomp-codec.ts): malformed frames, limits and
// arbitrary input, each giving a typed error (or none) whatever the chunking. Well-formed frames are in
// stomp-parser.test.ts; helpers in stomp-codec-helpers.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_STOMP_LIMITS, StompParser, type StompErrorCode } from '../../../src/dialects/talk/stomp-codec.js';
import { b, run, assertSplitInvariant } from './stomp-codec-helpers.js';

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
