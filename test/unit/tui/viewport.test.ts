// The viewport walks only the blocks it needs: resolving an anchor, scrolling by rows, and the
// rows to draw, on blocks of known heights; and the pane's blocks lay out only what is asked.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { MessageView } from '../../../lib/protocol/messages.ts';
import { BubbleCache, paneBlocks } from '../../../lib/tui/pane.ts';
import type { Conversation } from '../../../lib/tui/state.ts';
import { anchorOf, HEAD, lowerBound, normalize, resolve, scrollBy, slices, type Blocks } from '../../../lib/tui/viewport.ts';

const test = suite('viewport');

/** Blocks 0..n-1 with the given heights, keyed HEAD for 0 and 10, 20, 30… after. */
function blocks(heights: number[], asked: number[] = []): Blocks {
  return {
    count: heights.length,
    height: (i) => (asked.push(i), heights[i]!),
    key: (i) => (i === 0 ? HEAD : i * 10),
    indexOf: (k) => (k === HEAD ? 0 : Math.min(heights.length - 1, Math.max(1, Math.ceil(k / 10)))),
  };
}

test('following the newest: the last rows at the bottom, or the first row when everything fits', () => {
  const b = blocks([1, 3, 3, 3]);
  assert.equal(resolve(b, null, 5), { index: 2, line: 1 });
  assert.equal(resolve(b, null, 50), { index: 0, line: 0 });
});

test('normalize walks a line outside its block into the neighbours and clamps at both ends', () => {
  const b = blocks([1, 3, 3, 3]);
  assert.equal(normalize(b, { index: 2, line: -1 }), { index: 1, line: 2 });
  assert.equal(normalize(b, { index: 1, line: 4 }), { index: 2, line: 1 });
  assert.equal(normalize(b, { index: 1, line: -10 }), { index: 0, line: 0 });
  assert.equal(normalize(b, { index: 3, line: 10 }), { index: 3, line: 2 });
});

test('scrolling up stops at the first row, down at the bottom-aligned end', () => {
  const b = blocks([1, 3, 3, 3, 3]);
  const end = resolve(b, null, 4);
  const up = scrollBy(b, end, -3, 4);
  assert.equal(up.pos, { index: 2, line: 2 });
  assert.not.ok(up.atTop);
  assert.not.ok(up.atBottom);
  const top = scrollBy(b, up.pos, -100, 4);
  assert.equal(top.pos, { index: 0, line: 0 });
  assert.ok(top.atTop);
  const down = scrollBy(b, top.pos, 100, 4);
  assert.equal(down.pos, end);
  assert.ok(down.atBottom);
});

test('an anchor keeps its rows when blocks are added above it (a page of older messages)', () => {
  const before = blocks([1, 3, 3]);
  const a = anchorOf(before, { index: 1, line: 2 });
  assert.equal(a, { seq: 10, line: 2 });
  // two blocks inserted before: seq 10 is now at index 3
  const after: Blocks = { ...blocks([1, 3, 3, 3, 3]), indexOf: (k) => (k === HEAD ? 0 : k === 10 ? 3 : 4) };
  const pos = resolve(after, a, 2);
  assert.equal(pos, { index: 3, line: 2 });
});

test('only the blocks on screen (and the walk to them) are measured', () => {
  const asked: number[] = [];
  const heights = Array.from({ length: 100_000 }, () => 4);
  const b = blocks(heights, asked);
  const top = resolve(b, null, 20);
  const rows = slices(b, top, 20);
  assert.is(rows.reduce((n, r) => n + r.to - r.from, 0), 20);
  assert.ok(new Set(asked).size <= 12, `measured ${new Set(asked).size} blocks`);
});

test('lowerBound finds the first seq at or after', () => {
  const seqs = [2, 4, 6, 8];
  assert.is(lowerBound(4, (i) => seqs[i]!, 5), 2);
  assert.is(lowerBound(4, (i) => seqs[i]!, 1), 0);
  assert.is(lowerBound(4, (i) => seqs[i]!, 9), 4);
});

const msg = (seq: number, from = 'bob'): MessageView => ({ conversation: 'c1', seq, from, to: 'me', text: `m${seq}`, ts: '2026-11-26T10:00:00.000Z' });
function conv(over: Partial<Conversation>): Conversation {
  return { key: '@bob', kind: 'direct', name: 'bob', messages: [], pending: [], read: 0, lastSeq: 0, unread: 0, historyLoaded: true, older: 'more', newer: 'none', notify: 'all', applied: [], ...over };
}

test('the pane: a line above the window says what lies before it, one below a window short of the newest', () => {
  const cache = new BubbleCache();
  const plain = (c: Conversation) => {
    const b = paneBlocks(c, 'me', 40, cache);
    return Array.from({ length: b.count }, (_, i) => b.lines(i).map((l) => l.plain).join('\n')).join('\n');
  };
  const messages = [msg(5), msg(6)];
  assert.match(plain(conv({ messages, older: 'start' })), /^─+ beginning of conversation ─+\n/);
  assert.match(plain(conv({ messages, older: 'loading' })), /^─+ loading older messages… ─+\n/);
  assert.match(plain(conv({ messages, newer: 'more' })), /loading newer messages… ─+$/);
  assert.not.match(plain(conv({ messages, newer: 'more', pending: [{ clientMsgId: 'x', text: 'mine' }] })), /mine/, 'pending shows only at the newest');
  assert.match(plain(conv({ messages, newFrom: 6 })), /new messages[^]*m6/);
  const b = paneBlocks(conv({ messages, older: 'start' }), 'me', 40, cache);
  assert.is(b.indexOf(6), 2);
  assert.is(b.indexOf(HEAD), 0);
  assert.is(b.key(1), 5);
  assert.is(b.lines(1), paneBlocks(conv({ messages }), 'me', 40, cache).lines(1), 'a bubble is laid out once per width');
});

test.run();
