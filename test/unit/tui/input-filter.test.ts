// The input filter: focus events and bracketed pastes come out of the byte stream as events,
// keys around them go on untouched, and every marker can be split between reads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InputFilter, type InputEvent } from '../../../lib/tui/input-filter.ts';

const test = suite('input-filter');

/** Feeds `reads` and merges adjacent key events (how reads split keys does not matter). */
function run(reads: string[]): InputEvent[] {
  const f = new InputFilter();
  const out: InputEvent[] = [];
  for (const r of reads) out.push(...f.feed(r));
  out.push(...f.flush());
  return out.reduce<InputEvent[]>((acc, e) => {
    const last = acc.at(-1);
    if (e.t === 'keys' && last?.t === 'keys') acc[acc.length - 1] = { t: 'keys', data: last.data + e.data };
    else acc.push(e);
    return acc;
  }, []);
}

test('keys pass untouched, escape sequences too', () => {
  assert.equal(run(['abc\x1b[5~\x1b\r\x1bu']), [{ t: 'keys', data: 'abc\x1b[5~\x1b\r\x1bu' }]);
  assert.equal(run(['\x1b']), [{ t: 'keys', data: '\x1b' }], 'a lone Escape comes out on flush (the view flushes when no more input follows)');
  const f = new InputFilter();
  assert.equal(f.feed('\x1b'), []);
  assert.ok(f.holding);
  assert.equal(f.feed('x'), [{ t: 'keys', data: '\x1bx' }], 'or with the next read');
});

test('focus events come out, with the keys of the same read kept on either side', () => {
  assert.equal(run(['x\x1b[Oy\x1b[I\x1ba']), [
    { t: 'keys', data: 'x' }, { t: 'focus', focused: false }, { t: 'keys', data: 'y' }, { t: 'focus', focused: true }, { t: 'keys', data: '\x1ba' },
  ]);
});

test('a paste is one event, newlines and escapes inside it are text, never keys', () => {
  assert.equal(run(['a\x1b[200~line 1\r\nline 2\x1b[5~\x1b[201~b']), [
    { t: 'keys', data: 'a' }, { t: 'paste', text: 'line 1\r\nline 2\x1b[5~' }, { t: 'keys', data: 'b' },
  ]);
});

test('split at every boundary, a paste with a focus event after it comes out the same', () => {
  const whole = 'k\x1b[200~one\rtwo\x1b[201~\x1b[Oz';
  const expected = run([whole]);
  for (let i = 1; i < whole.length; i++) {
    for (let j = i; j < whole.length; j++) {
      assert.equal(run([whole.slice(0, i), whole.slice(i, j), whole.slice(j)].filter(Boolean)), expected, `split at ${i}, ${j}`);
    }
  }
});

test.run();
