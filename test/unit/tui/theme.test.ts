import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isColor, paint, resolveTheme } from '../../../lib/tui/theme.ts';

test('colours: names, 0-255 and #rgb / #rrggbb', () => {
  for (const c of ['red', 'light-blue', 'bright-cyan', 'gray', 'grey', 'default', '0', '208', '255', '#fff', '#5f87af']) assert.ok(isColor(c), c);
  for (const c of ['purple', '256', '-1', '007', '#ffff', 'rgb(1,2,3)', '']) assert.not.ok(isColor(c), c);
});

test('a theme turns roles into blessed tags; monochrome uses no colour at all', () => {
  const t = resolveTheme({ own: '#5f87af' }, false);
  assert.is(paint(t.tag.own, 'x'), '{#5f87af-fg}x{/#5f87af-fg}');
  assert.is(paint(t.tag.others, 'x'), '{white-fg}x{/white-fg}');
  assert.equal(t.status, { fg: 'white', bg: 'blue' });
  const m = resolveTheme({ own: 'magenta' }, true);
  const all = JSON.stringify(m);
  assert.not.match(all, /-fg|-bg|magenta/);
  assert.is(paint(m.tag.own, 'x'), '{bold}x{/bold}');
  assert.equal(m.border, { focus: undefined, idle: undefined, overlay: undefined });
});

test.run();
