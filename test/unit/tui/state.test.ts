// The TUI's reducer: unread counts, dedup by seq, the "new" marker, ordering of the list,
// scrolling and the input, all without a terminal or a server.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConversationView, MessageView } from '../../../lib/protocol/messages.ts';
import { entries, groupHeader, initialState, lastOwnMessage, MAX_LOADED, PAGE, reduce, type Action, type State } from '../../../lib/tui/state.ts';
import { HEAD } from '../../../lib/tui/viewport.ts';

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

test('a roster read before a pushed message does not take that message off the unread count or the hotlist', () => {
  let s = apply(loggedIn(), roster([{ conversation: 'c1', with: 'bob', delivered: 0, read: 0, last_seq: 0, unread: 0 }]));
  s = apply(s, { t: 'message', message: dm(1, 'bob') });
  assert.equal([s.conversations['@bob']!.unread, s.hotlist], [1, ['@bob']]);
  s = apply(s, roster([{ conversation: 'c1', with: 'bob', delivered: 0, read: 0, last_seq: 0, unread: 0 }]));
  assert.equal([s.conversations['@bob']!.unread, s.hotlist], [1, ['@bob']], 'the stale roster keeps the newer count');
  s = apply(s, roster([{ conversation: 'c1', with: 'bob', delivered: 1, read: 1, last_seq: 1, unread: 0 }]));
  assert.equal([s.conversations['@bob']!.unread, s.hotlist], [0, []], 'a current one (read elsewhere) wins');
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
  let s = apply(loggedIn(), { t: 'open', key: '@bob' }, { t: 'scroll', to: { seq: 1, line: 0 } });
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

test('a deletion of an unread message takes it off the unread and mention counts, once; of a read one, nothing', () => {
  let s = apply(loggedIn(), roster([{ conversation: 'c1', with: 'bob', delivered: 0, read: 0, last_seq: 0, unread: 0 }]));
  s = apply(s, { t: 'message', message: dm(1, 'bob') }, { t: 'message', message: { ...dm(2, 'bob'), mentions: ['me'] } }, { t: 'message', message: dm(3, 'bob') });
  const counts = () => [s.conversations['@bob']!.unread, s.conversations['@bob']!.mentions, s.hotlist];
  assert.equal(counts(), [3, 1, ['@bob']]);
  s = apply(s, { t: 'message', message: ev(4, 'bob', 'delete', 2) });
  assert.equal(counts(), [2, 0, ['@bob']]);
  s = apply(s, { t: 'message', message: ev(4, 'bob', 'delete', 2) });
  assert.equal(counts(), [2, 0, ['@bob']], 'pushed again after a re-sync: counted once');
  s = apply(s, { t: 'message', message: ev(5, 'bob', 'delete', 1) }, { t: 'message', message: ev(6, 'bob', 'delete', 3) });
  assert.equal(counts(), [0, 0, []], 'nothing left to read leaves the hotlist');
  s = apply(s, { t: 'message', message: dm(7, 'bob') }, { t: 'open', key: '@bob' }, { t: 'close_conversation' });
  s = apply(s, { t: 'message', message: ev(8, 'bob', 'delete', 7) });
  assert.equal(counts(), [0, 0, []], 'a message already read changes no count');
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

test('placeholders (a user I blocked) take their seq but are never unread, and a hidden event changes nothing', () => {
  let s = apply(loggedIn(), { t: 'message', message: gm(1, 'carol') });
  const hidden = (m: MessageView): MessageView => ({ ...m, text: '', hidden: true });
  s = apply(s, { t: 'message', message: hidden(gm(2, 'bob')) }, { t: 'message', message: hidden({ ...ev(3, 'bob', 'reaction', 1, {}), group: 'dev', conversation: 'c9', to: undefined } as MessageView) });
  s = apply(s, { t: 'message', message: hidden({ ...ev(4, 'bob', 'edit', 1, { text: '' }), group: 'dev', conversation: 'c9', to: undefined } as MessageView) });
  const c = s.conversations['#dev']!;
  assert.is(c.unread, 1, 'only carol\'s message');
  assert.equal(c.messages.map((m) => [m.seq, m.text, m.hidden ?? false]), [[1, 'g1', false], [2, '', true]]);
  assert.is(c.messages[0]!.reactions, undefined);
  assert.is(c.messages[0]!.edited_at, undefined);
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

const range = (from: number, to: number, who = 'bob') => Array.from({ length: to - from + 1 }, (_, i) => dm(from + i, who));
const seqs = (s: State, key = '@bob') => s.conversations[key]!.messages.map((m) => m.seq);

test('paging back: older pages go before the window, the view keeps its place, and the first message ends it', () => {
  let s = apply(loggedIn(), { t: 'open', key: '@bob' }, { t: 'history', key: '@bob', messages: range(301, 500) });
  assert.is(s.conversations['@bob']!.older, 'more');
  s = apply(s, { t: 'scroll', to: { seq: HEAD, line: 0 } }, { t: 'page_loading', key: '@bob', dir: 'older' });
  assert.is(s.conversations['@bob']!.older, 'loading');
  s = apply(s, { t: 'older', key: '@bob', before: 301, messages: range(101, 300) });
  assert.equal(seqs(s).slice(0, 2), [101, 102]);
  assert.is(seqs(s).length, 400);
  assert.equal(s.scroll, { seq: 301, line: -1 }, 'the row the "loading" line stood on is now the last row above seq 301');
  s = apply(s, { t: 'older', key: '@bob', before: 999, messages: range(1, 50) });
  assert.is(seqs(s)[0], 101, 'a page for a window that has moved on is dropped');
  s = apply(s, { t: 'older', key: '@bob', before: 101, messages: range(1, 100) });
  assert.is(s.conversations['@bob']!.older, 'start', 'seq 1 is the beginning of the conversation');
  assert.is(apply(s, { t: 'history', key: '@bob', messages: [] }).conversations['@bob']!.older, 'start', 'an empty page too');
});

test('memory stays bounded: older pages beyond the limit drop the newest, which come back by paging down or jumping to the newest', () => {
  let s = apply(loggedIn(), { t: 'open', key: '@bob' }, { t: 'history', key: '@bob', messages: range(5001, 5200) });
  let first = 5001;
  for (let i = 0; i < 8; i++) {
    s = apply(s, { t: 'scroll', to: { seq: first, line: 0 } }, { t: 'older', key: '@bob', before: first, messages: range(first - PAGE, first - 1) });
    first -= PAGE;
    assert.ok(seqs(s).length <= MAX_LOADED, `${seqs(s).length} loaded`);
  }
  const c = s.conversations['@bob']!;
  assert.is(c.newer, 'more');
  assert.is(seqs(s)[0], first);
  assert.is(seqs(s).at(-1), first + MAX_LOADED - 1);
  s = apply(s, { t: 'message', message: dm(5201, 'bob') });
  assert.not.ok(seqs(s).includes(5201), 'a push does not land after a gap');
  assert.is(s.conversations['@bob']!.lastSeq, 5201);
  const last = seqs(s).at(-1)!;
  s = apply(s, { t: 'scroll', to: { seq: last - 10, line: 0 } }, { t: 'newer', key: '@bob', after: last, messages: range(last + 1, last + PAGE), more: true });
  assert.is(seqs(s).at(-1), last + PAGE);
  assert.ok(seqs(s).length <= MAX_LOADED, 'the oldest pages were dropped');
  assert.is(s.conversations['@bob']!.older, 'more');
  s = apply(s, { t: 'jump', to: 'newest' });
  assert.is(s.scroll, null);
  assert.equal(seqs(s), [], 'the window is forgotten');
  assert.not.ok(s.conversations['@bob']!.historyLoaded, 'so the newest page loads again');
});

test('jump to the first unread: inside the window it scrolls there; outside it loads the window that starts there', () => {
  let s = apply(loggedIn(), roster([{ conversation: 'c1', with: 'bob', delivered: 0, read: 480, last_seq: 500, unread: 20 }]));
  s = apply(s, { t: 'open', key: '@bob' }, { t: 'history', key: '@bob', messages: range(301, 500) });
  s = apply(s, { t: 'jump', to: 'unread' });
  assert.equal(s.scroll, { seq: 481, line: 0 });
  s = apply(s, { t: 'jump', to: 'oldest' });
  assert.equal(s.scroll, { seq: HEAD, line: 0 });
  s = apply(loggedIn(), roster([{ conversation: 'c1', with: 'bob', delivered: 0, read: 100, last_seq: 500, unread: 400 }]));
  s = apply(s, { t: 'open', key: '@bob' }, { t: 'history', key: '@bob', messages: range(301, 500) }, { t: 'jump', to: 'unread' });
  assert.is(s.conversations['@bob']!.around, 101);
  assert.not.ok(s.conversations['@bob']!.historyLoaded);
  s = apply(s, { t: 'window', key: '@bob', around: 101, messages: range(101, 300), more: true });
  assert.equal(seqs(s).slice(0, 1), [101]);
  assert.is(s.conversations['@bob']!.newer, 'more');
  assert.equal(s.scroll, { seq: 101, line: 0 });
  assert.is(apply(loggedIn(), { t: 'open', key: '@bob' }, { t: 'jump', to: 'unread' }).notice?.text, 'Nothing unread here.');
});

test('a backlog synced oldest first leaves no gap in a loaded window, and scrolled up the window stays bounded', () => {
  let s = apply(loggedIn(), { t: 'open', key: '@bob' }, { t: 'history', key: '@bob', messages: range(4801, 5000) });
  s = apply(s, ...range(1, 300).map((message) => ({ t: 'message', message }) as Action));
  assert.is(seqs(s)[0], 4801, 'older than the window: left to paging');
  assert.is(s.conversations['@bob']!.older, 'more');
  s = apply(s, { t: 'scroll', to: { seq: 4801, line: 0 } }, ...range(5001, 6500).map((message) => ({ t: 'message', message }) as Action));
  assert.ok(seqs(s).length <= MAX_LOADED, `${seqs(s).length} loaded`);
  assert.is(s.conversations['@bob']!.newer, 'more');
  assert.is(s.conversations['@bob']!.lastSeq, 6500);
});

test('leaving a conversation keeps only its newest page', () => {
  let s = apply(loggedIn(), { t: 'open', key: '@bob' }, { t: 'history', key: '@bob', messages: range(301, 500) });
  s = apply(s, { t: 'older', key: '@bob', before: 301, messages: range(101, 300) }, { t: 'open', key: '@carol' });
  assert.is(seqs(s).length, PAGE);
  assert.is(seqs(s)[0], 301);
  assert.is(s.conversations['@bob']!.older, 'more');
});

test('a window read with sync folds its events (no bubbles), and pages around it apply each event once', () => {
  let s = apply(loggedIn(), { t: 'message', message: dm(500, 'bob') });
  s = apply(s, { t: 'open', key: '@bob' }, { t: 'show_result', key: '@bob', seq: 301 });
  assert.equal([s.conversations['@bob']!.around, s.found], [301, { key: '@bob', seq: 301 }], 'not loaded: a window is asked for there');
  const page = [...range(301, 303), ev(304, 'bob', 'edit', 301, { text: 'fixed' }), ev(305, 'bob', 'reaction', 302, { emoji: '👍' })];
  s = apply(s, { t: 'window', key: '@bob', around: 301, messages: page, more: true });
  let c = s.conversations['@bob']!;
  assert.equal(seqs(s), [301, 302, 303], 'events are not bubbles');
  assert.equal([c.messages[0]!.text, c.messages[1]!.reactions], ['fixed', [{ emoji: '👍', count: 1, me: false }]]);
  assert.equal(s.scroll, { seq: 301, line: 0 }, 'the result at the top');
  // a live reaction while the window stops short waits for the page that brings it in order
  s = apply(s, { t: 'message', message: ev(600, 'me', 'reaction', 302, { emoji: '👍' }) });
  assert.is(s.conversations['@bob']!.messages[1]!.reactions![0]!.count, 1);
  // the page before comes from history, folded as of last_seq 600: the newer pages' events about it are not applied again
  s = apply(s, { t: 'older', key: '@bob', before: 301, lastSeq: 600, messages: [{ ...dm(300, 'bob'), reactions: [{ emoji: '🎉', count: 1, me: false }] }] });
  s = apply(s, { t: 'newer', key: '@bob', after: 305, more: false, messages: [ev(306, 'bob', 'reaction', 300, { emoji: '🎉' }), ev(307, 'bob', 'edit', 303, { text: 'later' }), ev(600, 'me', 'reaction', 302, { emoji: '👍' })] });
  c = s.conversations['@bob']!;
  assert.equal(seqs(s), [300, 301, 302, 303]);
  assert.equal(c.messages[0]!.reactions, [{ emoji: '🎉', count: 1, me: false }], 'folded into the history page already');
  assert.equal(c.messages[2]!.reactions, [{ emoji: '👍', count: 2, me: true }]);
  assert.is(c.messages[3]!.text, 'later');
  // now at the newest: a push and a gap fill of the same event count once
  s = apply(s, { t: 'message', message: ev(601, 'bob', 'reaction', 303, { emoji: '👀' }) }, { t: 'newer', key: '@bob', after: 600, more: false, messages: [ev(601, 'bob', 'reaction', 303, { emoji: '👀' })] });
  assert.equal(s.conversations['@bob']!.messages[3]!.reactions, [{ emoji: '👀', count: 1, me: false }]);
});

test('a late older edit does not undo a newer one', () => {
  let s = apply(loggedIn(), { t: 'open', key: '@bob' }, { t: 'history', key: '@bob', lastSeq: 1, messages: [dm(1, 'bob')] });
  s = apply(s, { t: 'message', message: ev(3, 'bob', 'edit', 1, { text: 'second' }) }, { t: 'message', message: ev(2, 'bob', 'edit', 1, { text: 'first' }) });
  assert.is(s.conversations['@bob']!.messages[0]!.text, 'second');
});

test('a next page after a page that ended in events starts after those events', () => {
  let s = apply(loggedIn(), { t: 'message', message: dm(900, 'bob') }, { t: 'open', key: '@bob' }, { t: 'jump', to: 'newest' });
  s = apply(s, { t: 'show_result', key: '@bob', seq: 10 });
  s = apply(s, { t: 'window', key: '@bob', around: 10, more: true, messages: [dm(10, 'bob'), ev(11, 'bob', 'reaction', 10, { emoji: '👍' })] });
  s = apply(s, { t: 'newer', key: '@bob', after: 10, more: false, messages: [dm(12, 'bob')] });
  assert.equal(seqs(s), [10], 'a page asked for from the last message (not the last entry) is stale');
  s = apply(s, { t: 'newer', key: '@bob', after: 11, more: false, messages: [dm(12, 'bob')] });
  assert.equal(seqs(s), [10, 12]);
});

test('typing shows until its time unless renewed, ends with their message; receipts move the peer\'s read cursor', () => {
  let s = apply(loggedIn(), { t: 'open', key: '@bob' }, { t: 'typing', key: '@bob', from: 'bob', now: 1000 });
  assert.equal(s.conversations['@bob']!.typing, [{ from: 'bob', until: 6000 }]);
  s = apply(s, { t: 'tick', now: 5000 }, { t: 'typing', key: '@bob', from: 'bob', now: 5000 }, { t: 'tick', now: 7000 });
  assert.equal(s.conversations['@bob']!.typing, [{ from: 'bob', until: 10000 }], 'renewed');
  assert.equal(apply(s, { t: 'tick', now: 10000 }).conversations['@bob']!.typing, [], 'expired');
  assert.equal(apply(s, { t: 'message', message: dm(1, 'bob') }).conversations['@bob']!.typing, [], 'their message ends it');
  assert.is(apply(s, { t: 'typing', key: '@bob', from: 'me', now: 1 }).conversations['@bob']!.typing!.length, 1, 'mine (another device) is not shown');
  s = apply(s, { t: 'push', frame: { type: 'receipt', conversation: 'c-bob', from: 'bob', read: 7 } }, { t: 'peer_read', key: '@bob', read: 3 });
  assert.is(s.conversations['@bob']!.peerRead, 7, 'never back');
});

test('a sync window refolded from history: an event after its end (a deletion) shows at once, later ones stay applied', () => {
  let s = apply(loggedIn(), { t: 'message', message: dm(900, 'bob') }, { t: 'open', key: '@bob' }, { t: 'show_result', key: '@bob', seq: 10 });
  s = apply(s, { t: 'window', key: '@bob', around: 10, more: true, messages: [dm(10, 'bob', 'secret'), dm(11, 'bob')] });
  s = apply(s, { t: 'newer', key: '@bob', after: 11, more: true, messages: [ev(950, 'bob', 'reaction', 11, { emoji: '👍' })] });
  s = apply(s, { t: 'refold', key: '@bob', lastSeq: 940, messages: [{ ...dm(10, 'bob', ''), deleted: true }, dm(11, 'bob')] });
  const c = s.conversations['@bob']!;
  assert.equal([c.messages[0]!.deleted, c.messages[0]!.text], [true, ''], 'the deletion at seq 700 or so, after the window');
  assert.equal(c.messages[1]!.reactions, [{ emoji: '👍', count: 1, me: false }], 'the reaction after the read is applied again');
  s = apply(s, { t: 'newer', key: '@bob', after: 950, more: false, messages: [ev(930, 'bob', 'reaction', 11, { emoji: '🎉' })] });
  assert.equal(s.conversations['@bob']!.messages[1]!.reactions, [{ emoji: '👍', count: 1, me: false }], 'an event the read held is not applied twice');
});

test.run();
