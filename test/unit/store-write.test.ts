// Store.write's afterCommit: a throw there never fails the committed write (it is reported), and the
// writer queue goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/store.js';

test('a throwing afterCommit is reported; the write still resolves with its result, and the next write runs', async () => {
  const store = await openStore('sqlite::memory:');
  try {
    const reported: unknown[] = [];
    store.onAfterCommitError = (err) => reported.push(err);
    const result = await store.write(
      (tx) => tx.users.insert({ username: 'w', email: 'w@example.test', password_hash: 'h', display_name: 'W' }, 1),
      () => {
        throw new Error('a subscriber blew up');
      },
    );
    assert.equal(result.username, 'w');
    assert.equal(reported.length, 1);
    assert.equal((await store.read((r) => r.users.get(result.id)))?.username, 'w', 'committed');
    assert.equal(await store.write(async () => 'next'), 'next', 'the writer lock was released');
  } finally {
    await store.close();
  }
});
