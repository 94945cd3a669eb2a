import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  INDEX_MAX_CHARS, MAX_QUERY_TOKENS, blockTokenHexes, indexTokenHexes, indexTokens, matches, planSearch, prefixEnd, snippet, tokenHex,
} from '../../../lib/db/search-tokens.ts';

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

// indexTokenHexes is the fast form of indexTokens(text).map(tokenHex) that the SQLite index is
// written with; both stores and old rows must agree on every token, so it is held to the
// definition on texts chosen to reach each of its branches.
const reference = (text: string) => indexTokens(text).map(tokenHex);

test('indexTokenHexes: the hex of indexTokens, in order, for every BMP character and a sample of the others', () => {
  for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x10000 ? 1 : 97) {
    const c = String.fromCodePoint(cp);
    for (const text of [`a${c}b`, `${c}${c}`]) {
      const got = indexTokenHexes(text);
      const want = reference(text);
      if (got.join(' ') !== want.join(' ')) assert.equal(got, want, `U+${cp.toString(16)}`);
    }
  }
});

test('indexTokenHexes: the same as the definition on random mixed texts, long ones cut where it cuts', () => {
  const pieces = ['a', 'B', 'z', 'Q', ' ', '  ', '\t', '\n', '\u00a0', '\u3000', '\u2028', '\ufeff', '数', '据', '会议', '👍', '🏽', 'é',
    'e\u0301', 'ﬁ', 'İ', 'ß', 'ΑΣ', 'ｆ', '\ud800', '\udc00', 'x', 'xx', '1', '!', 'ü', 'Я'];
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  for (let k = 0; k < 3000; k++) {
    let text = '';
    const len = rnd(40);
    for (let i = 0; i < len; i++) text += pieces[rnd(pieces.length)];
    assert.equal(indexTokenHexes(text), reference(text), JSON.stringify(text));
  }
  for (const tail of ['', ' ', 'ab', '👍👍', '数 据', '\ud83d']) {
    for (const pad of [INDEX_MAX_CHARS - 2, INDEX_MAX_CHARS - 1, INDEX_MAX_CHARS]) {
      const text = 'ab'.repeat(pad).slice(0, pad) + tail + 'zq';
      assert.equal(indexTokenHexes(text), reference(text), `${pad} + ${JSON.stringify(tail)}`);
      const wide = '数'.repeat(pad) + tail + '据';
      assert.equal(indexTokenHexes(wide), reference(wide), `wide ${pad} + ${JSON.stringify(tail)}`);
    }
  }
});

test('blockTokenHexes: the union of the texts\' token hexes, each new token where it first appears', () => {
  const pieces = ['a', 'B', ' ', '数', '据', '会议', '👍', 'é', 'xx', 'Я', '\u3000'];
  let seed = 11;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  for (let k = 0; k < 500; k++) {
    const texts = Array.from({ length: 1 + rnd(6) }, () => Array.from({ length: rnd(12) }, () => pieces[rnd(pieces.length)]).join(''));
    const want = [...new Set(texts.flatMap(reference))];
    assert.equal(blockTokenHexes(texts), want, JSON.stringify(texts));
  }
  assert.equal(blockTokenHexes([]), []);
  assert.equal(blockTokenHexes(['Ab', 'ab', 'AB']), reference('ab'), 'folded alike, so indexed once');
});

test.run();
