// The TUI's reducer: unread counts, dedup by seq, the "new" marker, ordering of the list,
// scrolling and the input, all without a terminal or a server.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationView, MessageView } from '../../../lib/protocol/messages.ts';
import { entries, groupHeader, initialState, lastOwnMessage, reduce, type Action, type State } from '../../../lib/tui/state.ts';

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
  groups: { groups: [{ name: 'dev', desc: 'dev talk', role: 'member', members: 3, private: false, history: 'shared' }], invites: [] },
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

test('the roster and notify_level pushes carry each conversation\'s notification level', () => {
  let s = apply(loggedIn(), roster([
    { conversation: 'c1', with: 'bob', delivered: 0, read: 0, last_seq: 0, unread: 0, notify: 'none' },
    { conversation: 'c9', group: 'dev', delivered: 0, read: 0, last_seq: 0, unread: 0 },
  ]));
  assert.is(s.conversations['@bob']!.notify, 'none');
  assert.is(s.conversations['#dev']!.notify, 'all', 'an older server that sends no level notifies');
  s = apply(s, { t: 'push', frame: { type: 'notify_level', conversation: 'c9', group: 'dev', notify: 'mentions' } });
  assert.is(s.conversations['#dev']!.notify, 'mentions');
  s = apply(s, { t: 'push', frame: { type: 'notify_level', conversation: 'c1', with: 'bob', notify: 'all' } });
  assert.is(s.conversations['@bob']!.notify, 'all');
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
  s = apply(s, { t: 'roster', friends: { friends: [], requests: [] }, groups: { groups: [], invites: [] }, conversations: [] });
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

const ev = (seq: number, from: string, kind: 'edit' | 'delete' | 'reaction', target: number, extra: Partial<MessageView> = {}): MessageView => ({
  ...dm(seq, from, ''), kind, target, ...extra,
});

test('events fold into their target, are never unread, and are applied once', () => {
  let s = apply(loggedIn(), { t: 'message', message: dm(1, 'bob', 'helo') }, { t: 'message', message: { ...dm(2, 'me', 'hi'), reply_to: { seq: 1, from: 'bob', excerpt: 'helo' } } });
  s = apply(s, { t: 'message', message: dm(3, 'bob', 'x') });
  const unread = s.conversations['@bob']!.unread;
  s = apply(s,
    { t: 'message', message: ev(4, 'bob', 'edit', 1, { text: 'hello' }) },
    { t: 'message', message: ev(5, 'bob', 'reaction', 2, { emoji: '👍' }) },
    { t: 'message', message: ev(5, 'bob', 'reaction', 2, { emoji: '👍' }) },
    { t: 'message', message: ev(6, 'me', 'reaction', 2, { emoji: '👍' }) },
    { t: 'message', message: ev(7, 'me', 'reaction', 2, { emoji: '🎉' }) },
    { t: 'message', message: ev(8, 'me', 'reaction', 2, { emoji: '🎉', removed: true }) });
  const c = s.conversations['@bob']!;
  assert.is(c.unread, unread, 'events are not unread');
  assert.equal(c.messages.map((m) => m.seq), [1, 2, 3], 'events are not bubbles');
  assert.equal([c.messages[0]!.text, c.messages[0]!.edited_at !== undefined], ['hello', true]);
  assert.equal(c.messages[1]!.reactions, [{ emoji: '👍', count: 2, me: true }], 'the repeated push counted once');
  assert.equal(c.messages[1]!.reply_to, { seq: 1, from: 'bob', excerpt: 'hello' }, 'the quote follows the edit');
  s = apply(s, { t: 'message', message: ev(9, 'bob', 'delete', 1) });
  const d = s.conversations['@bob']!;
  assert.equal([d.messages[0]!.deleted, d.messages[0]!.text], [true, '']);
  assert.equal(d.messages[1]!.reply_to, { seq: 1, from: 'bob', excerpt: '', deleted: true });
  assert.is(lastOwnMessage(d, 'me')?.seq, 2);
});

test('history is folded as of its last_seq: events up to it are not applied again', () => {
  let s = apply(loggedIn(), { t: 'open', key: '@bob' });
  s = apply(s, { t: 'history', key: '@bob', lastSeq: 3, messages: [{ ...dm(1, 'bob'), reactions: [{ emoji: '👍', count: 1, me: false }] }] });
  s = apply(s, { t: 'message', message: ev(2, 'bob', 'reaction', 1, { emoji: '👍' }) }, { t: 'message', message: ev(4, 'me', 'reaction', 1, { emoji: '👍' }) });
  assert.equal(s.conversations['@bob']!.messages[0]!.reactions, [{ emoji: '👍', count: 2, me: true }], 'seq 2 was in the page, seq 4 is new');
});

test('selection mode: pick moves over the open conversation; compose fills the input and ends it', () => {
  let s = apply(loggedIn(), { t: 'open', key: '@bob' }, { t: 'message', message: dm(1, 'bob') }, { t: 'message', message: dm(2, 'me') });
  s = apply(s, { t: 'pick', delta: -1 });
  assert.is(s.pick, 2);
  s = apply(s, { t: 'pick', delta: -1 }, { t: 'pick', delta: -1 });
  assert.is(s.pick, 1, 'stops at the oldest');
  s = apply(s, { t: 'confirm_delete', on: true }, { t: 'pick', delta: 1 });
  assert.equal([s.pick, s.confirmDelete], [2, false], 'moving cancels a pending delete');
  s = apply(s, { t: 'compose', mode: 'edit', seq: 2, text: 'm2' });
  assert.equal([s.pick, s.compose, s.input.value], [null, { mode: 'edit', seq: 2 }, 'm2']);
  s = apply(s, { t: 'compose_end' });
  assert.is(s.compose, null);
});

test('search results: a list with a bounded selection; a jump holds until the user scrolls or opens another', () => {
  const hit = (seq: number) => ({ ...dm(seq, 'bob'), snippet: `m${seq}` });
  let s = apply(loggedIn(), roster([]), { t: 'search_results', query: 'm', results: [hit(3), hit(1)], more: false });
  assert.is(s.search?.selected, 0);
  s = apply(s, { t: 'search_select', delta: 5 });
  assert.is(s.search?.selected, 1);
  s = apply(s, { t: 'search_select', delta: -9 });
  assert.is(s.search?.selected, 0);
  s = apply(s, { t: 'close_search' }, { t: 'jump', key: '@bob', seq: 3 });
  assert.is(s.search, null);
  assert.is(s.jump, null, 'no jump into a conversation that is not open');
  s = apply(s, { t: 'open', key: '@bob' }, { t: 'jump', key: '@bob', seq: 3 });
  assert.equal(s.jump, { key: '@bob', seq: 3 });
  assert.is(apply(s, { t: 'scroll', to: 10 }).jump, null);
  assert.is(apply(s, { t: 'open', key: '#dev' }).jump, null);
});

test('an invitation is kept and announced; being kicked closes the open group and drops it from the list', () => {
  let s = apply(loggedIn(), roster([{ conversation: 'c9', group: 'dev', delivered: 0, read: 0, last_seq: 0, unread: 0 }]), { t: 'open', key: '#dev' });
  s = apply(s, { t: 'push', frame: { type: 'group_invite', group: 'ops', from: 'ann', desc: 'on call' } });
  assert.equal(s.invites, [{ group: 'ops', desc: 'on call', from: 'ann' }]);
  assert.equal(entries(s).map((e) => e.key), ['+ops', '@bob', '@carol', '#dev'], 'the invitation is listed with the requests');
  assert.match(s.notice!.text, /ann invites you to #ops: \/join ops/);
  s = apply(s, { t: 'push', frame: { type: 'group_event', group: 'dev', user: 'bob', event: 'kicked', by: 'ann' } });
  assert.is(s.open, '#dev', 'someone else was kicked');
  assert.is(s.groups[0]!.members, 2);
  s = apply(s, { t: 'push', frame: { type: 'group_event', group: 'dev', user: 'me', event: 'role', by: 'ann', role: 'admin' } });
  assert.is(s.groups[0]!.role, 'admin');
  s = apply(s, { t: 'push', frame: { type: 'group_event', group: 'dev', user: 'ann', event: 'topic', desc: 'new topic' } });
  assert.is(groupHeader('dev', s.groups[0]), '#dev · public · you: admin · new topic');
  s = apply(s, { t: 'push', frame: { type: 'group_event', group: 'dev', user: 'ann', event: 'settings', private: true, history: 'joined' } });
  assert.is(groupHeader('dev', s.groups[0]), '#dev · private · you: admin · new topic');
  s = apply(s, { t: 'push', frame: { type: 'group_event', group: 'dev', user: 'me', event: 'banned', by: 'ann' } });
  assert.is(s.open, null, 'the conversation closed');
  assert.equal(s.groups, []);
  assert.is(s.conversations['#dev'], undefined, 'its messages are gone from the screen');
  assert.is(s.notice!.text, 'you were banned from #dev by ann');
});

test.run();
