// The pure parts of MySQL's block index: which statements an append writes, and the token cache.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BLOCK_MESSAGES, BlockTokenCache, blockInserts, openBlocks, type BlockStates } from '../../../lib/db/mysql-search.ts';
import { blockTokenHexes } from '../../../lib/db/search-tokens.ts';

const texts = (conv: number, from: number, n: number, text = (i: number) => `t${i}`) =>
  Array.from({ length: n }, (_, i) => ({ conversationId: conv, seq: from + i, text: text(from + i) }));

test('blocks: one per conversation, cut at BLOCK_MESSAGES; an open block goes on filling and lists only what it lacks', () => {
  const states: BlockStates = [];
  const [blocks, ...tokens] = blockInserts([...texts(7, 1, BLOCK_MESSAGES + 1), ...texts(8, 1, 1)], undefined, states);
  assert.match(blocks!, `VALUES (7,1,${BLOCK_MESSAGES},${BLOCK_MESSAGES}),(7,${BLOCK_MESSAGES + 1},${BLOCK_MESSAGES + 1},1),(8,1,1,1)`);
  assert.is(tokens.length, 1);
  assert.equal(states.map((s) => [s.conversationId, s.first, s.size]), [[7, 1, BLOCK_MESSAGES], [7, BLOCK_MESSAGES + 1, 1], [8, 1, 1]]);
  assert.equal([...states[2]!.tokens].sort(), blockTokenHexes(['t1']).sort());
  // the open block (8, first 1, size 1) known: only the new text's tokens that it lacks are written
  const known = new Set(blockTokenHexes(['t1']));
  const more: BlockStates = [];
  const [grown, rows] = blockInserts(texts(8, 2, 1, () => 't1 z'), new Map([[8, { first: 1, size: 1, known }]]), more);
  assert.match(grown!, 'VALUES (8,1,2,2) ON DUPLICATE KEY UPDATE');
  const written = [...rows!.matchAll(/x'([0-9a-f]+)'/g)].map((m) => m[1]);
  assert.equal(written.sort(), blockTokenHexes(['t1 z']).filter((h) => !known.has(h)).sort());
  assert.equal([...more[0]!.tokens].sort(), blockTokenHexes(['t1', 't1 z']).sort());
  // an open block whose tokens are unknown: every token is written, and nothing is known after
  const blind: BlockStates = [];
  const [, all] = blockInserts(texts(8, 2, 1, () => 't1 z'), new Map([[8, { first: 1, size: 1 }]]), blind);
  assert.is([...all!.matchAll(/x'/g)].length, blockTokenHexes(['t1 z']).length);
  assert.equal(blind, []);
});

test('open blocks: only a conversation\'s newest block that nothing came after; the cache holds for one (first, size)', () => {
  const cache = new BlockTokenCache();
  cache.set(1, 10, 3, new Set(['aa']));
  const open = openBlocks([{ c: 1, f: 10, l: 12, n: 3 }, { c: 2, f: 5, l: 6, n: 2 }], new Map([[1, 12], [2, 7]]), cache);
  assert.equal([...open.keys()], [1], 'conversation 2 had an entry after its block');
  assert.equal([...open.get(1)!.known!], ['aa']);
  assert.is(cache.get(1, 10, 4), undefined, 'another node grew the block since');
  assert.is(cache.get(1, 11, 3), undefined);
  // bounded: past the limit it starts over
  cache.set(2, 1, 1, new Set(Array.from({ length: BlockTokenCache.MAX_CACHED_TOKENS }, (_, i) => `t${i}`)));
  assert.is(cache.get(1, 10, 3), undefined);
  assert.ok(cache.get(2, 1, 1));
});

test.run();
