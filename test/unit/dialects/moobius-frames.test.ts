// Moobius client frames (src/dialects/moobius/frames.ts) and delivery rules (post.ts): which frames are
// accepted where, what a refusal carries, and which Moobius users a stored message is shown to.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkContent, parseFrame, Refusal, type MessageBodyIn } from '../../../src/dialects/moobius/frames.js';
import { audienceFor, deliveryRule, userSees } from '../../../src/dialects/moobius/post.js';
import { parseServices } from '../../../src/dialects/moobius/services.js';
import { ConfigError } from '../../../src/config.js';
import { message } from './fixtures.js';

const USER = ['message_up', 'roger', 'heartbeat'] as const;
const A = '65202a1d-41cc-4e7b-bc6c-81fa9662076a';
const B = 'aaaaaaaa-0000-4000-8000-000000000001';

const refusal = (text: string | null, accepted: readonly ('message_up' | 'roger' | 'heartbeat' | 'message_down')[] = USER) => {
  const p = parseFrame(text, accepted);
  assert.equal(p.ok, false);
  return p.ok ? null! : { ...p.head, code: p.refusal.code, message: p.refusal.message };
};

describe('Moobius frames', () => {
  test("the document's frames parse", () => {
    const up = { type: 'message_up', request_id: 'bb6a84fe-99ab-455f-8272-6432f4053363', user_id: A, body: { subtype: 'text', content: { text: 'this is an example message' }, channel_id: '50fb775a-508d-40ef-b80b-de1ef3bf791a', recipients: A, timestamp: 1687418564123, context: {} } };
    assert.equal(parseFrame(JSON.stringify(up), USER).ok, true);
    assert.equal(parseFrame(JSON.stringify({ type: 'roger', request_id: 'r', user_id: A, body: { message_id: B, context: {} } }), USER).ok, true);
    assert.equal(parseFrame(JSON.stringify({ type: 'heartbeat', request_id: '120cb5bf-a2b3-4d19-b8f4-b2058d7182cc', body: {} }), USER).ok, true);
  });

  test('refusals carry what the frame had of its type and request id', () => {
    assert.deepEqual(refusal(null), { type: null, request_id: null, code: 'malformed', message: 'binary frames are not accepted: send JSON text' });
    assert.equal(refusal('{').code, 'malformed');
    assert.equal(refusal('[]').code, 'malformed');
    assert.deepEqual(refusal('{"request_id":"r1"}').request_id, 'r1');
    assert.deepEqual(refusal('{"type":"nope","request_id":"r2"}'), { type: 'nope', request_id: 'r2', code: 'unknown_type', message: refusal('{"type":"nope","request_id":"r2"}').message });
    assert.equal(refusal('{"type":"message_down","request_id":"r","body":{}}').code, 'unknown_type');
    assert.equal(refusal('{"type":"heartbeat","request_id":"r","body":{}}', ['message_down']).code, 'unknown_type');
    const bad = refusal('{"type":"message_up","request_id":"r3","user_id":"u","body":{"subtype":"text","content":{},"channel_id":"c","recipients":"u"}}');
    assert.deepEqual([bad.type, bad.request_id, bad.code], ['message_up', 'r3', 'invalid_body']);
    assert.match(bad.message, /timestamp/);
    assert.equal(refusal('{"type":"heartbeat","request_id":"r","body":{},"__proto__":{"x":1}}').code, 'malformed');
    assert.equal(refusal(`{"type":"heartbeat","request_id":"${'x'.repeat(129)}"}`).request_id, null);
  });

  test('content is checked against the subtype', () => {
    const body = (subtype: string, content: unknown) => ({ subtype, content, channel_id: 'c', recipients: [], timestamp: 1 }) as unknown as MessageBodyIn;
    assert.deepEqual(checkContent(body('text', { text: 'hi' })), { text: 'hi' });
    assert.throws(() => checkContent(body('text', { text: '' })), (e: unknown) => e instanceof Refusal && e.code === 'invalid_body');
    assert.throws(() => checkContent(body('file', { path: '/p', filename: 'a' })), /size/);
    assert.doesNotThrow(() => checkContent(body('image', { path: '/p' })));
    assert.throws(() => checkContent(body('audio', { filename: 'a' })), /path/);
  });
});

describe('Moobius delivery rules', () => {
  const m = (moobius: unknown) => message({ meta: moobius === undefined ? null : { moobius } });
  test('direct and down go to the named recipients, [] to everyone; service to no user; other dialects to everyone', () => {
    assert.equal(userSees(m({ recipients: A, delivery: 'direct' }), A), true);
    assert.equal(userSees(m({ recipients: A, delivery: 'direct' }), B), false);
    assert.equal(userSees(m({ recipients: [A, B], delivery: 'down' }), B), true);
    assert.equal(userSees(m({ recipients: [], delivery: 'down' }), B), true);
    assert.equal(userSees(m({ recipients: A, delivery: 'service' }), A), false);
    assert.equal(userSees(m(undefined), A), true);
    assert.equal(deliveryRule(m({ delivery: 'sideways' })), null);
    assert.equal(userSees(m({ recipients: A, delivery: 'sideways' }), B), true, 'an unknown rule counts as none');
  });
});

describe('Moobius audiences (enforced by the core for every dialect)', () => {
  test('service: the services only; direct: the recipients and the services, [] everyone; down: the recipients, [] everyone', () => {
    assert.deepEqual(audienceFor({ rule: 'service', services: [7] }, [3, 4]), [7]);
    assert.deepEqual(audienceFor({ rule: 'direct', services: [7] }, [3]), [3, 7]);
    assert.equal(audienceFor({ rule: 'direct', services: [7] }, []), null);
    assert.deepEqual(audienceFor({ rule: 'down', services: [7] }, [3, 3]), [3]);
    assert.equal(audienceFor({ rule: 'down', services: [] }, []), null);
  });
});

describe('Moobius services setting', () => {
  test('HERALD_MOOBIUS_SERVICES: validated; errors name the variable and never quote a key', () => {
    assert.deepEqual(parseServices('[]'), []);
    assert.deepEqual(parseServices('[{"key":"0123456789abcdef","user_id":3,"channels":["c",4]}]'), [{ key: '0123456789abcdef', user_id: 3, channels: ['c', 4] }]);
    for (const bad of ['nope', '{}', '[{"key":"short-secret","user_id":1}]', '[{"key":"0123456789abcdef","user_id":0}]', '[{"key":"0123456789abcdef","user_id":1,"extra":1}]', '[{"key":"0123456789abcdef","user_id":1},{"key":"fedcba9876543210","user_id":1}]']) {
      assert.throws(
        () => parseServices(bad),
        (e: unknown) => e instanceof ConfigError && e.message.startsWith('HERALD_MOOBIUS_SERVICES') && !e.message.includes('secret') && !e.message.includes('0123456789abcdef'),
        bad,
      );
    }
  });
});
