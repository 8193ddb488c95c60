// Message uuids: RFC 9562 version 7 (time-ordered), unique, in the canonical text form clients parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newMessageUuid } from '../../src/core/ids.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('message uuids are version 7, unique, and carry their creation time in the first 48 bits', async () => {
  const before = Date.now();
  const ids = Array.from({ length: 5000 }, () => newMessageUuid());
  const after = Date.now();
  for (const id of ids) assert.match(id, V7);
  assert.equal(new Set(ids).size, ids.length);
  const ms = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
  for (const id of ids) assert.ok(ms(id) >= before && ms(id) <= after, `${id} is not from this test's time`);
  await new Promise((r) => setTimeout(r, 5));
  const later = newMessageUuid();
  assert.ok(later > ids[0], 'a later id sorts after an earlier one (the index grows at its right edge)');
});
