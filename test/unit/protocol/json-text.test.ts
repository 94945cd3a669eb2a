// The hand-written frame pieces must be byte for byte what JSON.stringify and toISOString give.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isoTime, jsonString } from '../../../lib/protocol/json-text.ts';

test('jsonString equals JSON.stringify on strings that need escaping and on those that do not', () => {
  const cases = [
    '', 'hello', 'emoji 😀 and CJK 你好', 'quote " inside', 'back\\slash', 'tab\tnew\nline\r',
    '\u0000\u0001\u001f\u007f', '\u2028\u2029\u0085', 'lone \ud800 high', 'lone \udc00 low', '\ud83d',
    "'; DROP TABLE messages; --", '\u001b[31mred\u001b[0m', '</script>', 'x'.repeat(4000),
  ];
  for (const s of cases) assert.is(jsonString(s), JSON.stringify(s), JSON.stringify(s));
});

test('jsonString equals JSON.stringify on random strings of every code unit range', () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const pools = [0x80, 0x800, 0x10000];
  for (let i = 0; i < 5000; i++) {
    const len = rand(20);
    let s = '';
    for (let j = 0; j < len; j++) s += String.fromCharCode(rand(pools[rand(pools.length)]!));
    assert.is(jsonString(s), JSON.stringify(s), JSON.stringify(s));
  }
});

test('isoTime equals toISOString: same second, next second, leap day, epoch, far dates', () => {
  const base = Date.UTC(2026, 10, 27, 6, 59, 59, 998);
  const cases = [
    base, base + 1, base + 2, base + 3, base - 1000, base + 86_400_000, 0, 1, 999, 1000, -1, -999, -1000, -1001,
    Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(1969, 11, 31, 23, 59, 59, 5),
    -62_135_596_800_000, -62_135_596_800_001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15,
  ];
  for (const ms of cases) assert.is(isoTime(ms), new Date(ms).toISOString(), String(ms));
  // Interleaved seconds: the cached prefix must follow every change.
  for (let i = 0; i < 20_000; i++) {
    const ms = base + ((i * 7919) % 5000) - 2500;
    assert.is(isoTime(ms), new Date(ms).toISOString(), String(ms));
  }
});

test('isoTime of a fraction falls back to toISOString (which truncates)', () => {
  assert.is(isoTime(1000.5), new Date(1000.5).toISOString());
  assert.throws(() => isoTime(Number.NaN), RangeError, 'an invalid time throws as toISOString does');
});

test.run();
