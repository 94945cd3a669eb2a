// test-timeout: 150
// The real `chat` binary in a pseudo-terminal against a real `chat serve`: login failure then
// success, register (and a taken name), a friend's message arriving while you type, unread
// counts, offline messages on opening, a group, hostile text, wide characters, resize, scrolling.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { MessageView, PushFrame } from '../../lib/protocol/messages.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const test = suite('tui');

let server: RunningServer;
let tui: Tui;
let bob: ChatClient;
let dave: ChatClient;
const bobGot: MessageView[] = [];
const titles: string[] = [];
let raw = '';

const PW = 'alice-s3cret-pw';

/** The row index of the first screen line matching `re`. */
function rowOf(t: Tui, re: RegExp): number {
  return t.lines().findIndex((l) => re.test(l));
}

/** Columns of the bubble border characters on one row, right of the conversation list. */
function bubbleBorders(t: Tui, row: number, fromX: number): number[] {
  return t.cells(row).filter((c) => c.x > fromX && c.x < t.term.cols - 1 && '│╭╮╰╯'.includes(c.ch)).map((c) => c.x);
}

test.before(async () => {
  server = await startServer();
  // alice exists and has a friend, dave, who wrote to her while she was away
  const alice = await connectAs(server, 'alice', PW);
  dave = await connectAs(server, 'dave');
  await befriend(alice, 'alice', dave, 'dave');
  await alice.request('logout', {});
  await alice.close();
  await dave.request('send', { to: 'alice', text: 'offline one' });
  await dave.request('send', { to: 'alice', text: 'offline two' });
  bob = await connectAs(server, 'bob');
  bob.onPush((f: PushFrame) => {
    if (f.type === 'message') bobGot.push(f);
  });
});

test.after(async () => {
  tui?.kill();
  await bob?.close();
  await dave?.close();
  await server?.stop();
});

test('login failure is shown in place, then the right password gets in', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 100, rows: 30 });
  tui.term.onTitleChange((t) => titles.push(t));
  tui.proc.onData((d) => (raw += d));
  await tui.waitFor('Password', 15_000);
  assert.ok(tui.text().includes(server.address), 'the server is prefilled');
  tui.write('wrong-password');
  tui.write(KEY.enter);
  await tui.waitFor('Wrong user name or password');
  assert.ok(tui.text().includes('Register'), 'still on the login screen');
  for (let i = 0; i < 'wrong-password'.length; i++) tui.write(KEY.backspace);
  tui.write(PW);
  tui.write(KEY.enter);
  await tui.waitFor(/alice · ● connected/);
});

test('offline messages: the friend who wrote sorts first with an unread count', async () => {
  const text = await tui.waitFor(/● dave \(2\)/);
  const listRows = text.split('\n').filter((l) => /^│ [●○?#]/.test(l));
  assert.match(listRows[0]!, /dave \(2\)/);
});

test('a friend request arrives, /accept opens the conversation', async () => {
  await bob.request('friend_add', { user: 'alice' });
  await tui.waitFor(/\? bob asks/);
  await tui.waitFor(/wants to be friends/);
  tui.write('/accept bob');
  tui.write(KEY.enter);
  await tui.waitFor(/bob · online/);
  await tui.waitFor(/now friends/);
});

test("a friend's message arrives as a bubble while you type, and the draft survives", async () => {
  tui.write('half-typed draft');
  await tui.waitFor('half-typed draft');
  await bob.request('send', { to: 'alice', text: 'hello alice from bob' });
  await tui.waitFor(/│ hello alice from bob +│/);
  assert.ok(tui.text().includes('> half-typed draft'), 'the input kept the draft');
  tui.write(' done');
  tui.write(KEY.enter);
  await tui.waitFor(/│ half-typed draft done +│/);
  await waitFor(() => bobGot.some((m) => m.text === 'half-typed draft done'), 5000, 'bob to get the message');
  const mine = rowOf(tui, /half-typed draft done/);
  const theirs = rowOf(tui, /hello alice from bob/);
  assert.ok(tui.lines()[mine]!.indexOf('│ half') > tui.lines()[theirs]!.indexOf('│ hello'), 'own bubble sits further right');
});

test('unread counts go up live for another conversation, and opening shows the offline messages as new', async () => {
  await dave.request('send', { to: 'alice', text: 'live three' });
  await tui.waitFor(/● dave \(3\)/);
  tui.write(KEY.tab); // to the list
  tui.write(KEY.up);
  tui.write(KEY.up);
  tui.write(KEY.up);
  await tui.waitFor(/dave \(3\)/);
  tui.write(KEY.enter);
  const text = await tui.waitFor(/dave · online/);
  await tui.waitFor(/live three/);
  const screen = tui.text();
  assert.ok(screen.includes('offline one') && screen.includes('offline two'), 'offline messages are shown');
  assert.match(screen, /─ new messages ─/);
  assert.ok(screen.indexOf('new messages') < screen.indexOf('offline one'), 'the marker is above the first new message');
  await tui.waitFor((t) => !/dave \(\d+\)/.test(t), 5000, 'the unread count to clear');
  void text;
});

test('hostile text renders as harmless text: no title change, no clearing, no markup', async () => {
  await dave.request('send', { to: 'alice', text: 'evil\x1b]0;pwned\x07\x1b[2J{red-fg}INJECT{/red-fg}\u202eend' });
  await tui.waitFor('INJECT');
  const screen = tui.text();
  assert.ok(screen.includes('evil]0;pwned[2J{red-fg}INJECT{/red-fg}end'), 'shown literally, controls removed');
  assert.ok(screen.includes('offline one'), 'the screen was not cleared');
  assert.not.ok(titles.some((t) => t.includes('pwned')), `title changed: ${JSON.stringify(titles)}`);
  assert.not.ok(raw.includes('\x1b]0;pwned'), 'the OSC never reached the terminal');
  assert.not.ok(raw.includes('\u202e'), 'the bidi override never reached the terminal');
  // the row's text is not red: find the cell of "I" in INJECT and check its colour is the default
  const row = rowOf(tui, /INJECT/);
  const line = tui.term.buffer.active.getLine(row)!;
  const x = tui.cells(row).find((c, i, all) => c.ch === 'I' && all[i + 1]?.ch === 'N')!.x;
  assert.ok(line.getCell(x)!.isFgDefault(), 'markup in text does not colour it');
});

test('wide characters (CJK, emoji) keep the bubble border in its column', async () => {
  await dave.request('send', { to: 'alice', text: '宽字符 😀 emoji 🎉 and 中文' });
  await tui.waitFor('emoji');
  const row = rowOf(tui, /emoji/);
  const listRight = tui.cells(0).find((c) => c.ch === '┐')!.x;
  const body = bubbleBorders(tui, row, listRight + 1);
  // the top border of the same bubble is the nearest ╭ row above
  let top = row - 1;
  while (top > 0 && !tui.lines()[top]!.includes('╭')) top--;
  const topBorders = bubbleBorders(tui, top, listRight + 1);
  assert.is(body.length, 2, `two borders on the row: ${tui.lines()[row]}`);
  assert.is(body[0], topBorders[0], 'left border');
  assert.is(body[1], topBorders[1], 'right border in the same column as the ╮ above');
  const paneRight = tui.cells(row).filter((c) => c.ch === '│').at(-1)!.x;
  assert.is(paneRight, 99, 'the pane border stays in the last column');
});

test('typing CJK and emoji one key at a time: each character lands in its own two columns', async () => {
  // blessed redraws only the cells that changed; with its stock width table it put each key
  // after an emoji one column short, over the emoji's second half
  for (const ch of ['中', '😀', 'a', 'b']) {
    tui.write(ch);
    await tui.waitFor((t) => t.includes('> ') && t.split('\n').some((l) => l.includes('> ') && l.includes(ch)), 5000, `${ch} in the input`);
  }
  const row = rowOf(tui, /> 中/);
  const cells = tui.cells(row);
  const at = (ch: string) => cells.find((c) => c.ch === ch);
  const start = at('中')!.x;
  assert.equal([at('中')!.x, at('😀')?.x, at('a')?.x, at('b')?.x], [start, start + 2, start + 4, start + 5], JSON.stringify(cells.slice(0, 12)));
  for (let i = 0; i < 4; i++) tui.write(KEY.backspace);
  await tui.waitFor((t) => !t.includes('> 中'), 5000, 'the input to empty');
});

test('a group: /create, a member writes (sender shown), /members, /leave', async () => {
  tui.write('/create dev dev talk');
  tui.write(KEY.enter);
  await tui.waitFor(/#dev · public · you: creator · dev talk/);
  await bob.request('group_join', { group: 'dev' });
  await tui.waitFor(/bob joined #dev/);
  await bob.request('send', { group: 'dev', text: 'standup in 5' });
  await tui.waitFor(/│ standup in 5 +│/);
  assert.match(tui.text(), /╭─ bob · \d\d:\d\d/);
  tui.write('on my way');
  tui.write(KEY.enter);
  await waitFor(() => bobGot.some((m) => m.group === 'dev' && m.text === 'on my way'), 5000, 'bob to get the group message');
  tui.write('/members');
  tui.write(KEY.enter);
  await tui.waitFor(/#dev · 2 members/);
  assert.match(tui.text(), /● alice +\(creator\)/);
  assert.match(tui.text(), /● bob/);
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('2 members'), 5000, 'the overlay to close');
  tui.write('/leave');
  tui.write(KEY.enter);
  await tui.waitFor('Left #dev');
  await tui.waitFor((t) => !/# dev/.test(t), 5000, 'the group to leave the list');
});

test('/help lists the commands and keys; unknown commands say so', async () => {
  tui.write('/help');
  tui.write(KEY.enter);
  await tui.waitFor('/accept NAME');
  assert.match(tui.text(), /Alt-Enter or Ctrl-J/);
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('/accept NAME'));
  tui.write('/frobnicate');
  tui.write(KEY.enter);
  await tui.waitFor('unknown command /frobnicate');
});

test('PgUp scrolls back; a message arriving then shows "new messages below"; PgDn returns', async () => {
  // Ctrl-N opens the next conversation in the list until bob's is shown
  for (let i = 0; i < 4 && !/─ bob · online/.test(tui.text()); i++) {
    tui.write(KEY.ctrlN);
    await new Promise((r) => setTimeout(r, 300));
  }
  await tui.waitFor(/─ bob · online/);
  for (let i = 1; i <= 12; i++) await bob.request('send', { to: 'alice', text: `filler ${i}` });
  await tui.waitFor(/│ filler 12 +│/);
  tui.write(KEY.pageUp);
  await tui.waitFor(/more below/);
  assert.not.ok(tui.text().includes('filler 12'), 'scrolled up past the newest');
  await bob.request('send', { to: 'alice', text: 'arrived while scrolled' });
  await tui.waitFor(/new messages below/);
  tui.write(KEY.pageDown);
  tui.write(KEY.pageDown);
  tui.write(KEY.pageDown);
  await tui.waitFor(/│ arrived while scrolled +│/);
  assert.not.ok(/messages below|more below/.test(tui.text()));
});

test('multi-line input: Alt-Enter adds a line, Enter sends both lines in one message', async () => {
  tui.write('first line');
  await tui.waitFor('> first line');
  tui.write(KEY.altEnter + 'second'); // ESC CR, and typing right after it in the same read
  tui.write(' line');
  await tui.waitFor(/second line/);
  tui.write(KEY.enter);
  await waitFor(() => bobGot.some((m) => m.text === 'first line\nsecond line'), 5000, 'the two-line message');
  await tui.waitFor(/│ second line +│/);
});

test('resize re-lays everything', async () => {
  tui.resize(72, 20);
  await tui.waitFor((t) => {
    const lines = t.split('\n');
    return /alice · ● connected/.test(lines[19] ?? '') && lines[0]!.length <= 72 && lines[0]!.endsWith('┐');
  }, 5000, 'the layout at 72x20');
  const top = tui.lines()[0]!;
  assert.is(tui.cells(0).at(-1)!.x, 71, 'the right border is in the last column');
  assert.match(top, /bob/);
  tui.resize(100, 30);
  await tui.waitFor((t) => /alice · ● connected/.test(t.split('\n')[29] ?? ''), 5000, 'the layout at 100x30');
});

test('Ctrl-C quits cleanly with exit code 0', async () => {
  tui.write(KEY.ctrlC);
  const code = await tui.waitExit();
  assert.is(code, 0);
  assert.ok(raw.includes('\x1b[?1049l'), 'the alternate screen was left');
});

test('register from the login screen, with a taken name first', async () => {
  const t = startTui(['chat', '--server', server.address], { cols: 90, rows: 26 });
  try {
    await t.waitFor('Password', 15_000);
    t.write('alice');
    t.write(KEY.tab);
    t.write('carol-pw-123');
    t.write('\x12'); // Ctrl-R: register
    await t.waitFor('That name is already taken');
    t.write(KEY.shiftTab); // back to the user field
    for (let i = 0; i < 5; i++) t.write(KEY.backspace);
    t.write('carol');
    t.write(KEY.down); // to the password (kept)
    t.write(KEY.down); // to [Login]
    t.write(KEY.down); // to [Register]
    t.write(KEY.enter);
    await t.waitFor(/Welcome, carol/);
    await t.waitFor(/carol · ● connected/);
    t.write('/add alice');
    t.write(KEY.enter);
    await t.waitFor('Friend request sent to alice');
    t.write('/quit');
    t.write(KEY.enter);
    const code = await t.waitExit();
    assert.is(code, 0);
  } finally {
    t.kill();
  }
});

test.run();
