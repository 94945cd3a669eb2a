// The one key table: the defaults resolve without a clash, an override replaces one action's
// keys, clashes are found per scope, and typing keys are refused where they would take the input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ACTIONS, DEFAULT_KEYS, isKeyName, KeyMap, resolveKeyMap, SCOPE, unbindable } from '../../../lib/tui/keys.ts';

test('the defaults have no clash and every default key is a key name', () => {
  assert.equal(resolveKeyMap({}).clash, undefined);
  for (const a of ACTIONS) for (const k of DEFAULT_KEYS[a]) assert.ok(isKeyName(k), `${a}: ${k}`);
  for (const a of ['jump_unread', 'jump_hotlist', 'page_up', 'select_message', 'edit_last', 'pick_older', 'result_open', 'toggle_list', 'close_overlay'] as const) assert.ok(ACTIONS.includes(a), a);
});

test('an override replaces that action\'s keys only; a key on two actions that would shadow each other is a clash', () => {
  const { keys, clash } = resolveKeyMap({ next_conversation: ['M-pagedown'] });
  assert.equal(keys.next_conversation, ['M-pagedown']);
  assert.equal(keys.previous_conversation, DEFAULT_KEYS.previous_conversation);
  assert.is(clash, undefined);
  assert.equal(resolveKeyMap({ retry: ['C-n'] }).clash, { key: 'C-n', actions: ['next_conversation', 'retry'] });
  assert.equal(resolveKeyMap({ jump_unread: ['C-x'] }).clash, { key: 'C-x', actions: ['jump_unread', 'select_message'] }, 'a global key would take the input\'s');
  assert.is(resolveKeyMap({ close_overlay: ['C-n'] }).clash, undefined, 'overlay keys act only while it is open');
  assert.is(resolveKeyMap({ result_open: ['C-n'] }).clash, undefined, 'nor do the search results\' keys');
  assert.equal(resolveKeyMap({ edit: ['d'] }).clash, { key: 'd', actions: ['edit', 'delete'] }, 'one scope, one key, one action');
  const map = new KeyMap(keys);
  assert.equal(map.actionsFor('M-pagedown'), ['next_conversation']);
  assert.equal(map.actionsFor('C-n'), []);
  assert.equal(map.actionsFor('up', 'select'), ['pick_older']);
  assert.equal(map.actionsFor('up', 'input'), ['edit_last']);
  assert.equal(map.actionsFor('up'), [], 'no global action takes ↑');
});

test('key names: blessed spellings in; typing keys refused for global actions only', () => {
  for (const k of ['C-x', 'M-x', 'S-tab', 'C-M-x', 'pageup', 'f12', 'escape', 'q', '?']) assert.ok(isKeyName(k), k);
  for (const k of ['Ctrl+x', 'ctrl-x', 'f13', 'PageUp', '', 'C-']) assert.not.ok(isKeyName(k), k);
  assert.ok(unbindable('quit', 'q'));
  assert.ok(unbindable('page_up', 'up'));
  assert.ok(unbindable('jump_hotlist', 'S-q'));
  assert.is(unbindable('quit', 'C-q'), null);
  assert.is(unbindable('close_overlay', 'q'), null);
  assert.is(unbindable('react', '*'), null, 'selection mode keys are letters');
  assert.is(SCOPE.edit_last, 'input');
});

test('describe: what /help prints', () => {
  const map = new KeyMap();
  assert.is(map.describe('jump_unread'), 'Alt-U');
  assert.is(map.describe('pick_older'), '↑ / k');
  assert.is(map.describe('select_done'), 'Esc / Ctrl-X');
});

test.run();
