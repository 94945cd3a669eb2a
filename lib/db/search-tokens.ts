// What search matches, decided once for both stores. Pure: no I/O.
//
// A message matches a query when every whitespace-separated term of the query is a substring of
// the message's text, both folded the same way (NFKC, then lower case). Chinese has no spaces and
// most of its words are two characters (数据, 会议), and a term may be any part of a word ("ello"
// finds "hello"), so no word tokenizer fits. Instead each store indexes the same tokens, made
// here: every pair of neighbouring characters within a whitespace-separated run, and the run's
// last character alone. Every character of the text then begins at least one token, so:
// - a term of two or more characters needs each of its pairs to be indexed (an AND of tokens);
// - a term of one character needs some token that begins with it (a prefix of tokens).
// Both only narrow the candidates; `matches` then checks the real substrings, so the two stores
// find exactly the same messages however their indexes differ (FTS5 in SQLite, a table in MySQL).

/** Only this many characters of a text are indexed (and matched): a huge paste costs a bounded index. */
export const INDEX_MAX_CHARS = 10_000;
/** A term's pairs beyond this many are not looked up; `matches` still checks the whole term. */
export const MAX_QUERY_TOKENS = 8;
export const QUERY_MAX_LENGTH = 256;

/** The text as search sees it: folded, and cut to what is indexed. */
export function foldText(text: string): string {
  const folded = text.normalize('NFKC').toLowerCase();
  if (folded.length <= INDEX_MAX_CHARS) return folded; // UTF-16 units: never fewer than characters
  return Array.from(folded).slice(0, INDEX_MAX_CHARS).join('');
}

const WHITESPACE = /\s+/u;

/** The distinct tokens of a text: neighbouring pairs of each run, and each run's last character. */
export function indexTokens(text: string): string[] {
  const tokens = new Set<string>();
  for (const run of foldText(text).split(WHITESPACE)) {
    let prev = '';
    for (const c of run) {
      if (prev !== '') tokens.add(prev + c);
      prev = c;
    }
    if (prev !== '') tokens.add(prev);
  }
  return [...tokens];
}

// What `\s` matches with the `u` flag (WhiteSpace and LineTerminator, ECMA-262): the runs of
// indexTokens are split at these. A unit test holds this list to the regular expression.
function isSpace(cp: number): boolean {
  if (cp < 0x80) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  return cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f
    || cp === 0x205f || cp === 0x3000 || cp === 0xfeff;
}

const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The hex of one code point's UTF-8 bytes (a lone surrogate as U+FFFD, as Buffer.from writes it). */
function codePointHex(cp: number): string {
  if (cp < 0x80) return BYTE_HEX[cp]!;
  if (cp < 0x800) return BYTE_HEX[0xc0 | (cp >> 6)]! + BYTE_HEX[0x80 | (cp & 0x3f)]!;
  if (cp >= 0xd800 && cp <= 0xdfff) return 'efbfbd';
  if (cp < 0x10000) return BYTE_HEX[0xe0 | (cp >> 12)]! + BYTE_HEX[0x80 | ((cp >> 6) & 0x3f)]! + BYTE_HEX[0x80 | (cp & 0x3f)]!;
  return BYTE_HEX[0xf0 | (cp >> 18)]! + BYTE_HEX[0x80 | ((cp >> 12) & 0x3f)]! + BYTE_HEX[0x80 | ((cp >> 6) & 0x3f)]! + BYTE_HEX[0x80 | (cp & 0x3f)]!;
}

/**
 * Whether the text is all ASCII: then NFKC leaves it as it is (lower-casing still applies). Its
 * UTF-8 length equals its length in UTF-16 units exactly then (any other unit, a lone surrogate
 * too, takes more than one byte), and V8 counts that several times faster than a regular
 * expression scans an ASCII text.
 */
const isAscii = (text: string): boolean => Buffer.byteLength(text, 'utf8') === text.length;

// Reused by every call (JS runs one at a time): which tokens this text already has. ASCII tokens
// are marked in a table with the call's stamp (no clearing), the others kept in a set.
const ASCII_KEYS = 128 * 129;
const asciiSeen = new Int32Array(ASCII_KEYS);
let stamp = 0;
const otherSeen = new Set<number>();

// An ASCII unit as a token character: lower-cased, and -1 for the whitespace that ends a run.
const ASCII_FOLD = Int16Array.from({ length: 128 }, (_, c) =>
  (c === 0x20 || (c >= 0x09 && c <= 0x0d) ? -1 : c >= 0x41 && c <= 0x5a ? c + 0x20 : c));

/** indexTokenHexes of an all-ASCII text: lower-cased a unit at a time, every unit a character. */
function asciiTokenHexes(text: string, out: string[]): string[] {
  const n = Math.min(text.length, INDEX_MAX_CHARS);
  // Locals, not the module's bindings: read from the module scope on every unit, they showed
  // as a fifth of this loop's time (this runs for every stored message).
  const seen = asciiSeen;
  const fold = ASCII_FOLD;
  const s = stamp;
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const c = fold[text.charCodeAt(i)]!;
    if (prev >= 0) {
      const key = prev * 129 + c + 1;
      if (seen[key] !== s) {
        seen[key] = s;
        out.push(c < 0 ? BYTE_HEX[prev]! : BYTE_HEX[prev]! + BYTE_HEX[c]!);
      }
    }
    prev = c;
  }
  // the last run ends with the text
  if (prev >= 0 && seen[prev * 129] !== s) {
    seen[prev * 129] = s;
    out.push(BYTE_HEX[prev]!);
  }
  return out;
}

/**
 * indexTokens(text).map(tokenHex), in the same order, without making a string per character
 * or per pair: this runs once per stored message, inside its transaction. A token is keyed by
 * its code points as one number, and its hex is only built the first time the text has it.
 */
export function indexTokenHexes(text: string): string[] {
  return blockTokenHexes([text]);
}

/**
 * The distinct token hexes of several texts together (their union, each text's in its order):
 * SQLite indexes a block of messages as one row (sqlite-search.ts). One stamp covers the block,
 * so a token the block already has costs no lookup of a set of strings.
 */
export function blockTokenHexes(texts: readonly string[]): string[] {
  const out: string[] = [];
  if (++stamp === 0x7fffffff) {
    asciiSeen.fill(0);
    stamp = 1;
  }
  otherSeen.clear();
  for (const text of texts) {
    if (isAscii(text)) asciiTokenHexes(text, out);
    else otherTokenHexes(text, out);
  }
  otherSeen.clear();
  return out;
}

function otherTokenHexes(text: string, out: string[]): void {
  const folded = text.normalize('NFKC').toLowerCase();
  let prev = -1;
  let chars = 0;
  for (let i = 0; ; chars++) {
    // cp is -1 past the end (or the indexed length): the last run ends there
    let cp = -1;
    if (i < folded.length && chars < INDEX_MAX_CHARS) {
      cp = folded.charCodeAt(i++);
      if (cp >= 0xd800 && cp < 0xdc00 && i < folded.length) {
        const low = folded.charCodeAt(i);
        if (low >= 0xdc00 && low < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      if (isSpace(cp)) cp = -1;
    }
    if (prev >= 0) {
      // the pair (prev, cp), or prev alone when its run ends here (cp -1)
      if (prev < 0x80 && cp < 0x80) {
        const key = prev * 129 + cp + 1;
        if (asciiSeen[key] !== stamp) {
          asciiSeen[key] = stamp;
          out.push(cp < 0 ? BYTE_HEX[prev]! : BYTE_HEX[prev]! + BYTE_HEX[cp]!);
        }
      } else {
        const key = prev * 0x110001 + cp + 1;
        if (!otherSeen.has(key)) {
          otherSeen.add(key);
          out.push(cp < 0 ? codePointHex(prev) : codePointHex(prev) + codePointHex(cp));
        }
      }
    }
    if (cp < 0 && (i >= folded.length || chars >= INDEX_MAX_CHARS)) break;
    prev = cp;
  }
}

// Texts share most of their tokens, so their hex is kept (bounded: a flood of distinct tokens only
// ever clears the map); encoding each token anew was most of the tokenizer's cost per message.
const hexCache = new Map<string, string>();
const HEX_CACHE_MAX = 50_000;

/** The hex of a token's UTF-8 bytes: SQLite's FTS5 column holds it, MySQL gets it as a x'…' literal. */
export function tokenHex(token: string): string {
  let h = hexCache.get(token);
  if (h === undefined) {
    h = Buffer.from(token, 'utf8').toString('hex');
    if (hexCache.size >= HEX_CACHE_MAX) hexCache.clear();
    hexCache.set(token, h);
  }
  return h;
}

/**
 * How a store narrows a query: all of `tokens` indexed for the message, or, when every term is a
 * single character, some token that begins with `prefix`.
 */
export type SearchPlan =
  | { terms: string[]; tokens: string[]; prefix?: undefined }
  | { terms: string[]; prefix: string; tokens?: undefined };

/** The plan for a query, or null when it holds nothing to search for (only whitespace). */
export function planSearch(query: string): SearchPlan | null {
  const terms = [...new Set(foldText(query).split(WHITESPACE).filter((t) => t.length > 0))];
  if (terms.length === 0) return null;
  const tokens = new Set<string>();
  for (const term of terms) {
    const chars = Array.from(term);
    for (let i = 0; i + 1 < chars.length; i++) tokens.add(chars[i]! + chars[i + 1]!);
  }
  // Any subset of a term's pairs still holds for every message containing the term.
  if (tokens.size > 0) return { terms, tokens: [...tokens].slice(0, MAX_QUERY_TOKENS) };
  return { terms, prefix: terms[0]! };
}

/** Whether a message text holds every term of the plan. */
export function matches(text: string, plan: SearchPlan): boolean {
  const folded = foldText(text);
  return plan.terms.every((t) => folded.includes(t));
}

/**
 * The exclusive upper bound of the tokens that begin with `prefix` (a single character): the next
 * code point, skipping the surrogate range, which no string of whole characters holds. Byte order
 * of UTF-8 (SQLite BINARY, MySQL VARBINARY) is code point order, so the range is the prefix's.
 */
export function prefixEnd(prefix: string): string | null {
  const cp = prefix.codePointAt(0)!;
  if (cp >= 0x10ffff) return null;
  return String.fromCodePoint(cp + 1 === 0xd800 ? 0xe000 : cp + 1);
}

const SNIPPET_CHARS = 80;

/**
 * A short part of the text around the first term's first occurrence, with "…" where it was cut.
 * Characters are folded one at a time here, to map the match back onto the original text; a
 * term found only by whole-text folding gives the text's start instead.
 */
export function snippet(text: string, plan: SearchPlan): string {
  const chars = Array.from(text);
  let folded = '';
  const origin: number[] = []; // origin[k]: the character of `text` that folded char k came from
  for (let i = 0; i < chars.length && i < INDEX_MAX_CHARS; i++) {
    for (const c of chars[i]!.normalize('NFKC').toLowerCase()) {
      folded += c;
      origin.push(i);
    }
  }
  const term = plan.terms[0]!;
  const at = folded.indexOf(term);
  const hit = at < 0 ? 0 : origin[Array.from(folded.slice(0, at)).length] ?? 0;
  if (chars.length <= SNIPPET_CHARS) return text;
  const start = Math.max(0, Math.min(hit - Math.floor(SNIPPET_CHARS / 3), chars.length - SNIPPET_CHARS));
  const end = Math.min(chars.length, start + SNIPPET_CHARS);
  return `${start > 0 ? '…' : ''}${chars.slice(start, end).join('')}${end < chars.length ? '…' : ''}`;
}
