// Property-based fuzzing of the pure protocol layer: whatever bytes arrive, the decoder and
// the validators answer with a documented outcome and never throw.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES } from '../../../lib/protocol/errors.ts';
import { LineDecoder } from '../../../lib/protocol/framing.ts';
import { REQUEST_TYPES } from '../../../lib/protocol/messages.ts';
import { parseRequest } from '../../../lib/protocol/validate.ts';

const fuzz = suite('protocol fuzz');
const RUNS = 2000;
const isCode = (c: unknown) => typeof c === 'string' && Object.hasOwn(ERROR_CODES, c);

fuzz('the decoder never throws, never holds more than the limit, and fails only with its codes', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.integer({ min: 16, max: 512 }), (chunks, max) => {
      const decoder = new LineDecoder(max);
      for (const chunk of chunks) {
        const err = decoder.push(Buffer.from(chunk), (line) => {
          assert.ok(Buffer.byteLength(line) <= max);
          assert.not.ok(line.includes('\n'));
        });
        assert.ok(decoder.buffered <= max + 1);
        if (err) assert.ok(err === 'CHAT_ERR_LINE_TOO_LONG' || err === 'CHAT_ERR_BAD_UTF8', err);
      }
    }),
    { numRuns: RUNS },
  );
});

fuzz('splitting a stream anywhere never changes what the decoder yields', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 8 }), (lines, cuts) => {
      const bytes = Buffer.from(lines.map((l) => l.replace(/[\r\n]/g, '') + '\n').join(''));
      const whole: string[] = [];
      new LineDecoder(1 << 20).push(bytes, (l) => whole.push(l));
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const split: string[] = [];
      const decoder = new LineDecoder(1 << 20);
      let from = 0;
      for (const p of [...points, bytes.length]) {
        decoder.push(bytes.subarray(from, p), (l) => split.push(l));
        from = p;
      }
      assert.equal(split, whole);
    }),
    { numRuns: RUNS },
  );
});

// Values of every JSON shape, including the keys an attacker reaches for.
const nasty = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '', '__proto__', 'constructor'),
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'type', 'from')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

fuzz('every frame shape gets a typed request or a documented error, and nothing is polluted', () => {
  const fields = ['user', 'password', 'token', 'group', 'desc', 'to', 'with', 'text', 'client_msg_id', 'conversation', 'seq', 'after', 'before', 'limit', 'version', 'id',
    'reply_to', 'emoji', 'remove', 'private', 'history', 'role', 'level', 'query', 'cursor', 'from', 'prefix', 'new_password', 'keep_sessions', 'all', 'session', 'mentions'];
  fc.assert(
    fc.property(
      fc.oneof(fc.constantFrom(...REQUEST_TYPES), fc.string()),
      fc.dictionary(fc.constantFrom(...fields), nasty, { maxKeys: 6 }),
      (type, body) => {
        const line = JSON.stringify({ ...body, type });
        const r = parseRequest(line);
        if (r.ok) {
          assert.ok(REQUEST_TYPES.includes(r.request.type));
          // A client never names the sender of what it sends; `search`'s `from` is a filter (by sender).
          if (r.request.type !== 'search') assert.not.ok(Object.hasOwn(r.request.body, 'from'));
        } else {
          assert.ok(isCode(r.code), r.code);
        }
        assert.is(({} as Record<string, unknown>).polluted, undefined);
      },
    ),
    { numRuns: RUNS * 5 },
  );
});

fuzz('arbitrary text and deep nesting never throw out of parseRequest', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (line) => {
      const r = parseRequest(line);
      if (!r.ok) assert.ok(isCode(r.code));
    }),
    { numRuns: RUNS },
  );
  for (const depth of [1000, 100_000]) {
    const r = parseRequest('['.repeat(depth) + ']'.repeat(depth));
    assert.is(r.ok, false);
    assert.ok(!r.ok && isCode(r.code));
  }
  const polluting = parseRequest('{"id":1,"type":"ping","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}');
  assert.is(polluting.ok, true);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

fuzz.run();
