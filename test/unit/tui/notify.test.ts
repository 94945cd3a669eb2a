// What rings and what the hotlist shows: direct messages and mentions in conversations not
// looked at (or with the terminal unfocused), the hotlist's order and marks, the one level
// hook, and what the notifier writes and runs (a fake runner: no process is started).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { MessageView } from '../../../lib/protocol/messages.ts';
import { mentionedNames, mentionsMe } from '../../../lib/tui/mention.ts';
import { Notifier, notifyOptionsFrom } from '../../../lib/tui/notifier.ts';
import { alertFor, notificationLevel } from '../../../lib/tui/notify.ts';
import { initialState, reduce, type Action, type State } from '../../../lib/tui/state.ts';

const test = suite('notify');
const apply = (s: State, ...actions: Action[]) => actions.reduce(reduce, s);
const me = () => apply(initialState({ server: 'h:1', user: 'me' }), { t: 'logged_in', user: 'me', server: 'h:1' });
let seq = 0;
const dm = (from: string, text = 'hi'): MessageView => ({ conversation: `c-${from}`, seq: ++seq, from, to: 'me', text, ts: '2026-11-26T10:00:00.000Z' });
const gm = (from: string, text: string, group = 'dev', mentions?: string[]): MessageView =>
  ({ conversation: `g-${group}`, seq: ++seq, from, group, text, ts: '2026-11-26T10:00:00.000Z', ...(mentions ? { mentions } : {}) });
/** A group message that mentions me, as the server marks it. */
const gmMe = (from: string, text: string) => gm(from, text, 'dev', ['Me']);

test('a mention of me is what the server says (its mentions), never a guess from the text', () => {
  assert.ok(mentionsMe({ mentions: ['bob', 'ME'] }, 'me'), 'names compare by key');
  assert.not.ok(mentionsMe({}, 'me'));
  assert.not.ok(mentionsMe({ mentions: ['meg'] }, 'me'));
  assert.not.ok(mentionsMe(gm('carol', 'hey @me look'), 'me'), 'the text alone is no mention');
});

test('what the TUI sends as mentions: @ + a known name as a word, names with spaces too, the longer name winning', () => {
  const names = ['bob', 'Carol', 'Carol Smith', 'a.b'];
  assert.equal(mentionedNames('hey @bob look', names), ['bob']);
  assert.equal(mentionedNames('@BOB: and (@carol smith), @Carol?', names), ['bob', 'Carol Smith', 'Carol']);
  assert.equal(mentionedNames('@carol smithers', names), ['Carol'], 'not into a longer word');
  assert.equal(mentionedNames('@bobby mail me@bob.org @@bob', names), [], 'neither inside a word nor after another @');
  assert.equal(mentionedNames('ping @a.b @axb', names), ['a.b'], 'the name is not a pattern');
  assert.equal(mentionedNames('@bob @bob', names), ['bob'], 'each once');
  assert.equal(mentionedNames('no at sign', names), []);
});

test('what rings: a DM or a mention elsewhere, or anywhere while the terminal is away; not my own, not plain group talk', () => {
  let s = apply(me(), { t: 'open', key: '@bob' });
  assert.is(alertFor(s, dm('bob')), null, 'looking at it');
  assert.equal(alertFor(s, dm('carol', 'line one\nline two')), { key: '@carol', from: 'carol', line: 'line one', mention: false });
  assert.is(alertFor(s, gm('carol', 'standup')), null, 'group talk without a mention');
  assert.equal(alertFor(s, gmMe('carol', 'ping @me'))?.mention, true);
  assert.is(alertFor(s, gm('carol', 'ping @me')), null, '@me in the text without the server\'s mention does not ring');
  assert.is(alertFor(s, { ...dm('me'), to: 'carol' }), null, 'my own message from another terminal');
  s = apply(s, { t: 'terminal_focus', focused: false });
  assert.ok(alertFor(s, dm('bob')), 'the open conversation rings while the terminal has no focus');
  const seen = dm('bob');
  s = apply(s, { t: 'message', message: seen });
  assert.is(alertFor(s, seen), null, 'a message seen already (a gap fill) does not ring again');
  assert.is(notificationLevel(undefined), 'all', 'a conversation not known yet is loud');
  assert.is(alertFor(s, { ...dm('bob', ''), kind: 'reaction', target: seen.seq, emoji: '👍' }), null, 'a reaction is not news');
  s = apply(s, { t: 'push', frame: { type: 'notify_level', conversation: 'c-bob', with: 'bob', notify: 'none' } });
  assert.is(notificationLevel(s.conversations['@bob']), 'none');
  assert.is(alertFor(s, dm('bob')), null, 'muted: never rings');
  s = apply(s, { t: 'push', frame: { type: 'notify_level', conversation: 'g-dev', group: 'dev', notify: 'mentions' } });
  assert.is(alertFor(s, gm('carol', 'standup')), null);
  assert.ok(alertFor(s, gmMe('carol', 'ping @me')), 'mentions still ring');
  s = apply(s, { t: 'push', frame: { type: 'notify_level', conversation: 'c-carol', with: 'carol', notify: 'mentions' } });
  assert.is(alertFor(s, dm('carol', 'plain')), null, 'level mentions: a direct message without a mention is quiet');
  assert.equal(alertFor(s, { ...dm('carol', 'me?'), mentions: ['me'] })?.mention, false, 'and one that mentions me rings, as a direct message');
});

test('the hotlist: conversations in the order they became active, mentions marked, gone once opened', () => {
  let s = apply(me(), { t: 'open', key: '@zed' });
  s = apply(s, { t: 'message', message: gm('carol', 'hello all') }, { t: 'message', message: dm('bob') }, { t: 'message', message: gmMe('carol', 'again, @me?') },
    { t: 'message', message: gm('carol', 'and @me in text only') });
  assert.equal(s.hotlist, ['#dev', '@bob']);
  assert.equal([s.conversations['#dev']!.unread, s.conversations['#dev']!.mentions], [3, 1]);
  assert.is(s.conversations['@bob']!.mentions ?? 0, 0);
  s = apply(s, { t: 'open', key: '#dev' });
  assert.equal(s.hotlist, ['@bob']);
  assert.is(s.conversations['#dev']!.mentions, 0);
  s = apply(s, { t: 'message', message: dm('zed') });
  assert.equal(s.hotlist, ['@bob', '@zed']);
});

test('the notifier: BEL, OSC 777 or 9 with controls and separators removed, and a command with title and line as arguments', () => {
  const alert = { key: '#dev', from: 'carol', line: 'hi\x1b]0;x\x07; there', mention: true };
  const out: string[] = [];
  new Notifier({}, (b) => out.push(b)).notify(alert);
  assert.equal(out, ['\x07']);
  out.length = 0;
  new Notifier({ osc: '777' }, (b) => out.push(b)).notify(alert);
  assert.is(out[0], '\x07\x1b]777;notify;chat: carol in #dev;hi]0 x  there\x1b\\');
  out.length = 0;
  new Notifier({ osc: '9', bell: false }, (b) => out.push(b)).notify(alert);
  assert.is(out[0], '\x1b]9;carol in #dev: hi]0 x  there\x1b\\');
  const runs: { file: string; args: string[] }[] = [];
  const errors: Error[] = [];
  const n = new Notifier({ bell: false, command: ['notify-send', '--app-name=chat'] }, (b) => out.push(b), (file, args, done) => {
    runs.push({ file, args });
    done(new Error('ENOENT'));
  }, (e) => errors.push(e));
  n.notify(alert);
  n.notify(alert);
  assert.equal(runs[0], { file: 'notify-send', args: ['--app-name=chat', 'chat: carol in #dev', 'hi]0;x; there'] });
  assert.is(errors.length, 1, 'a failing command is reported once');
});

test('the notification command runs without a shell: shell syntax in a message is an argument like any other', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chat-notify-'));
  try {
    const file = join(dir, 'args.json');
    const script = 'require("fs").writeFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)))';
    const done = new Promise<void>((resolve, reject) => {
      const n = new Notifier({ bell: false, command: [process.execPath, '-e', script, file] }, () => {}, undefined, reject);
      n.notify({ key: '@bob', from: 'bob', line: '$(touch pwned); `id` | rm -rf ~', mention: false });
      const poll = setInterval(() => {
        try {
          JSON.parse(readFileSync(file, 'utf8')); // whole, not half written
          clearInterval(poll);
          resolve();
        } catch {}
      }, 20);
      setTimeout(() => (clearInterval(poll), reject(new Error('the command did not run'))), 10_000);
    });
    await done;
    assert.equal(JSON.parse(readFileSync(file, 'utf8')), ['chat: bob', '$(touch pwned); `id` | rm -rf ~']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the config file\'s [notifications] as notifier options: direct/mentions filter, placeholders fill the command', () => {
  const o = notifyOptionsFrom({ bell: false, direct: false, mentions: true, desktop: 'command', command: ['notify-send', '{sender} in {conversation}', '{text}'] });
  assert.equal([o.bell, o.osc, o.command], [false, 'none', ['notify-send', '{sender} in {conversation}', '{text}']]);
  assert.is(notifyOptionsFrom({ bell: true, direct: true, mentions: true, desktop: 'osc777', command: ['x'] }).command, undefined, 'a command only with desktop = "command"');
  const out: string[] = [];
  const ran: string[][] = [];
  const n = new Notifier(o, (b) => out.push(b), (file, args, done) => (ran.push([file, ...args]), done(null)));
  n.notify({ key: '@bob', from: 'bob', line: 'hi', mention: false });
  assert.equal([out, ran], [[], []], 'direct = false: a DM does nothing');
  n.notify({ key: '#dev', from: 'carol', line: 'ping @me', mention: true });
  assert.equal(out, [], 'bell = false');
  assert.equal(ran, [['notify-send', 'carol in #dev', 'ping @me']]);
});

test.run();
