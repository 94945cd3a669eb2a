// test-timeout: 150
// The real `chat` binary in a pseudo-terminal: editing, deleting, replying and reacting (issue
// 17). ↑ in an empty input edits your last message; Ctrl-X selects any message to reply to,
// react to, edit or delete. Edits show "(edited)", deletions "message deleted", replies a quoted
// line, reactions a line under the bubble; what a friend does arrives live.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const test = suite('tui: edit, delete, reply, react');
const CTRL_X = '\x18';
const CTRL_U = '\x15';
const PW = 'alice-s3cret-pw';

let server: RunningServer;
let tui: Tui;
let bob: ChatClient;
const bobGot: PushFrame[] = [];

/** The screen row holding `re`, and the rows just below it. */
function below(t: Tui, re: RegExp, n = 2): string[] {
  const lines = t.lines();
  const at = lines.findIndex((l) => re.test(l));
  return at === -1 ? [] : lines.slice(at + 1, at + 1 + n);
}

test.before(async () => {
  server = await startServer();
  const alice = await connectAs(server, 'alice', PW);
  bob = await connectAs(server, 'bob');
  await befriend(alice, 'alice', bob, 'bob');
  await alice.request('logout', {});
  await alice.close();
  bob.onPush((f) => bobGot.push(f));
  await bob.request('send', { to: 'alice', text: 'lunch at noon?' }); // seq 1
});

test.after(async () => {
  tui?.kill();
  await bob?.close();
  await server?.stop();
});

test('log in and open the conversation', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 100, rows: 34 });
  await tui.waitFor('Password', 15_000);
  tui.write(PW);
  tui.write(KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  await tui.waitFor(/bob \(1\)/);
  tui.write('\x0e'); // Ctrl-N opens it
  await tui.waitFor(/│ lunch at noon\? +│/);
});

test('↑ in an empty input edits my last message; the friend gets the edit', async () => {
  tui.write('noon is fien');
  tui.write(KEY.enter);
  await tui.waitFor(/│ noon is fien +│/); // seq 2
  tui.write(KEY.up);
  await tui.waitFor(/editing #2/);
  assert.ok(tui.text().includes('> noon is fien'), 'the input holds the text to fix');
  tui.write(CTRL_U);
  tui.write('noon is fine');
  tui.write(KEY.enter);
  await tui.waitFor(/│ noon is fine +│/);
  await tui.waitFor(/\(edited\)/);
  assert.not.ok(tui.text().includes('fien'), 'the old text is gone');
  await waitFor(() => bobGot.some((f) => f.type === 'edit' && (f as { target: number }).target === 2), 5000, 'bob to get the edit');
  const unread = (await bob.request('unread', {})).unread;
  assert.equal(unread.map((u) => u.count), [1], 'for bob the edit is not a second unread message');
});

test("a friend's edit and reaction arrive live: the text changes and the reaction sits under the bubble", async () => {
  await bob.request('edit', { with: 'alice', seq: 1, text: 'lunch at 12:30?' }); // seq 4 (alice's edit was 3)
  await tui.waitFor(/│ lunch at 12:30\? +│/);
  await bob.request('react', { with: 'alice', seq: 2, emoji: '👍' }); // seq 5
  await tui.waitFor(/👍 1/);
  assert.ok(below(tui, /│ noon is fine +│/, 2).some((l) => l.includes('👍 1')), 'under my bubble');
});

test('Ctrl-X picks a message; r replies to it with a quoted line', async () => {
  tui.write(CTRL_X);
  await tui.waitFor(/#2 · ↑↓ pick/);
  tui.write(KEY.up);
  await tui.waitFor(/#1 · ↑↓ pick/);
  tui.write('r');
  await tui.waitFor(/reply to #1/);
  tui.write('see you then');
  tui.write(KEY.enter);
  await tui.waitFor(/│ see you then +│/); // seq 6
  await tui.waitFor(/↪ bob: lunch at 12:30\?/);
  await waitFor(() => bobGot.some((f) => f.type === 'message' && (f as { reply_to?: { seq: number } }).reply_to?.seq === 1), 5000, 'bob to get the reply');
});

test('Ctrl-X then + reacts; the same emoji again takes it back', async () => {
  tui.write(CTRL_X);
  tui.write(KEY.up);
  tui.write(KEY.up);
  await tui.waitFor(/#1 · ↑↓ pick/);
  tui.write('+');
  await tui.waitFor(/react to #1/);
  tui.write('🎉');
  tui.write(KEY.enter);
  await tui.waitFor(/\[🎉 1\]/); // mine, in brackets
  await waitFor(() => bobGot.some((f) => f.type === 'reaction' && (f as { emoji?: string }).emoji === '🎉'), 5000, 'bob to get the reaction');
  tui.write(CTRL_X);
  tui.write(KEY.up);
  tui.write(KEY.up);
  await tui.waitFor(/#1 · ↑↓ pick/);
  tui.write('+');
  tui.write('🎉');
  tui.write(KEY.enter);
  await tui.waitFor((t) => !t.includes('🎉 1'), 5000, 'the reaction to go');
});

test('Ctrl-X then d asks, y deletes: "message deleted", the reply quotes nothing', async () => {
  tui.write(CTRL_X);
  await tui.waitFor(/#6 · ↑↓ pick/);
  tui.write(KEY.up);
  await tui.waitFor(/#2 · ↑↓ pick/);
  tui.write('d');
  await tui.waitFor(/delete #2\? y deletes/);
  tui.write('y');
  await tui.waitFor(/│ message deleted +│/);
  assert.not.ok(tui.text().includes('noon is fine'), 'the text is gone');
  assert.not.ok(tui.text().includes('👍 1'), 'and so are its reactions');
  await waitFor(() => bobGot.some((f) => f.type === 'delete'), 5000, 'bob to get the deletion');
  // bob deletes his own message: the reply's quote says so
  await bob.request('delete', { with: 'alice', seq: 1 });
  await tui.waitFor(/↪ bob: message deleted/);
  const page = await bob.request('history', { with: 'alice' });
  assert.equal(page.messages.map((m) => [m.seq, m.deleted ?? false]), [[1, true], [2, true], [6, false]]);
});

test('editing someone else\'s message is refused in place; /help lists the keys', async () => {
  await bob.request('send', { to: 'alice', text: 'one more' });
  await tui.waitFor(/│ one more +│/);
  tui.write(CTRL_X);
  tui.write('e');
  await tui.waitFor(/Only the author may edit/);
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('↑↓ pick'), 5000, 'selection mode to end');
  tui.write('/help');
  tui.write(KEY.enter);
  await tui.waitFor(/PgDn\/↓ more/);
  tui.write(KEY.pageDown);
  await tui.waitFor(/Ctrl-X +select a message/);
  await tui.waitFor(/edit your last message/);
  tui.write(KEY.escape);
});

test.run();
