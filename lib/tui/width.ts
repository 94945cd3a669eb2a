// Terminal column widths, the way a modern (Unicode 9+) terminal draws them: East Asian Wide and
// Fullwidth characters and emoji with emoji presentation take two columns, combining marks and
// format characters none. The bubble layout and blessed (see blessed-unicode.ts) both use this,
// so a border drawn after an emoji lands where the terminal puts it.

// East_Asian_Width W and F (Unicode 15), merged into ranges. JS regexes have no EAW property.
const WIDE_RANGES: [number, number][] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3],
  [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f], [0x2693, 0x2693], [0x26a1, 0x26a1],
  [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea],
  [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b],
  [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55],
  [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f],
  [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4], [0x16ff0, 0x16ff1], [0x17000, 0x18cd5], [0x18d00, 0x18d08], [0x1aff0, 0x1b2fb],
  [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e], [0x1f191, 0x1f19a], [0x1f200, 0x1f202],
  [0x1f210, 0x1f23b], [0x1f240, 0x1f248], [0x1f250, 0x1f251], [0x1f260, 0x1f265], [0x1f300, 0x1f320],
  [0x1f32d, 0x1f335], [0x1f337, 0x1f37c], [0x1f37e, 0x1f393], [0x1f3a0, 0x1f3ca], [0x1f3cf, 0x1f3d3],
  [0x1f3e0, 0x1f3f0], [0x1f3f4, 0x1f3f4], [0x1f3f8, 0x1f43e], [0x1f440, 0x1f440], [0x1f442, 0x1f4fc],
  [0x1f4ff, 0x1f53d], [0x1f54b, 0x1f54e], [0x1f550, 0x1f567], [0x1f57a, 0x1f57a], [0x1f595, 0x1f596],
  [0x1f5a4, 0x1f5a4], [0x1f5fb, 0x1f64f], [0x1f680, 0x1f6c5], [0x1f6cc, 0x1f6cc], [0x1f6d0, 0x1f6d2],
  [0x1f6d5, 0x1f6d7], [0x1f6dc, 0x1f6df], [0x1f6eb, 0x1f6ec], [0x1f6f4, 0x1f6fc], [0x1f7e0, 0x1f7eb],
  [0x1f7f0, 0x1f7f0], [0x1f90c, 0x1f93a], [0x1f93c, 0x1f945], [0x1f947, 0x1f9ff], [0x1fa70, 0x1fa7c],
  [0x1fa80, 0x1fa88], [0x1fa90, 0x1fabd], [0x1fabf, 0x1fac5], [0x1face, 0x1fadb], [0x1fae0, 0x1fae8],
  [0x1faf0, 0x1faf8], [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

function inRanges(cp: number): boolean {
  let lo = 0;
  let hi = WIDE_RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE_RANGES[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Columns one code point takes: 0, 1 or 2. Controls count 0 (they are stripped before display anyway). */
export function codePointWidth(cp: number): 0 | 1 | 2 {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if (inRanges(cp)) return 2;
  if (cp === 0x200b || (cp >= 0x1160 && cp <= 0x11ff)) return 0; // zero-width space, Hangul medial/final jamo
  if (ZERO_WIDTH.test(String.fromCodePoint(cp))) return 0;
  return 1;
}

/** Columns a string takes in the terminal. */
export function strWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += codePointWidth(ch.codePointAt(0)!);
  return width;
}

/** A regex source (for the `u` flag) of a character class matching every two-column code point. */
export function wideCharClass(): string {
  const hex = (n: number) => `\\u{${n.toString(16)}}`;
  return '[' + WIDE_RANGES.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('') + ']';
}

/** Pads with spaces on the right to `width` columns (no-op when already as wide). */
export function padEnd(text: string, width: number): string {
  const w = strWidth(text);
  return w >= width ? text : text + ' '.repeat(width - w);
}

/** The longest prefix of `text` that fits `width` columns, with an ellipsis when cut. */
export function truncate(text: string, width: number): string {
  if (strWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = codePointWidth(ch.codePointAt(0)!);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

/**
 * Wraps text to lines of at most `width` columns: at spaces where it can, inside a word when a
 * word alone is too wide (never splitting a wide character across lines). `\n` starts a new line;
 * tabs become four spaces. Every returned line satisfies strWidth(line) <= width.
 */
export function wrap(text: string, width: number): string[] {
  const max = Math.max(2, width);
  const out: string[] = [];
  for (const para of text.replace(/\t/g, '    ').split('\n')) {
    let line = '';
    let lineW = 0;
    // tokens: runs of spaces and runs of non-spaces
    for (const token of para.match(/ +|[^ ]+/g) ?? ['']) {
      const tw = strWidth(token);
      if (lineW + tw <= max) {
        line += token;
        lineW += tw;
        continue;
      }
      if (token.startsWith(' ')) {
        // a space run at a break: drop it
        out.push(line.trimEnd());
        line = '';
        lineW = 0;
        continue;
      }
      if (tw <= max && lineW > 0) {
        out.push(line.trimEnd());
        line = token;
        lineW = tw;
        continue;
      }
      // too long for any line: cut by characters
      for (const ch of token) {
        const cw = codePointWidth(ch.codePointAt(0)!);
        if (lineW + cw > max) {
          out.push(line.trimEnd());
          line = '';
          lineW = 0;
        }
        line += ch;
        lineW += cw;
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}
