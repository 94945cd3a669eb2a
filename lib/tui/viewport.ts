// Which rows of a conversation are on screen, without laying out the rest. The pane is a list
// of blocks (a line above the first loaded message, one block per message, the pending ones)
// whose heights are asked for only as the walk reaches them, so a conversation with thousands
// of loaded messages costs what the screen shows. Pure: no blessed, no state.

/** The key of the line above the first loaded message ("beginning of conversation", "loading…"). */
export const HEAD = -1;

/** Where the view starts: its top row is row `line` of the block `seq` (a message's seq, or HEAD). */
export interface Anchor {
  seq: number;
  line: number;
}

export interface Blocks {
  count: number;
  height(index: number): number;
  /** the anchor key of a block */
  key(index: number): number;
  /** the index of the block an anchor key names: a seq resolves to the first block at or after it */
  indexOf(key: number): number;
}

export interface Pos {
  index: number;
  line: number;
}

export interface Slice {
  index: number;
  from: number;
  to: number;
}

/** Moves `line` into its block, walking to neighbours; clamps to the first and last rows. */
export function normalize(b: Blocks, pos: Pos): Pos {
  if (b.count === 0) return { index: 0, line: 0 };
  let { index, line } = pos;
  index = Math.max(0, Math.min(b.count - 1, index));
  while (line < 0) {
    if (index === 0) return { index: 0, line: 0 };
    index--;
    line += b.height(index);
  }
  while (line >= b.height(index)) {
    if (index === b.count - 1) return { index, line: Math.max(0, b.height(index) - 1) };
    line -= b.height(index);
    index++;
  }
  return { index, line };
}

/** The top of the view that shows the last row at the bottom (or the first row, when all fits). */
export function bottomTop(b: Blocks, visible: number): Pos {
  let need = visible;
  for (let i = b.count - 1; i >= 0; i--) {
    const h = b.height(i);
    if (h >= need) return { index: i, line: h - need };
    need -= h;
  }
  return { index: 0, line: 0 };
}

/** Rows from `pos` to the end, counting no further than `limit`. */
function rowsFrom(b: Blocks, pos: Pos, limit: number): number {
  let n = 0;
  for (let i = pos.index; i < b.count && n < limit; i++) n += b.height(i) - (i === pos.index ? pos.line : 0);
  return n;
}

export function resolve(b: Blocks, anchor: Anchor | null, visible: number): Pos {
  if (anchor === null || b.count === 0) return bottomTop(b, visible);
  const pos = normalize(b, { index: b.indexOf(anchor.seq), line: anchor.line });
  // never leave empty rows under the last block
  return rowsFrom(b, pos, visible) < visible ? bottomTop(b, visible) : pos;
}

export function anchorOf(b: Blocks, pos: Pos): Anchor {
  return { seq: b.key(pos.index), line: pos.line };
}

export interface Scrolled {
  pos: Pos;
  /** the view shows the first row */
  atTop: boolean;
  /** the view shows the last row */
  atBottom: boolean;
}

/** The view moved by `delta` rows (negative: up), kept between the first row and the bottom-aligned end. */
export function scrollBy(b: Blocks, from: Pos, delta: number, visible: number): Scrolled {
  let pos = normalize(b, { index: from.index, line: from.line + delta });
  if (rowsFrom(b, pos, visible) < visible) pos = bottomTop(b, visible);
  return { pos, atTop: pos.index === 0 && pos.line === 0, atBottom: rowsFrom(b, pos, visible + 1) <= visible };
}

/** The rows to draw from `pos`: per block, the range of its rows on screen. */
export function slices(b: Blocks, pos: Pos, visible: number): Slice[] {
  const out: Slice[] = [];
  let left = visible;
  for (let i = pos.index; i < b.count && left > 0; i++) {
    const from = i === pos.index ? pos.line : 0;
    const to = Math.min(b.height(i), from + left);
    out.push({ index: i, from, to });
    left -= to - from;
  }
  return out;
}

/** The first index in ascending `seqs` at or after `seq` (binary search). */
export function lowerBound(length: number, seqAt: (i: number) => number, seq: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seqAt(mid) < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `top`, moved as little as it takes to show block `index` whole (its top, when it is taller than the view). */
export function showing(b: Blocks, top: Pos, index: number, visible: number): Pos {
  if (index < 0 || index >= b.count) return top;
  if (index < top.index || (index === top.index && top.line > 0) || b.height(index) >= visible) return { index, line: 0 };
  let rows = 0;
  for (let i = top.index; i <= index; i++) rows += b.height(i) - (i === top.index ? top.line : 0);
  return rows <= visible ? top : normalize(b, { index: top.index, line: top.line + rows - visible });
}
