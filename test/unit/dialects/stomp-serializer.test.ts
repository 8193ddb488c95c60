// Byte-level tests of the STOMP serializer (src/dialects/talk/stomp-serializer.ts): exact bytes out, read
// back by the parser, and the shared body several subscribers' frames reuse. Helpers in stomp-codec-helpers.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HEARTBEAT, SharedBody, encodeFrame, escapeHeader } from '../../../src/dialects/talk/stomp-serializer.js';
import { b, hex, run, H } from './stomp-codec-helpers.js';

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
