// test-timeout: 120
// The real `chat` binary in a pseudo-terminal: Tab completes friend names (cycling), slash
// commands, `@member` in a group; Tab with nothing to complete still switches focus; a
// bracketed paste of several lines stays in the input and goes as one message; Ctrl-↑/↓ walk
// what was typed in the conversation.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { MessageView, PushFrame } from '../../lib/protocol/messages.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const test = suite('tui-input');
const PW = 'alice-s3cret-pw';
const ctrlUp = '\x1b[1;5A';
const ctrlDown = '\x1b[1;5B';
let server: RunningServer;
let tui: Tui;
let bob: ChatClient;
let raw = '';
const bobGot: MessageView[] = [];

const inputLine = () => tui.lines().find((l) => l.startsWith('│> ')) ?? '';
const waitInput = (re: RegExp, what: string) => tui.waitFor(() => re.test(inputLine()), 5000, what);

test.before(async () => {
  server = await startServer();
  const alice = await connectAs(server, 'alice', PW);
  bob = await connectAs(server, 'bob');
  const bella = await connectAs(server, 'bella');
  const mallory = await connectAs(server, 'mallory');
  await befriend(alice, 'alice', bob, 'bob');
  await befriend(alice, 'alice', bella, 'bella');
  await alice.request('group_create', { group: 'dev' });
  await mallory.request('group_join', { group: 'dev' });
  await alice.request('logout', {});
  await alice.close();
  await bella.close();
  await mallory.close();
  bob.onPush((f: PushFrame) => {
    if (f.type === 'message') bobGot.push(f);
  });
});

test.after(async () => {
  tui?.kill();
  await bob?.close();
  await server?.stop();
});

test('log in and open bob; bracketed paste is switched on', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 100, rows: 30 });
  tui.proc.onData((d) => (raw += d));
  await tui.waitFor('Password', 15_000);
  tui.write(PW + KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  await tui.waitFor(/● bob/);
  tui.write('/me' + KEY.tab);
  await waitInput(/> \/members /, '/me completed to /members');
  tui.write('\x15'); // Ctrl-U clears
  await waitInput(/^│> +│$/, 'an empty input');
  assert.ok(raw.includes('\x1b[?2004h'), 'CSI ? 2004 h');
});

test('Tab with nothing to complete switches focus, as before', async () => {
  tui.write(KEY.tab);
  // the list has focus: its selection is drawn inverse
  await tui.waitFor(() => {
    const row = tui.lines().findIndex((l) => /^│ [●○#] /.test(l));
    if (row === -1) return false;
    const line = tui.term.buffer.active.getLine(row)!;
    return Boolean(line.getCell(3)?.isInverse());
  }, 5000, 'the list to take focus');
  tui.write(KEY.enter); // the first entry, bob (online sorts first)
  await tui.waitFor(/─ bob · online/);
});

test('Tab completes a friend name and cycles through the candidates', async () => {
  tui.write('hi b' + KEY.tab);
  await waitInput(/> hi bella +│/, 'bella first');
  tui.write(KEY.tab);
  await waitInput(/> hi bob +│/, 'then bob');
  tui.write(KEY.tab);
  await waitInput(/> hi bella +│/, 'and round again');
  tui.write(' there' + KEY.enter);
  await waitFor(() => bobGot.some((m) => m.text === 'hi bella there'), 5000, 'the completed message');
});

test('a pasted text of several lines stays in the input and goes as one message', async () => {
  tui.write('\x1b[200~first pasted line\r\nsecond pasted line\x1b[201~');
  await tui.waitFor(/second pasted line/, 5000, 'the paste in the input');
  await new Promise((r) => setTimeout(r, 300));
  assert.not.ok(bobGot.some((m) => m.text.includes('pasted')), 'the paste did not send itself');
  assert.ok(tui.lines().some((l) => /^│> first pasted line/.test(l)), 'it is in the input');
  tui.write(KEY.enter);
  await waitFor(() => bobGot.some((m) => m.text === 'first pasted line\nsecond pasted line'), 5000, 'one two-line message');
  assert.is(bobGot.filter((m) => m.text.includes('pasted')).length, 1);
});

test('Ctrl-↑ / Ctrl-↓ walk what was typed in this conversation, back to the draft', async () => {
  tui.write('draft');
  await waitInput(/> draft/, 'the draft');
  tui.write(ctrlUp);
  await waitInput(/> first pasted line/, 'the last message');
  tui.write(ctrlUp);
  await waitInput(/> hi bella there/, 'the one before');
  tui.write(ctrlDown);
  tui.write(ctrlDown);
  await waitInput(/> draft/, 'the draft again');
  tui.write('\x15');
  await waitInput(/^│> +│$/, 'an empty input');
});

test('in a group, @ completes its members', async () => {
  tui.write('\x15');
  for (let i = 0; i < 4 && !/─ #dev/.test(tui.text()); i++) {
    tui.write(KEY.ctrlN); // the next conversation in the list
    await new Promise((r) => setTimeout(r, 300));
  }
  await tui.waitFor(/─ #dev/, 5000, 'the group open');
  tui.write('ping @ma');
  await new Promise((r) => setTimeout(r, 300)); // the member list is fetched on opening
  tui.write(KEY.tab);
  await waitInput(/> ping @mallory +│/, '@mallory');
  tui.write('\x15');
});

test('quitting switches bracketed paste off again', async () => {
  tui.write(KEY.ctrlC);
  assert.is(await tui.waitExit(), 0);
  assert.ok(raw.includes('\x1b[?2004l'), 'CSI ? 2004 l');
});

test.run();
