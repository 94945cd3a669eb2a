// neo-blessed's width table predates emoji: it draws 😀 in one cell, the terminal in two, and
// everything after it on that row (a bubble's right border, say) lands one column out. This
// teaches blessed's unicode module the widths of width.ts, so blessed reserves the second cell
// (its own mechanism for wide CJK characters: a placeholder cell that is not printed).
import { createRequire } from 'node:module';
import { codePointWidth, wideCharClass } from './width.ts';

interface BlessedUnicode {
  charWidth(str: string | number, i?: number): number;
  codePointAt(str: string, i: number): number;
  chars: { all: RegExp; wide: RegExp };
  __chatPatched?: boolean;
}

export function patchBlessedUnicode(): void {
  const require = createRequire(import.meta.url);
  const unicode = require('neo-blessed/lib/unicode.js') as BlessedUnicode;
  if (unicode.__chatPatched) return;
  const original = unicode.charWidth.bind(unicode);
  unicode.charWidth = (str, i) => {
    const point = typeof str === 'number' ? str : unicode.codePointAt(str, i ?? 0);
    if (point === 0x09 || point < 0x20 || (point >= 0x7f && point < 0xa0)) return original(str, i);
    return codePointWidth(point);
  };
  // parseContent appends a placeholder after every match; the screen skips the cell after a
  // character whose charWidth is 2. Both must agree, so both come from width.ts.
  unicode.chars.all = new RegExp(`(${wideCharClass()})`, 'gu');
  unicode.__chatPatched = true;
}
