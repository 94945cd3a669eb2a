// The TUI's reducer: unread counts, dedup by seq, the "new" marker, ordering of the list,
// scrolling and the input, all without a terminal or a server.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationView, MessageView } from '../../../lib/protocol/messages.ts';
import { entries, initialState, reduce, type Action, type State } from '../../../lib/tui/state.ts';

const test = suite('state');

const apply = (s: State, ...actions: Action[]) => actions.reduce(reduce, s);

function loggedIn(): State {
  return apply(initialState({ server: '127.0.0.1:6000', user: 'me' }), { t: 'logged_in', user: 'me', server: '127.0.0.1:6000' });
}

const dm = (seq: number, from: string, text = `m${seq}`, peer = 'bob'): MessageView => ({
  conversation: 'c1', seq, from, to: from === 'me' ? peer : 'me', text, ts: '2026-11-26T10:00:00.000Z',
});
const gm = (seq: number, from: string, group = 'dev'): MessageView => ({ conversation: 'c9', seq, from, group, text: `g${seq}`, ts: '2026-11-26T10:00:00.000Z' });

const roster = (conversations: ConversationView[], friends = [{ name: 'bob', online: true }, { name: 'carol', online: false }]): Action => ({
  t: 'roster',
  friends: { friends, requests: [] },
  groups: { groups: [{ name: 'dev', desc: 'dev talk', role: 'member', members: 3 }] },
  conversations,
});

test('the login screen is prefilled and logging in switches to the chat and forgets the password', () => {
  let s = initialState({ server: 'h:1', user: 'me' });
  assert.is(s.screen, 'login');
  assert.is(s.login.fields[0].value, 'h:1');
  assert.is(s.login.fields[1].value, 'me');
  assert.is(s.login.focus, 2, 'with a user given, the cursor starts in the password');
  s = apply(s, { t: 'edit', target: 2, op: { insert: 'secret-pw' } }, { t: 'login_busy' });
  assert.is(s.login.fields[2].value, 'secret-pw');
  s = apply(s, { t: 'login_failed', error: 'Wrong user name or password.' });
  assert.is(s.screen, 'login');
  assert.is(s.login.error, 'Wrong user name or password.');
  assert.is(s.login.busy, false);
  s = apply(s, { t: 'logged_in', user: 'me', server: 'h:1' });
  assert.is(s.screen, 'chat');
  assert.is(s.login.fields[2].value, '');
  assert.is(apply(s, { t: 'login_focus', focus: 5 }).login.focus, 0, 'focus wraps around');
});

test('messages from others count as unread until the conversation is opened', () => {
  let s = apply(loggedIn(), roster([{ conversation: 'c1', with: 'bob', delivered: 0, read: 0, last_seq: 0, unread: 0 }]));
  s = apply(s, { t: 'message', message: dm(1, 'bob') }, { t: 'message', message: dm(2, 'bob') });
  assert.is(s.conversations['@bob']!.unread, 2);
  s = apply(s, { t: 'open', key: '@bob' });
  assert.is(s.conversations['@bob']!.unread, 0);
  assert.is(s.conversations['@bob']!.newFrom, 1, 'the first unread message is marked as new');
  assert.is(s.conversations['@bob']!.read, 2);
  s = apply(s, { t: 'close_conversation' }, { t: 'message', message: dm(3, 'bob') });
  assert.is(s.conversations['@bob']!.unread, 1);
  s = apply(s, { t: 'message', message: dm(4, 'me') });
  assert.is(s.conversations['@bob']!.unread, 0, 'sending (here or in another terminal) reads everything before, as the server does');
  s = apply(s, { t: 'open', key: '@bob' });
  assert.is(s.conversations['@bob']!.newFrom, undefined, 'nothing is new');
  s = apply(s, { t: 'message', message: dm(4, 'bob') });
  assert.is(s.conversations['@bob']!.unread, 0, 'the open conversation stays read');
  assert.is(s.conversations['@bob']!.read, 4);
});

test('a message seen twice (push, then gap fill or history) is kept once, in seq order', () => {
  let s = loggedIn();
  s = apply(s, { t: 'message', message: dm(2, 'bob') }, { t: 'message', message: dm(2, 'bob') }, { t: 'message', message: dm(1, 'bob') });
  assert.equal(s.conversations['@bob']!.messages.map((m) => m.seq), [1, 2]);
  assert.is(s.conversations['@bob']!.unread, 1, 'seq 1 arriving after 2 is below lastSeq: counted by the roster, not twice');
  s = apply(s, { t: 'history', key: '@bob', messages: [dm(1, 'bob'), dm(2, 'bob'), dm(3, 'me')] });
  assert.equal(s.conversations['@bob']!.messages.map((m) => m.seq), [1, 2, 3]);
  assert.ok(s.conversations['@bob']!.historyLoaded);
});

test('the roster carries the server unread counts (offline messages) and the conversation ids', () => {
  let s = apply(loggedIn(), roster([
    { conversation: 'c1', with: 'bob', delivered: 0, read: 2, last_seq: 5, unread: 3 },
    { conversation: 'c9', group: 'dev', delivered: 0, read: 0, last_seq: 0, unread: 0 },
  ]));
  assert.is(s.conversations['@bob']!.unread, 3);
  assert.is(s.conversations['@bob']!.id, 'c1');
  s = apply(s, { t: 'message', message: dm(4, 'bob') });
  assert.is(s.conversations['@bob']!.unread, 3, 'a backlog message the roster already counted');
  s = apply(s, { t: 'message', message: dm(6, 'bob') });
  assert.is(s.conversations['@bob']!.unread, 4);
  s = apply(s, { t: 'open', key: '@bob' });
  assert.is(s.conversations['@bob']!.newFrom, 3, 'new starts after the read cursor');
});

test('group messages go to the group conversation, keyed by group name', () => {
  let s = loggedIn();
  s = apply(s, { t: 'message', message: gm(1, 'alice') }, { t: 'message', message: gm(2, 'bob') });
  assert.is(s.conversations['#dev']!.unread, 2);
  assert.is(s.conversations['#dev']!.kind, 'group');
  assert.not.ok(s.conversations['@alice']);
});

test('the list puts anything unread first, then requests, friends (online first) and groups', () => {
  let s = apply(loggedIn(), roster([
    { conversation: 'c1', with: 'bob', delivered: 0, read: 0, last_seq: 0, unread: 0 },
    { conversation: 'c2', with: 'carol', delivered: 0, read: 0, last_seq: 0, unread: 0 },
  ]));
  s = apply(s, { t: 'push', frame: { type: 'friend_request', from: 'dave' } });
  assert.equal(entries(s).map((e) => e.key), ['?dave', '@bob', '@carol', '#dev']);
  s = apply(s, { t: 'message', message: gm(1, 'bob') });
  assert.equal(entries(s).map((e) => e.key), ['#dev', '?dave', '@bob', '@carol']);
  s = apply(s, { t: 'message', message: { ...dm(1, 'carol', 'x', 'carol'), conversation: 'c2' } }, { t: 'message', message: { ...dm(2, 'carol', 'y', 'carol'), conversation: 'c2' } });
  assert.equal(entries(s).map((e) => e.key), ['@carol', '#dev', '?dave', '@bob'], 'more unread sorts higher');
  s = apply(s, { t: 'push', frame: { type: 'presence', user: 'carol', online: true } });
  assert.ok(entries(s).find((e) => e.key === '@carol')!.online);
});

test('friend updates move a request to the friends list', () => {
  let s = apply(loggedIn(), { t: 'push', frame: { type: 'friend_request', from: 'dave' } });
  assert.is(s.requests.length, 1);
  assert.match(s.notice!.text, /accept dave/);
  s = apply(s, { t: 'push', frame: { type: 'friend_update', user: 'dave', status: 'accepted' } });
  assert.is(s.requests.length, 0);
  assert.ok(s.friends.some((f) => f.name === 'dave'));
  s = apply(s, { t: 'push', frame: { type: 'friend_update', user: 'dave', status: 'removed' } });
  assert.not.ok(s.friends.some((f) => f.name === 'dave'));
});

test('scrolled up, a new message sets "new messages below"; back at the bottom it clears', () => {
  let s = apply(loggedIn(), { t: 'open', key: '@bob' }, { t: 'scroll', to: 10 });
  s = apply(s, { t: 'message', message: dm(1, 'me') });
  assert.is(s.newBelow, false, 'my own message is not news');
  s = apply(s, { t: 'message', message: dm(2, 'bob') });
  assert.is(s.newBelow, true);
  s = apply(s, { t: 'scroll', to: null });
  assert.is(s.newBelow, false);
  s = apply(s, { t: 'message', message: dm(3, 'bob') });
  assert.is(s.newBelow, false, 'following the bottom, nothing is hidden');
});

test('edits step over whole grapheme clusters: a ZWJ family, a flag, a skin tone, e + combining accent', () => {
  const family = '👨\u200d👩\u200d👧';
  let s = apply(loggedIn(), { t: 'edit', target: 'input', op: { insert: `a${family}🇩🇪👍🏽e\u0301` } });
  for (const left of ['a' + family + '🇩🇪👍🏽', 'a' + family + '🇩🇪', 'a' + family, 'a']) {
    s = apply(s, { t: 'edit', target: 'input', op: 'backspace' });
    assert.is(s.input.value, left);
  }
  s = apply(s, { t: 'edit', target: 'input', op: { insert: `${family}🇩🇪` } }, { t: 'edit', target: 'input', op: 'home' }, { t: 'edit', target: 'input', op: 'right' }, { t: 'edit', target: 'input', op: 'right' });
  assert.is(s.input.cursor, 1 + family.length);
  s = apply(s, { t: 'edit', target: 'input', op: 'delete' });
  assert.is(s.input.value, 'a' + family);
});

test('typing survives incoming messages; edits handle surrogate pairs', () => {
  let s = apply(loggedIn(), { t: 'edit', target: 'input', op: { insert: 'half a sent' } });
  s = apply(s, { t: 'message', message: dm(1, 'bob') }, { t: 'push', frame: { type: 'presence', user: 'bob', online: false } });
  s = apply(s, { t: 'edit', target: 'input', op: { insert: 'ence 😀' } });
  assert.is(s.input.value, 'half a sentence 😀');
  s = apply(s, { t: 'edit', target: 'input', op: 'backspace' });
  assert.is(s.input.value, 'half a sentence ', 'backspace removes the whole emoji');
  s = apply(s, { t: 'edit', target: 'input', op: 'word' });
  assert.is(s.input.value, 'half a ');
  s = apply(s, { t: 'edit', target: 'input', op: 'home' }, { t: 'edit', target: 'input', op: { insert: '>' } });
  assert.is(s.input.value, '>half a ');
  s = apply(s, { t: 'edit', target: 'input', op: 'clear' });
  assert.is(s.input.value, '');
});

test('leaving the open group (it drops out of the roster) closes it', () => {
  let s = apply(loggedIn(), roster([{ conversation: 'c9', group: 'dev', delivered: 0, read: 0, last_seq: 0, unread: 0 }]), { t: 'open', key: '#dev' });
  assert.is(s.open, '#dev');
  s = apply(s, { t: 'roster', friends: { friends: [], requests: [] }, groups: { groups: [] }, conversations: [] });
  assert.is(s.open, null);
});

test('a pending message is settled by my stored message with its client_msg_id, however that arrives, and shown once', () => {
  const mine = (seq: number, id: string, text: string): MessageView => ({ ...dm(seq, 'me', text), client_msg_id: id });
  let s = apply(loggedIn(), { t: 'open', key: '@bob' });
  s = apply(s, { t: 'sending', key: '@bob', pending: { clientMsgId: 'a', text: 'one' } }, { t: 'sending', key: '@bob', pending: { clientMsgId: 'b', text: 'two' } });
  assert.equal(s.conversations['@bob']!.pending.map((p) => p.text), ['one', 'two']);
  // after a reconnect the sync brings 'one' (stored, its ack lost) before the resend's answer does
  s = apply(s, { t: 'message', message: mine(1, 'a', 'one') });
  assert.equal(s.conversations['@bob']!.pending.map((p) => p.clientMsgId), ['b']);
  s = apply(s, { t: 'message', message: mine(1, 'a', 'one') });
  assert.equal(s.conversations['@bob']!.messages.map((m) => m.text), ['one'], 'the answer (duplicate) adds nothing');
  // the answer first, then the same message by the sync: nothing twice either way
  s = apply(s, { t: 'message', message: mine(2, 'b', 'two') }, { t: 'message', message: mine(2, 'b', 'two') });
  assert.equal(s.conversations['@bob']!.pending, []);
  assert.equal(s.conversations['@bob']!.messages.map((m) => m.seq), [1, 2]);
  // a history page settles it too, and someone else's message with the same id does not
  s = apply(s, { t: 'sending', key: '@bob', pending: { clientMsgId: 'c', text: 'three' } });
  s = apply(s, { t: 'message', message: { ...dm(3, 'bob'), client_msg_id: 'c' } });
  assert.is(s.conversations['@bob']!.pending.length, 1, 'not mine: still pending');
  s = apply(s, { t: 'history', key: '@bob', messages: [mine(4, 'c', 'three')] });
  assert.equal(s.conversations['@bob']!.pending, []);
  // a refusal removes it
  s = apply(s, { t: 'sending', key: '@bob', pending: { clientMsgId: 'd', text: 'four' } }, { t: 'send_failed', key: '@bob', clientMsgId: 'd' });
  assert.equal(s.conversations['@bob']!.pending, []);
});

test('select moves through the list and clamps at the ends', () => {
  let s = apply(loggedIn(), roster([]), { t: 'focus', pane: 'list' });
  assert.is(s.selected, '@bob');
  s = apply(s, { t: 'select', delta: 1 }, { t: 'select', delta: 1 }, { t: 'select', delta: 1 });
  assert.is(s.selected, '#dev');
  s = apply(s, { t: 'select', delta: -5 });
  assert.is(s.selected, '@bob');
});

test.run();
