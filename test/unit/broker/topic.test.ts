// Topic names, filters and matching, case by case from MQTT 5 §4.7 and §4.8.2, plus a property test
// that the trie, the standalone matcher and the retained tree agree on random filters and topics.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseFilter, topicMatches, validateTopicName } from '../../../src/broker/topic.js';
import { SubscriptionTrie, type TrieNode, type TrieEntry } from '../../../src/broker/trie.js';
import { RetainedTree } from '../../../src/broker/retained-tree.js';
import { createMessage } from '../../../src/broker/message.js';

const valid = (f: string) => parseFilter(f).ok;

describe('topic names (§4.7.1, §4.7.3, §1.5.4)', () => {
  test('accepts ordinary names, empty levels and a lone separator', () => {
    for (const t of ['a', 'a/b', '/a', 'a/', '/', '//', 'sport/tennis/player1', '$SYS/broker', 'ünïcødé/😀', 'a b/c']) {
      assert.equal(validateTopicName(t), null, t);
    }
  });

  test('refuses empty, wildcards anywhere, U+0000, lone surrogates', () => {
    for (const t of ['', '+', '#', 'a/+', 'a/#', 'a+b', 'a#', 'a\u0000b', 'a\uD800b']) {
      assert.notEqual(validateTopicName(t), null, JSON.stringify(t));
    }
  });

  test('length is measured in UTF-8 bytes; levels are limited', () => {
    const limits = { maxBytes: 10, maxLevels: 3 };
    assert.equal(validateTopicName('aaaaaaaaaa', limits), null);
    assert.notEqual(validateTopicName('aaaaaaaaaaa', limits), null);
    assert.notEqual(validateTopicName('ééééééé', limits), null, '7 characters but 14 bytes');
    assert.equal(validateTopicName('a/b/c', limits), null);
    assert.notEqual(validateTopicName('a/b/c/d', limits), null);
    assert.notEqual(validateTopicName('x'.repeat(65_536)), null, 'default cap 65,535 bytes');
  });
});

describe('topic filters (§4.7.1.2, §4.7.1.3)', () => {
  test('valid filters', () => {
    for (const f of ['#', '+', 'sport/#', 'sport/tennis/#', '+/tennis/#', 'sport/+/player1', '+/+', '/+', '+/', 'a//b', '$SYS/#']) assert.ok(valid(f), f);
  });

  test("'#' must be last and alone in its level; '+' alone in its level", () => {
    for (const f of ['sport/tennis#', 'sport/tennis/#/ranking', '#/a', 'sport+', 'sport/+x', 'a/b+/c', '##', '++']) assert.ok(!valid(f), f);
  });

  test('empty filter and U+0000 are refused', () => {
    assert.ok(!valid(''));
    assert.ok(!valid('a/\u0000'));
  });

  test('shared subscriptions: $share/{ShareName}/{filter} (§4.8.2)', () => {
    const p = parseFilter('$share/group1/sport/+/player1');
    assert.ok(p.ok);
    assert.equal(p.share, 'group1');
    assert.equal(p.filter, 'sport/+/player1');
    assert.deepEqual(p.levels, ['sport', '+', 'player1']);
    assert.ok(p.wildcard);
    for (const f of ['$share', '$share/', '$share/g', '$share//a', '$share/g/', '$share/g+/a', '$share/#/a', '$share/g/a/#/b']) assert.ok(!valid(f), f);
    // '$shared/...' is an ordinary filter, not a share.
    const q = parseFilter('$shared/a');
    assert.ok(q.ok);
    assert.equal(q.share, null);
  });
});

describe('matching (§4.7)', () => {
  const cases: [filter: string, topic: string, matches: boolean][] = [
    // §4.7.1.2 multi-level wildcard
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    ['sport/#', 'sport', true],
    ['#', 'sport/tennis', true],
    ['#', '/', true],
    ['sport/tennis/#', 'sport/tennisplayer1', false],
    // §4.7.1.3 single-level wildcard
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player2', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+', 'sport', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['+/tennis/#', 'sport/tennis/x', true],
    ['+/#', 'a', true],
    // empty levels are levels
    ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true],
    ['a/b', 'a//b', false],
    ['/finance', 'finance', false],
    // §4.7.2 topics beginning with $
    ['#', '$SYS/broker/clients', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['$SYS/#', '$SYS', true],
    ['#', '$', false],
    ['a/+', 'a/$b', true],
    // case sensitive, no normalisation (§4.7.3)
    ['ACCOUNTS', 'Accounts', false],
    ['caf\u00e9', 'cafe\u0301', false],
  ];

  test('topicMatches follows the spec cases', () => {
    for (const [f, t, m] of cases) assert.equal(topicMatches(f, t), m, `${f} vs ${t}`);
  });

  test('the trie agrees on every spec case', () => {
    for (const [f, t, m] of cases) {
      const trie = new SubscriptionTrie<Entry>();
      trie.add(entry(f));
      assert.equal(matchTrie(trie, t).length === 1, m, `${f} vs ${t}`);
    }
  });

  test('the retained tree agrees on every spec case', () => {
    for (const [f, t, m] of cases) {
      const tree = new RetainedTree();
      tree.set(createMessage({ topic: t, payload: Buffer.from('x'), qos: 0 }, null, 0));
      assert.equal(tree.match(f).length === 1, m, `${f} vs ${t}`);
    }
  });
});

interface Entry extends TrieEntry {
  filter: string;
}

function entry(raw: string): Entry {
  const p = parseFilter(raw);
  assert.ok(p.ok, raw);
  return { filter: raw, levels: p.levels, share: p.share };
}

function matchTrie(trie: SubscriptionTrie<Entry>, topic: string): string[] {
  const nodes: TrieNode<Entry>[] = [];
  trie.match(topic.split('/'), nodes);
  const out: string[] = [];
  for (const n of nodes) {
    for (const s of n.subs ?? []) out.push(s.filter);
    for (const g of n.groups?.values() ?? []) for (const s of g.members) out.push(s.filter);
  }
  return out.sort();
}

describe('trie', () => {
  const level = fc.constantFrom('a', 'b', '', '$x', 'c');
  const topicArb = fc.array(level, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('/')).filter((t) => t.length > 0);
  const filterArb = fc
    .array(fc.constantFrom('a', 'b', '', '+', '$x'), { minLength: 1, maxLength: 4 })
    .chain((ls) => fc.boolean().map((hash) => (hash ? [...ls.slice(0, -1), '#'] : ls).join('/')))
    .filter((f) => f.length > 0);

  test('property: trie, topicMatches and the retained tree agree on random filters and topics', () => {
    fc.assert(
      fc.property(fc.uniqueArray(filterArb, { minLength: 1, maxLength: 12 }), fc.array(topicArb, { minLength: 1, maxLength: 8 }), (filters, topics) => {
        const trie = new SubscriptionTrie<Entry>();
        for (const f of filters) trie.add(entry(f));
        const tree = new RetainedTree();
        for (const t of topics) tree.set(createMessage({ topic: t, payload: Buffer.from(t), qos: 0 }, null, 0));
        for (const t of topics) {
          assert.deepEqual(matchTrie(trie, t), filters.filter((f) => topicMatches(f, t)).sort(), `topic ${JSON.stringify(t)}`);
        }
        const distinct = [...new Set(topics)];
        for (const f of filters) {
          const got = tree.match(f).map((m) => m.topic).sort();
          assert.deepEqual(got, distinct.filter((t) => topicMatches(f, t)).sort(), `filter ${JSON.stringify(f)}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('remove prunes: adding and removing everything leaves an empty trie that still matches correctly', () => {
    const trie = new SubscriptionTrie<Entry>();
    const es = ['a/b', 'a/+', 'a/#', '#', '+/+', '$share/g/a/b', '$share/g/a/b', '$share/h/a/#'].map(entry);
    for (const e of es) trie.add(e);
    assert.equal(trie.size, es.length);
    assert.deepEqual(matchTrie(trie, 'a/b'), ['#', '$share/g/a/b', '$share/g/a/b', '$share/h/a/#', '+/+', 'a/#', 'a/+', 'a/b']);
    for (const e of es) assert.ok(trie.remove(e));
    assert.equal(trie.size, 0);
    assert.equal(trie.remove(es[0]), false, 'removing twice reports false');
    assert.deepEqual(matchTrie(trie, 'a/b'), []);
    trie.add(es[0]);
    assert.deepEqual(matchTrie(trie, 'a/b'), ['a/b']);
  });
});
