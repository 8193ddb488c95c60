// The id rule of one conversation (src/core/conversation.ts): chat ids map to Tracim content ids and back,
// the ranges never overlap each other or real content ids, and reaction ids are stable and in range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMENT_BASE, FILE_BASE, MAX_FILE_ID, MAX_ID, MAX_MESSAGE_ID, MAX_SPACE_ID, THREAD_BASE,
  assertContentId, chatReactionId, chatRefOf, commentId, fileContentId, hasThread, threadId,
} from '../../src/core/conversation.js';
import { Rng } from '../helpers/rng.js';

test('chat ids round-trip through their content ids, at the edges of each range', () => {
  for (const id of [1, 2, 77, MAX_MESSAGE_ID]) assert.deepEqual(chatRefOf(commentId(id)), { kind: 'message', message_id: id });
  for (const id of [1, 2, 77, MAX_FILE_ID]) assert.deepEqual(chatRefOf(fileContentId(id)), { kind: 'file', file_id: id });
  for (const id of [1, 2, 77, MAX_SPACE_ID]) assert.deepEqual(chatRefOf(threadId(id)), { kind: 'thread', space_id: id });
  assert.ok(commentId(MAX_MESSAGE_ID) < FILE_BASE && fileContentId(MAX_FILE_ID) < THREAD_BASE && threadId(MAX_SPACE_ID) === MAX_ID);
});

test('real content ids are below the chat ranges; creating one past them is refused', () => {
  assert.equal(chatRefOf(1), null);
  assert.equal(chatRefOf(COMMENT_BASE - 1), null);
  assert.doesNotThrow(() => assertContentId(COMMENT_BASE - 1));
  assert.throws(() => assertContentId(COMMENT_BASE), (e: Error & { code?: string }) => e.code === 'unavailable');
});

test('only workspaces with an id in range have a thread', () => {
  assert.equal(hasThread({ id: 5, kind: 'multi' }), true);
  assert.equal(hasThread({ id: 5, kind: 'direct' }), false);
  assert.equal(hasThread({ id: MAX_SPACE_ID + 1, kind: 'multi' }), false);
});

test('reaction ids: the same for the same (message, user, emoji), in the Tracim id range, rarely equal within a message', () => {
  assert.equal(chatReactionId(12, 3, '👍'), chatReactionId(12, 3, '👍'));
  assert.notEqual(chatReactionId(12, 3, '👍'), chatReactionId(12, 4, '👍'));
  const rng = new Rng(15);
  const emoji = ['👍', '😀', '🎉', '❤️', ':+1:', '👍🏻'];
  for (let m = 1; m <= 200; m++) {
    const mid = rng.int(1, MAX_MESSAGE_ID);
    const seen = new Set<number>();
    for (let u = 1; u <= 30; u++) {
      const id = chatReactionId(mid, u, rng.pick(emoji));
      assert.ok(Number.isInteger(id) && id >= COMMENT_BASE && id <= MAX_ID, String(id));
      seen.add(id);
    }
    assert.ok(seen.size >= 29, 'no collisions to speak of among one message\'s reactions');
  }
});
