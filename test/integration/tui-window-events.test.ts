// test-timeout: 180
// The real `chat` binary in a pseudo-terminal loads windows away from the newest page with
// `sync`, whose raw entries include edits, deletions and reactions: Alt-U (the first unread) and
// a /search result opened far back show those events folded into their messages, never as
// bubbles of their own, events far after the window too (the window's messages are read again
// with history), and the search result stands at the top of the pane under its marker.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, type RunningServer } from '../helpers/server.ts';

const test = suite('tui-window-events');
const N = 800;
const PW = 'alice-s3cret-pw';
const altU = '\x1bu';
const ctrlEnd = '\x1b[1;5F';

let server: RunningServer;
let tui: Tui;
let bob: ChatClient;

const label = (i: number) => `msg ${String(i).padStart(4, '0')}`;


/**
 * Bubbles on screen (headers), and those whose first row is a message text: an event drawn as a
 * bubble would have an empty one. A header on the pane's last row, its body cut off, is not counted.
 */
function bubbles(t: Tui): { headers: number; bodies: number } {
  const rows = t.lines();
  let headers = 0;
  let bodies = 0;
  rows.forEach((r, i) => {
    const next = rows[i + 1] ?? '';
    if (!r.includes('╭─') || next.includes('└') || next.includes('more below')) return;
    headers++;
    if (/│ (msg \d{4}[^│]*|message deleted) +│/.test(next)) bodies++;
  });
  return { headers, bodies };
}

test.before(async () => {
  server = await startServer();
  const alice = await connectAs(server, 'alice', PW);
  bob = await connectAs(server, 'bob');
  await befriend(alice, 'alice', bob, 'bob');
  await alice.close();
  // seq 1..10 are messages; 11..13 events about them; then the rest of the messages
  for (let i = 1; i <= 10; i++) await bob.request('send', { to: 'alice', text: i === 2 ? `${label(i)} needle` : label(i) });
  await bob.request('edit', { with: 'alice', seq: 3, text: `${label(3)} edited` });
  await bob.request('react', { with: 'alice', seq: 5, emoji: '👍' });
  await bob.request('delete', { with: 'alice', seq: 7 });
  await bob.request('edit', { with: 'alice', seq: 4, text: `${label(4)} first` });
  for (let i = 11; i <= N; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, N - i + 1) }, (_, k) => bob.request('send', { to: 'alice', text: label(i + k) })));
  }
  // and events far after the window that starts at the first unread, which a sync page does not
  // hold: a second edit (the window's first one must not win) and a reaction
  await bob.request('edit', { with: 'alice', seq: 4, text: `${label(4)} second` });
  await bob.request('react', { with: 'alice', seq: 6, emoji: '🎉' });
});

test.after(async () => {
  tui?.kill();
  await bob?.close();
  await server?.stop();
});

test('Alt-U loads the window at the first unread with sync: its events are folded, not bubbles', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 90, rows: 50 });
  await tui.waitFor('Password', 15_000);
  tui.write(PW + KEY.enter);
  // N messages, one of them deleted before alice read it: no longer one to read
  await tui.waitFor(new RegExp(`bob \\(${N - 1}\\)`));
  tui.write(KEY.tab + KEY.enter);
  await tui.waitFor(new RegExp(`│ ${label(N)} +│`));
  tui.write(altU);
  await tui.waitFor(/│ msg 0001 +│/);
  await tui.waitFor(/│ msg 0003 edited +│/);
  const text = tui.text();
  assert.match(text, /👍 1/, 'the reaction under its message');
  assert.match(text, /│ message deleted +│/);
  assert.not.match(text, /│ msg 0007 +│/, 'the deleted text is not shown');
  assert.not.match(text, /│ msg 0003 +│/, 'the edited message shows its new text only');
  await tui.waitFor(/│ msg 0004 second +│/, 5000, 'the newest edit, made after the window');
  await tui.waitFor(/🎉 1/, 5000, 'the reaction made after the window');
  assert.not.match(tui.text(), /msg 0004 first/);
  const b = bubbles(tui);
  assert.ok(b.headers > 5, `bubbles on screen (${b.headers})`);
  assert.is(b.headers, b.bodies, 'every bubble is a message: no bubble for an event');
  tui.write(ctrlEnd);
  await tui.waitFor(new RegExp(`│ ${label(N)} +│`));
});

test('a /search result far back opens at the top of the pane, in a window whose events are folded', async () => {
  tui.write('/search needle' + KEY.enter);
  await tui.waitFor(/1 found/);
  tui.write(KEY.enter);
  // the list closed, the pane redrawn at the result
  await tui.waitFor((s) => !s.includes('1 found') && /─ found ─/.test(s), 10_000, 'the result under its marker');
  await tui.waitFor(/│ msg 0002 needle +│/);
  await tui.waitFor(/│ msg 0003 edited +│/);
  const rows = tui.lines();
  const marker = rows.findIndex((r) => r.includes(' found '));
  const hit = rows.findIndex((r) => r.includes('msg 0002 needle'));
  assert.ok(marker > 0 && marker < 4, `the found marker at the top of the pane (row ${marker})\n${tui.text()}`);
  assert.ok(hit > marker && hit <= marker + 2, 'the result right under it');
  assert.not.match(tui.text(), new RegExp(label(N)), 'the newest page is not what is shown');
  const b = bubbles(tui);
  assert.is(b.headers, b.bodies, 'no bubble for an event');
  tui.write(KEY.escape);
  await tui.waitFor(new RegExp(`│ ${label(N)} +│`));
});

test.run();
