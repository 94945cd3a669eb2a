import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { INDEX_MAX_CHARS, MAX_QUERY_TOKENS, indexTokens, matches, planSearch, prefixEnd, snippet } from '../../../lib/db/search-tokens.ts';

test('tokens: neighbouring pairs within each run and each run’s last character, folded, distinct', () => {
  assert.equal(indexTokens('Hello  wORld'), ['he', 'el', 'll', 'lo', 'o', 'wo', 'or', 'rl', 'ld', 'd']);
  assert.equal(indexTokens('会议会议'), ['会议', '议会', '议']);
  assert.equal(indexTokens('ｆｕｌｌ'), ['fu', 'ul', 'll', 'l'], 'NFKC folds full-width letters');
  assert.equal(indexTokens('👍🏽'), ['👍🏽', '🏽'], 'characters are code points, not UTF-16 units');
  assert.equal(indexTokens(' \n\t'), []);
});

test('every character of a text begins some token, so a one-character term always has a prefix match', () => {
  for (const text of ['a', 'ab cd', '数据库 x', 'hello, world!']) {
    const tokens = indexTokens(text);
    for (const c of Array.from(text.toLowerCase()).filter((c) => c.trim() !== '')) {
      assert.ok(tokens.some((t) => t.startsWith(c)), `${c} in ${text}`);
    }
  }
});

test('plan: pairs of every term, capped; one-character terms only use a prefix', () => {
  assert.equal(planSearch('  ELLO  '), { terms: ['ello'], tokens: ['el', 'll', 'lo'] });
  assert.equal(planSearch('会议 下午'), { terms: ['会议', '下午'], tokens: ['会议', '下午'] });
  assert.equal(planSearch('a b'), { terms: ['a', 'b'], prefix: 'a' });
  assert.equal(planSearch('a bc'), { terms: ['a', 'bc'], tokens: ['bc'] });
  assert.is(planSearch(' \t '), null);
  assert.is(planSearch('abcdefghijklmnop')!.tokens!.length, MAX_QUERY_TOKENS);
});

test('matches: every term is a substring of the folded text', () => {
  assert.ok(matches('Hello, World', planSearch('ello world')!));
  assert.not.ok(matches('ab ba', planSearch('aba')!));
  assert.ok(matches('ｈｅｌｌｏ', planSearch('hello')!));
  const long = 'x'.repeat(INDEX_MAX_CHARS) + 'needle';
  assert.not.ok(matches(long, planSearch('needle')!), 'only the indexed part is matched');
});

test('prefixEnd: the next code point, skipping surrogates', () => {
  assert.is(prefixEnd('a'), 'b');
  assert.is(prefixEnd('\u{d7ff}'), '\u{e000}');
  assert.is(prefixEnd('\u{10ffff}'), null);
});

test('snippet: the whole of a short text; around the match, marked where cut, for a long one', () => {
  assert.is(snippet('short text', planSearch('text')!), 'short text');
  const text = `${'前'.repeat(100)}会议${'后'.repeat(100)}`;
  const s = snippet(text, planSearch('会议')!);
  assert.ok(s.startsWith('…') && s.endsWith('…'));
  assert.ok(s.includes('会议'));
  assert.is(Array.from(s).length, 82);
  assert.ok(snippet(`HELLO ${'z'.repeat(200)}`, planSearch('hello')!).startsWith('HELLO'));
});

test.run();
