import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { actionFor, ACTIONS, DEFAULT_KEYS, isKeyName, resolveKeyMap, unbindable } from '../../../lib/tui/keymap.ts';

test('the defaults have no clash and every default key is a key name', () => {
  assert.equal(resolveKeyMap({}).clash, undefined);
  for (const a of ACTIONS) for (const k of DEFAULT_KEYS[a]) assert.ok(isKeyName(k), `${a}: ${k}`);
});

test('an override replaces that action\'s keys only; a key on two global actions is a clash', () => {
  const { keys, clash } = resolveKeyMap({ next_conversation: ['M-down'] });
  assert.equal(keys.next_conversation, ['M-down']);
  assert.equal(keys.prev_conversation, DEFAULT_KEYS.prev_conversation);
  assert.is(clash, undefined);
  assert.equal(resolveKeyMap({ reconnect: ['C-n'] }).clash, { key: 'C-n', actions: ['next_conversation', 'reconnect'] });
  assert.is(resolveKeyMap({ close_overlay: ['C-n'] }).clash, undefined, 'overlay keys act only while it is open');
  assert.is(actionFor(keys, 'M-down'), 'next_conversation');
  assert.is(actionFor(keys, 'C-n'), undefined);
});

test('key names: blessed spellings in; typing keys refused for global actions', () => {
  for (const k of ['C-x', 'M-x', 'S-tab', 'C-M-x', 'pageup', 'f12', 'escape', 'q', '?']) assert.ok(isKeyName(k), k);
  for (const k of ['Ctrl+x', 'ctrl-x', 'f13', 'PageUp', '', 'C-']) assert.not.ok(isKeyName(k), k);
  assert.ok(unbindable('quit', 'q'));
  assert.ok(unbindable('page_up', 'up'));
  assert.ok(unbindable('quit', 'S-q'));
  assert.is(unbindable('quit', 'C-q'), null);
  assert.is(unbindable('close_overlay', 'q'), null);
});

test.run();
