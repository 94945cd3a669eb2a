/**
 * Pieces of JSON text for the frames lib/protocol/frames.ts writes by hand on the hot path (the
 * message push and the `send` ack).
 * Each returns exactly what JSON.stringify / Date#toISOString would, only cheaper in the
 * common case; a unit test compares them over edge cases and random input.
 */

// A quote, a backslash or a C0 control character: what JSON.stringify escapes in a well-formed
// string. Lone surrogates are the other case; isWellFormed() catches them.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** JSON.stringify(s) for a string. Most chat text needs no escaping; then no serializer runs. */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) || !s.isWellFormed() ? JSON.stringify(s) : `"${s}"`;
}

// toISOString is a measurable share of the server's CPU per message in the bench's W64 scenario
// (docs/performance-notes.md), and it runs once per message. The messages of one batch carry timestamps within the same second, so the
// part up to the seconds is kept and only the milliseconds are written.
let cachedSecond = Number.NaN;
let cachedPrefix = '';
// 0001-01-01 and 9999-12-31: outside, toISOString writes a sign and six-digit years.
const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_799_999;

/** new Date(ms).toISOString() for an integer ms timestamp. */
export function isoTime(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < MIN_MS || ms > MAX_MS) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20); // "YYYY-MM-DDTHH:MM:SS."
    cachedSecond = second;
  }
  const milli = ms - second * 1000;
  return `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
