import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeTags, stripControls } from '../../../lib/client/sanitize.ts';
import { formatMessage } from '../../../lib/cli/output.ts';

test('stripControls removes what could move the cursor, retitle the window or reorder the line', () => {
  assert.is(stripControls('a\x1b]0;pwned\x07\x1b[2Jb'), 'a]0;pwned[2Jb');
  assert.is(stripControls('nul\u0000 del\u007f c1\u0085\u009b'), 'nul del c1');
  assert.is(stripControls('rtl\u202e override \u2066isolate\u2069'), 'rtl override isolate');
  assert.is(stripControls('keeps\nnewline\tand tab, 中文 and 🎉'), 'keeps\nnewline\tand tab, 中文 and 🎉');
});

test('escapeTags makes blessed markup literal', () => {
  assert.is(escapeTags('{red-fg}x{/red-fg}'), '{open}red-fg{close}x{open}/red-fg{close}');
});

test('the CLI prints hostile messages harmlessly: no escape byte reaches the terminal', () => {
  const line = formatMessage({ conversation: 'c1', seq: 1, from: 'm\x1b[31mallory', to: 'bob', text: '\x1b]0;pwned\x07\x1b[2J{red-fg}', ts: '2026-01-01T00:00:00.000Z' });
  assert.not.ok(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(line), JSON.stringify(line));
  assert.ok(line.includes('{red-fg}'), 'text stays readable');
});

test.run();
