// test-timeout: 120
// /search in the real `chat` binary in a pseudo-terminal: the results list, ↑↓ and Esc, and Enter
// opening the conversation at a message older than the first history page it loads.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, type RunningServer } from '../helpers/server.ts';

const test = suite('tui /search');
let server: RunningServer;
let tui: Tui;
let dave: ChatClient;
const PW = 'alice-s3cret-pw';

/** More than the TUI's first history page (200), so the found message needs older pages. */
const FILLER = 260;

test.before(async () => {
  server = await startServer();
  const alice = await connectAs(server, 'alice', PW);
  dave = await connectAs(server, 'dave');
  await befriend(alice, 'alice', dave, 'dave');
  await alice.request('group_create', { group: 'ops' });
  await alice.request('send', { group: 'ops', text: '会议 in ops, older' });
  await alice.request('logout', {});
  await alice.close();
  await dave.request('send', { to: 'alice', text: 'the old 会议 notes are here' });
  for (let i = 1; i <= FILLER; i++) await dave.request('send', { to: 'alice', text: `filler ${i}` });
});

test.after(async () => {
  tui?.kill();
  await dave?.close();
  await server?.stop();
});

test('/search lists the results newest first; Esc closes the list', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 100, rows: 30 });
  await tui.waitFor('Password', 15_000);
  tui.write(PW + KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  tui.write('/search 会议' + KEY.enter);
  const text = await tui.waitFor(/search “会议” · 2 found/);
  const lines = tui.lines();
  const newer = lines.findIndex((l) => l.includes('dave: the old 会议 notes are here'));
  const older = lines.findIndex((l) => l.includes('#ops alice: 会议 in ops, older'));
  assert.ok(newer >= 0 && older > newer, text);
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('found ·') && !t.includes('2 found'), 5_000, 'the list to close');
});

test('Enter on a result opens its conversation at that message, loading older pages', async () => {
  tui.write('/search notes' + KEY.enter);
  await tui.waitFor(/search “notes” · 1 found/);
  tui.write(KEY.enter);
  const text = await tui.waitFor(/─ found ─/, 15_000);
  const lines = tui.lines();
  const marker = lines.findIndex((l) => l.includes(' found '));
  const found = lines.findIndex((l) => l.includes('the old 会议 notes are here'));
  assert.ok(marker >= 0 && found > marker, text);
  assert.ok(text.includes('more below'), 'newer messages are below');
  assert.not.ok(text.includes(`filler ${FILLER}`), 'the pane is not at the newest message');
  // Esc goes back to the newest message.
  tui.write(KEY.escape);
  await tui.waitFor(`filler ${FILLER}`);
});

test.run();
