// Tab completion and input history: which words complete from which names, Tab cycling through
// candidates (and back), Tab left to switch focus when nothing completes, and Ctrl-↑/↓ walking
// per-conversation history back to the draft.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { candidates, type Names } from '../../../lib/tui/complete.ts';
import { KeyMap } from '../../../lib/tui/keys.ts';
import { canComplete, initialState, reduce, type Action, type State } from '../../../lib/tui/state.ts';

const test = suite('complete');
const names: Names = { friends: ['bob', 'Bella', 'carol'], groups: ['dev', 'design'], requestsIn: ['dan'], requestsOut: ['erin'], members: [] };
const at = (value: string, cursor = value.length) => candidates({ value, cursor }, names);
const apply = (s: State, ...actions: Action[]) => actions.reduce(reduce, s);

test('slash commands, and the arguments each command takes', () => {
  assert.equal(at('/me')?.options, ['/members']);
  assert.equal(at('/')?.options.length, 14);
  assert.equal(at('/pa')?.options, ['/passwd']);
  assert.equal(at('/accept d')?.options, ['dan'], 'incoming requests');
  assert.equal(at('/remove e')?.options, ['erin'], 'friends and outgoing requests');
  assert.equal(at('/leave d')?.options, ['design', 'dev']);
  assert.equal(at('/members #de')?.options, ['#design', '#dev']);
  assert.is(at('/add b'), null, 'any user: nothing to offer');
  assert.is(at('/leave dev x'), null, 'only the first argument');
});

test('@ completes members of the open group (friends when none are known), # groups, plain words friends', () => {
  assert.equal(at('hi @b')?.options, ['@Bella', '@bob'], 'case-insensitive, sorted');
  assert.equal(candidates({ value: 'hi @a', cursor: 5 }, { ...names, members: ['alice', 'anna'] })?.options, ['@alice', '@anna']);
  assert.equal(at('see #d')?.options, ['#design', '#dev']);
  assert.equal(at('car')?.options, ['carol']);
  assert.is(at('hello '), null, 'after a space: no word');
  assert.is(at('bobby', 2), null, 'inside a word');
  assert.is(at('zz'), null, 'no candidates');
  assert.is(at('carol'), null, 'already complete');
});

function chat(): State {
  let s = apply(initialState({ server: 'h:1', user: 'me' }), { t: 'logged_in', user: 'me', server: 'h:1' });
  s = apply(s, { t: 'roster', friends: { friends: names.friends.map((name) => ({ name, online: true })), requests: [] }, groups: { groups: [{ name: 'dev', desc: '', role: 'member', members: 3, private: false, history: 'shared' }], invites: [] }, conversations: [] });
  return s;
}

test('Tab cycles through the candidates and Shift-Tab back; a sole candidate gets a space; typing ends the cycle', () => {
  let s = apply(chat(), { t: 'edit', target: 'input', op: { insert: 'hey b' } });
  assert.ok(canComplete(s));
  s = apply(s, { t: 'complete', delta: 1 });
  assert.is(s.input.value, 'hey Bella');
  s = apply(s, { t: 'complete', delta: 1 });
  assert.is(s.input.value, 'hey bob');
  s = apply(s, { t: 'complete', delta: 1 });
  assert.is(s.input.value, 'hey Bella', 'round again');
  s = apply(s, { t: 'complete', delta: -1 });
  assert.is(s.input.value, 'hey bob');
  s = apply(s, { t: 'edit', target: 'input', op: { insert: ' and c' } }, { t: 'complete', delta: 1 });
  assert.is(s.input.value, 'hey bob and carol ');
  assert.is(s.input.cursor, s.input.value.length);
  s = apply(s, { t: 'edit', target: 'input', op: 'clear' });
  assert.not.ok(canComplete(s), 'an empty input: Tab switches focus');
  s = apply(s, { t: 'open', key: '#dev' }, { t: 'members', group: 'dev', names: ['me', 'mallory', 'max'] }, { t: 'edit', target: 'input', op: { insert: '@m' } });
  s = apply(s, { t: 'complete', delta: 1 });
  assert.is(s.input.value, '@mallory', 'members of the open group, without me');
});

test('Ctrl-↑/↓ walk what was typed in this conversation, and come back to the draft', () => {
  let s = apply(chat(), { t: 'open', key: '@bob' }, { t: 'remember', key: '@bob', text: 'one' }, { t: 'remember', key: '@bob', text: 'two' }, { t: 'remember', key: '@carol', text: 'elsewhere' });
  s = apply(s, { t: 'edit', target: 'input', op: { insert: 'draft' } }, { t: 'recall', delta: -1 });
  assert.is(s.input.value, 'two');
  s = apply(s, { t: 'recall', delta: -1 });
  assert.is(s.input.value, 'one');
  s = apply(s, { t: 'recall', delta: -1 });
  assert.is(s.input.value, 'one', 'stops at the oldest');
  s = apply(s, { t: 'recall', delta: 1 }, { t: 'recall', delta: 1 });
  assert.is(s.input.value, 'draft');
  assert.is(s.recall, null);
  s = apply(s, { t: 'open', key: '@carol' }, { t: 'edit', target: 'input', op: 'clear' }, { t: 'recall', delta: -1 });
  assert.is(s.input.value, 'elsewhere', 'per conversation');
});

test('one key, several actions: the table order decides which is tried first', () => {
  const keys = new KeyMap();
  assert.equal(keys.actionsFor('tab'), ['complete', 'switch_focus']);
  assert.equal(keys.actionsFor('C-up'), ['history_previous']);
  assert.equal(keys.actionsFor('up'), [], '↑ is left to the conversation layer (edit the last message)');
  assert.is(keys.describe('jump_unread'), 'Alt-U');
});

test.run();
