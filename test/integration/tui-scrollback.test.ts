// test-timeout: 180
// The real `chat` binary in a pseudo-terminal scrolls back through a conversation of a couple of
// thousand messages: PgUp at the top of what is loaded fetches the older page without moving
// what is on screen, all the way to "beginning of conversation", and PgDn fetches again the
// pages dropped on the way (at most 1 000 messages are held); Alt-U jumps to the first unread
// message (a window loaded around it), Ctrl-End to the newest, Ctrl-Home to the oldest loaded.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, type RunningServer } from '../helpers/server.ts';

const test = suite('tui-scrollback');
const N = 2000;
const PW = 'alice-s3cret-pw';
const ctrlHome = '\x1b[1;5H';
const ctrlEnd = '\x1b[1;5F';
const altU = '\x1bu';

let server: RunningServer;
let tui: Tui;
let bob: ChatClient;

const label = (i: number) => `msg ${String(i).padStart(4, '0')}`;
/** The message numbers on screen, in screen order. */
const shownSeqs = (t: Tui) => [...t.text().matchAll(/│ msg (\d{4}) +│/g)].map((m) => Number(m[1]));

test.before(async () => {
  server = await startServer();
  const alice = await connectAs(server, 'alice', PW);
  bob = await connectAs(server, 'bob');
  await befriend(alice, 'alice', bob, 'bob');
  await alice.close();
  for (let i = 1; i <= N; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, N - i + 1) }, (_, k) => bob.request('send', { to: 'alice', text: label(i + k) })));
  }
});

test.after(async () => {
  tui?.kill();
  await bob?.close();
  await server?.stop();
});

test('open the conversation: the newest page, and Alt-U jumps to the first unread message', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 80, rows: 60 });
  await tui.waitFor('Password', 15_000);
  tui.write(PW + KEY.enter);
  await tui.waitFor(/bob \(2000\)/);
  tui.write(KEY.tab + KEY.enter);
  await tui.waitFor(/│ msg 2000 +│/);
  tui.write(altU);
  await tui.waitFor(/│ msg 0001 +│/);
  const text = tui.text();
  assert.ok(text.indexOf('new messages') < text.indexOf('msg 0001'), 'the new-messages marker stands above it');
  assert.not.ok(text.includes('msg 2000'));
  tui.write(ctrlEnd);
  await tui.waitFor(/│ msg 2000 +│/);
});

test('PgUp pages back to the first message; every page overlaps the one before (nothing skipped or jumped)', async () => {
  let before = shownSeqs(tui);
  assert.is(before.at(-1), N);
  let presses = 0;
  while (!tui.text().includes('beginning of conversation')) {
    assert.ok(presses++ < 400, 'bounded');
    tui.write(KEY.pageUp);
    const prevTop = before[0]!;
    // a press at the loaded top waits for its page: the screen may stay, but never jumps
    await tui.waitFor((t) => {
      const s = [...t.matchAll(/│ msg (\d{4}) +│/g)].map((m) => Number(m[1]));
      // blessed redraws in pieces: read a screen whose bubbles are in one run
      const whole = s.length > 10 && s.every((n, i) => i === 0 || n === s[i - 1]! + 1);
      return whole && (s[0]! < prevTop || t.includes('loading older') || t.includes('beginning of conversation'));
    }, 10_000, `the view above msg ${prevTop}`);
    const now = shownSeqs(tui);
    for (let i = 1; i < now.length; i++) assert.is(now[i], now[i - 1]! + 1, `consecutive on screen: ${now.join(',')}`);
    assert.ok(now.at(-1)! >= prevTop - 1, `page ${presses} continues from ${prevTop}: ${now.join(',')}`);
    assert.ok(now.at(-1)! <= before.at(-1)!, 'never back down');
    before = now;
  }
  assert.is(shownSeqs(tui)[0], 1, 'the first message is under the marker');
  assert.ok(presses > 20, `paged in ${presses} presses`);
  const screen = tui.lines();
  const marker = screen.findIndex((l) => l.includes('beginning of conversation'));
  const first = screen.findIndex((l) => /msg 0001/.test(l));
  assert.ok(marker >= 0 && marker < first, 'the marker is at the top, above msg 0001');
});

test('PgDn from the beginning goes on past the pages dropped on the way back, fetching them again', async () => {
  let before = shownSeqs(tui);
  let presses = 0;
  while (!(before.at(-1)! > 1200)) {
    assert.ok(presses++ < 200, 'bounded');
    tui.write(KEY.pageDown);
    const prevBottom = before.at(-1)!;
    await tui.waitFor((t) => {
      const s = [...t.matchAll(/│ msg (\d{4}) +│/g)].map((m) => Number(m[1]));
      const whole = s.length > 10 && s.every((n, i) => i === 0 || n === s[i - 1]! + 1);
      return whole && (s.at(-1)! > prevBottom || t.includes('loading newer'));
    }, 10_000, `the view below msg ${prevBottom}`);
    const now = shownSeqs(tui);
    assert.ok(now[0]! <= prevBottom + 1, `page ${presses} continues from ${prevBottom}: ${now.join(',')}`);
    before = now;
  }
  // 1 000 messages at most are held, and the way back held 1 to 1 000: these came again
  assert.ok(before.at(-1)! > 1200);
});

test('Ctrl-End returns to the newest; Ctrl-Home jumps to the oldest loaded message', async () => {
  tui.write(ctrlEnd);
  await tui.waitFor(/│ msg 2000 +│/, 10_000);
  assert.not.ok(/more below/.test(tui.text()));
  tui.write(ctrlHome);
  // the oldest loaded is the newest page's first message; its older page then loads above it without moving the view
  await tui.waitFor((t) => /│ msg 1801 +│/.test(t) && !/msg 2000/.test(t), 10_000, 'the oldest loaded message at the top');
  assert.ok(shownSeqs(tui)[0]! <= 1801);
});

test('/help lists the jump keys', async () => {
  tui.write(ctrlEnd);
  tui.write('/help' + KEY.enter);
  await tui.waitFor('first unread message');
  assert.match(tui.text(), /Alt-U +jump to the first unread message/);
  assert.match(tui.text(), /Ctrl-Home \/ Alt-Home +jump to the oldest loaded message/);
  assert.match(tui.text(), /Ctrl-End \/ Alt-End \/ Esc +jump to the newest message/);
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('first unread message'));
  tui.write(KEY.ctrlC);
  assert.is(await tui.waitExit(), 0);
});

test.run();
