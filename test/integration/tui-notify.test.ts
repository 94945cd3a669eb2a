// test-timeout: 120
// The real `chat` binary in a pseudo-terminal rings the bell (BEL in what it writes to the
// terminal) for a direct message in a conversation it is not showing, for a mention in a group,
// and for a message in the open conversation while the terminal has no focus (focus events);
// not for plain group talk nor while looking. The hotlist in the status line lists the active
// conversations in order, marks the mention, and Alt-A opens the most recent one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const test = suite('tui-notify');
const PW = 'alice-s3cret-pw';
let server: RunningServer;
let tui: Tui;
let bob: ChatClient;
let carol: ChatClient;
let raw = '';

/** BEL bytes written, leaving out those that end an OSC (a window title). */
const bells = () => (raw.replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '').match(/\x07/g) ?? []).length;
const statusLine = () => tui.lines().at(-1) ?? '';

test.before(async () => {
  server = await startServer();
  const alice = await connectAs(server, 'alice', PW);
  bob = await connectAs(server, 'bob');
  carol = await connectAs(server, 'carol');
  await befriend(alice, 'alice', bob, 'bob');
  await befriend(alice, 'alice', carol, 'carol');
  await carol.request('group_create', { group: 'dev' });
  await alice.request('group_join', { group: 'dev' });
  await alice.request('logout', {});
  await alice.close();
});

test.after(async () => {
  tui?.kill();
  await bob?.close();
  await carol?.close();
  await server?.stop();
});

test('log in, open bob: focus reporting is switched on', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 100, rows: 30 });
  tui.proc.onData((d) => (raw += d));
  await tui.waitFor('Password', 15_000);
  tui.write(PW + KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  await bob.request('send', { to: 'alice', text: 'first from bob' });
  await tui.waitFor(/bob \(1\)/);
  tui.write(KEY.tab);
  for (let i = 0; i < 3 && !/\bbob · online/.test(tui.text()); i++) {
    tui.write(KEY.up);
    await tui.waitFor(/bob \(1\)/);
    tui.write(KEY.enter);
    await new Promise((r) => setTimeout(r, 200));
    if (!/bob · online/.test(tui.text())) tui.write(KEY.tab);
  }
  await tui.waitFor(/bob · online/);
  assert.ok(raw.includes('\x1b[?1004h'), 'CSI ? 1004 h');
});

test('a DM elsewhere rings and joins the hotlist; looking at the open conversation does not ring', async () => {
  const before = bells();
  await carol.request('send', { to: 'alice', text: 'carol here\nsecond line' });
  await waitFor(() => bells() > before, 5000, 'a bell');
  await tui.waitFor(() => /act: carol\(1\)/.test(statusLine()), 5000, 'carol in the hotlist');
  const b2 = bells();
  await bob.request('send', { to: 'alice', text: 'bob while you look' });
  await tui.waitFor(/│ bob while you look +│/);
  await new Promise((r) => setTimeout(r, 300)); // a bell would have been written with that redraw
  assert.is(bells(), b2, 'no bell for the conversation on screen');
});

test('plain group talk joins the hotlist quietly; a mention (the server\'s) rings and is counted', async () => {
  const before = bells();
  await carol.request('send', { group: 'dev', text: 'standup soon' });
  await tui.waitFor(() => /act: carol\(1\) #dev\(1\)/.test(statusLine()), 5000, '#dev in the hotlist');
  await new Promise((r) => setTimeout(r, 300));
  assert.is(bells(), before, 'no bell without a mention');
  await carol.request('send', { group: 'dev', text: 'only text says @alice' });
  await tui.waitFor(() => /#dev\(2\)/.test(statusLine()), 5000, 'the second message counted');
  await new Promise((r) => setTimeout(r, 300));
  assert.is(bells(), before, '@alice in the text without the server\'s mention rings nothing');
  await carol.request('send', { group: 'dev', text: 'are you there @alice?', mentions: ['alice'] });
  await waitFor(() => bells() > before, 5000, 'a bell for the mention');
  await tui.waitFor(() => /#dev\(3,@1\)/.test(statusLine()), 5000, 'the mention counted in the hotlist');
});

test('with the terminal unfocused, the open conversation rings too', async () => {
  tui.write('\x1b[O'); // what the terminal sends when it loses focus
  await new Promise((r) => setTimeout(r, 200));
  const before = bells();
  await bob.request('send', { to: 'alice', text: 'while you are away' });
  await tui.waitFor(/│ while you are away +│/);
  await waitFor(() => bells() > before, 5000, 'a bell while unfocused');
  tui.write('\x1b[I');
  assert.not.ok(tui.text().includes('[I') || tui.text().includes('[O'), 'focus events are not typed into the input');
});

test('Alt-A opens the most recently active conversation, which leaves the hotlist', async () => {
  tui.write('\x1ba');
  await tui.waitFor(/#dev/);
  await tui.waitFor(() => /act: carol\(1\)/.test(statusLine()) && !statusLine().includes('#dev('), 5000, '#dev out of the hotlist');
  assert.match(tui.text(), /are you there @alice\?/);
  tui.write('\x1ba');
  await tui.waitFor(() => !statusLine().includes('act:'), 5000, 'an empty hotlist');
  assert.match(tui.text(), /carol here/);
});

test('quitting switches focus reporting off again', async () => {
  tui.write(KEY.ctrlC);
  assert.is(await tui.waitExit(), 0);
  assert.ok(raw.includes('\x1b[?1004l'), 'CSI ? 1004 l');
});

test.run();
