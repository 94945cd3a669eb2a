// Terminal column widths, measured per grapheme cluster the way a modern terminal draws them:
// East Asian Wide and Fullwidth characters and emoji take two columns, and so does a whole ZWJ
// sequence (👨‍👩‍👧), a flag (🇩🇪) or an emoji with a skin tone (👍🏽); combining marks and format
// characters take none. string-width holds the tables (it follows each Unicode release) and
// Intl.Segmenter finds the clusters. The bubble layout and blessed (see blessed-unicode.ts) both
// measure through here, so a border drawn after an emoji lands where the terminal puts it.
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter();

/** The grapheme clusters of `text`: what a terminal draws as one character. */
export function graphemes(text: string): string[] {
  // the common case, printable ASCII, has one cluster per character
  if (/^[\x20-\x7e]*$/.test(text)) return text.split('');
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

const cpCache = new Map<number, 0 | 1 | 2>();

/** Columns one code point takes on its own: 0, 1 or 2. Controls count 0 (they are stripped before display anyway). */
export function codePointWidth(cp: number): 0 | 1 | 2 {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  let w = cpCache.get(cp);
  if (w === undefined) {
    w = Math.min(2, stringWidth(String.fromCodePoint(cp))) as 0 | 1 | 2;
    cpCache.set(cp, w);
  }
  return w;
}

/** Columns one grapheme cluster takes: 0, 1 or 2. */
export function graphemeWidth(cluster: string): number {
  if (cluster.length === 1 || (cluster.length === 2 && cluster.codePointAt(0)! > 0xffff)) return codePointWidth(cluster.codePointAt(0)!);
  return Math.min(2, stringWidth(cluster));
}

/** Columns a string takes in the terminal. */
export function strWidth(text: string): number {
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const g of graphemes(text)) width += graphemeWidth(g);
  return width;
}

/** Pads with spaces on the right to `width` columns (no-op when already as wide). */
export function padEnd(text: string, width: number): string {
  const w = strWidth(text);
  return w >= width ? text : text + ' '.repeat(width - w);
}

/** The longest prefix of `text` that fits `width` columns, with an ellipsis when cut. Never splits a cluster. */
export function truncate(text: string, width: number): string {
  if (strWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let w = 0;
  for (const g of graphemes(text)) {
    const gw = graphemeWidth(g);
    if (w + gw > width - 1) break;
    out += g;
    w += gw;
  }
  return out + '…';
}

/**
 * Wraps text to lines of at most `width` columns: at spaces where it can, inside a word when a
 * word alone is too wide (never splitting a grapheme cluster across lines). `\n` starts a new
 * line; tabs become four spaces. Every returned line satisfies strWidth(line) <= width.
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
      // too long for any line: cut between clusters
      for (const g of graphemes(token)) {
        const gw = graphemeWidth(g);
        if (lineW + gw > max) {
          out.push(line.trimEnd());
          line = '';
          lineW = 0;
        }
        line += g;
        lineW += gw;
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}
