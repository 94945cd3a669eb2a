// neo-blessed measures text one code point at a time, with a width table that predates emoji: it
// drew 😀 in one cell, and a ZWJ sequence (👨‍👩‍👧, five code points) in several, where the terminal
// draws two columns. Everything after it on that row (a bubble's right border) landed out of
// place. This makes blessed agree with width.ts, cluster by cluster:
// - Every grapheme cluster of more than one code point is handed to blessed as ONE private-use
//   code point (wide clusters from plane 15, narrow ones from plane 16), so blessed puts it in
//   one cell; the screen's output is translated back just before it reaches the terminal.
// - blessed's charWidth answers from width.ts, and the placeholder it adds after a two-column
//   character (its own mechanism for wide CJK: a cell that is not printed) follows width.ts too.
// Private-use code points that arrive in text are passed through the same table, so every one
// on the way out came from it.
import { createRequire } from 'node:module';
import { codePointWidth, graphemes, graphemeWidth } from './width.ts';

interface BlessedUnicode {
  charWidth(str: string | number, i?: number): number;
  codePointAt(str: string, i: number): number;
  chars: { all: unknown };
  __chatPatched?: boolean;
}

interface BlessedElementProto {
  setContent(content: string, noClear?: boolean, noTags?: boolean): void;
}

const WIDE_FIRST = 0xf0000;
const WIDE_LAST = 0xffffd;
const NARROW_FIRST = 0x100000;
const NARROW_LAST = 0x10fffd;
const PRIVATE = /[\u{f0000}-\u{10fffd}]/u;
const PRIVATE_G = /[\u{f0000}-\u{10fffd}]/gu;

const toCell = new Map<string, string>();
const fromCell = new Map<number, string>();
let nextWide = WIDE_FIRST;
let nextNarrow = NARROW_FIRST;

/** The one code point standing for `cluster`, or the cluster itself once the table is full (then blessed measures it per code point). */
function cellFor(cluster: string): string {
  let cell = toCell.get(cluster);
  if (cell !== undefined) return cell;
  const wide = graphemeWidth(cluster) === 2;
  if (wide ? nextWide > WIDE_LAST : nextNarrow > NARROW_LAST) return cluster;
  const cp = wide ? nextWide++ : nextNarrow++;
  cell = String.fromCodePoint(cp);
  toCell.set(cluster, cell);
  fromCell.set(cp, cluster);
  return cell;
}

/** Text as blessed should get it: each multi-code-point cluster (and each private-use character) one code point. */
export function encodeClusters(text: string): string {
  if (/^[\x00-\u02ff]*$/.test(text)) return text;
  let out = '';
  for (const g of graphemes(text)) {
    const single = g.length === 1 || (g.length === 2 && g.codePointAt(0)! > 0xffff);
    out += single && !PRIVATE.test(g) ? g : cellFor(g);
  }
  return out;
}

/** What blessed writes, with the clusters put back. */
export function decodeClusters(text: string): string {
  if (!PRIVATE.test(text)) return text;
  return text.replace(PRIVATE_G, (ch) => fromCell.get(ch.codePointAt(0)!) ?? ch);
}

/** Columns a code point blessed sees takes: a stand-in's is its cluster's. */
function cellWidth(cp: number): number {
  if (cp >= WIDE_FIRST && cp <= WIDE_LAST) return fromCell.has(cp) ? 2 : 1;
  if (cp >= NARROW_FIRST && cp <= NARROW_LAST) {
    const cluster = fromCell.get(cp);
    return cluster === undefined ? 1 : Math.max(1, graphemeWidth(cluster));
  }
  return codePointWidth(cp);
}

export function patchBlessedUnicode(): void {
  const require = createRequire(import.meta.url);
  const unicode = require('neo-blessed/lib/unicode.js') as BlessedUnicode;
  if (unicode.__chatPatched) return;
  const original = unicode.charWidth.bind(unicode);
  unicode.charWidth = (str, i) => {
    const point = typeof str === 'number' ? str : unicode.codePointAt(str, i ?? 0);
    if (point === 0x09 || point < 0x20 || (point >= 0x7f && point < 0xa0)) return original(str, i);
    return cellWidth(point);
  };
  // parseContent calls content.replace(chars.all, '$1\x03'): a placeholder after every
  // two-column character. The screen skips the cell after a character whose charWidth is 2.
  // Both must agree, so both come from cellWidth.
  unicode.chars.all = {
    [Symbol.replace](text: string, replacement: string) {
      return text.replace(/[\u1100-\u{10ffff}]/gu, (ch) => (cellWidth(ch.codePointAt(0)!) === 2 ? replacement.replace('$1', ch) : ch));
    },
  };
  const Element = require('neo-blessed/lib/widgets/element.js') as { prototype: BlessedElementProto };
  const setContent = Element.prototype.setContent;
  Element.prototype.setContent = function (this: BlessedElementProto, content, noClear, noTags) {
    return setContent.call(this, typeof content === 'string' ? encodeClusters(content) : content, noClear, noTags);
  };
  unicode.__chatPatched = true;
}

/** Decodes what a blessed program writes to the terminal (see encodeClusters). */
export function decodeProgramOutput(program: { _owrite(text: string): unknown; write(text: string): unknown }): void {
  const write = program._owrite.bind(program);
  program._owrite = program.write = (text: string) => write(typeof text === 'string' ? decodeClusters(text) : text);
}
