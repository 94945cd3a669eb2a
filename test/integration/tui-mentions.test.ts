// test-timeout: 120
// Mentions in the real `chat` binary in a pseudo-terminal: an `@` completed with Tab (a name
// with a space) is sent in the message's `mentions`; a message whose server-side mentions name
// me is highlighted; with the mute level `mentions`, a direct message rings only when it
// mentions me.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const test = suite('tui-mentions');
const PW = 'alice-s3cret-pw';
let server: RunningServer;
let tui: Tui;
let alice: ChatClient;
let bob: ChatClient;
let carol: ChatClient;
const carolGot: PushFrame[] = [];
let raw = '';

/** BEL bytes written, leaving out those that end an OSC (a window title). */
const bells = () => (raw.replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '').match(/\x07/g) ?? []).length;
const statusLine = () => tui.lines().at(-1) ?? '';
const YELLOW = 3; // the default theme's highlight

test.before(async () => {
  server = await startServer();
  alice = await connectAs(server, 'alice', PW);
  bob = await connectAs(server, 'bob');
  carol = await connectAs(server, 'Carol Smith');
  carol.onPush((f) => carolGot.push(f));
  await befriend(alice, 'alice', bob, 'bob');
  await carol.request('group_create', { group: 'dev' });
  await bob.request('group_join', { group: 'dev' });
});

test.after(async () => {
  tui?.kill();
  for (const c of [alice, bob, carol]) await c?.close();
  await server?.stop();
});

test('Tab completes @car to "@Carol Smith " and the sent message mentions her', async () => {
  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: 100, rows: 30 });
  tui.proc.onData((d) => (raw += d));
  await tui.waitFor('Password', 15_000);
  tui.write(PW + KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  tui.write('/join dev' + KEY.enter);
  await tui.waitFor(/#dev · public/);
  tui.write('review please @car');
  // the members are fetched when the group opens; Tab completes once they are known
  for (let i = 0; i < 20 && !tui.text().includes('@Carol Smith'); i++) {
    tui.write(KEY.tab);
    await new Promise((r) => setTimeout(r, 100));
  }
  await tui.waitFor('> review please @Carol Smith', 5000, 'the completed name');
  tui.write('and @BOB' + KEY.enter);
  await waitFor(() => carolGot.some((f) => f.type === 'message' && f.from === 'alice'), 5000, 'the push to carol');
  const got = carolGot.find((f) => f.type === 'message' && f.from === 'alice') as Extract<PushFrame, { type: 'message' }>;
  assert.is(got.text, 'review please @Carol Smith and @BOB');
  assert.equal(got.mentions, ['bob', 'Carol Smith'], 'the completed name and the typed one');
});

test('a message that mentions me is highlighted; one that only says @alice is not', async () => {
  await carol.request('send', { group: 'dev', text: 'text only @alice' });
  await carol.request('send', { group: 'dev', text: 'your turn', mentions: ['alice'] });
  await tui.waitFor(/│ your turn +│/);
  const lines = tui.lines();
  const row = lines.findIndex((l) => /│ your turn +│/.test(l));
  assert.match(lines[row - 1]!, /Carol Smith · .* @you/, 'the header says so');
  const cell = tui.cells(row).find((c) => c.ch === 'y')!;
  assert.is(cell.fg, YELLOW, 'drawn in the highlight colour');
  const plainRow = lines.findIndex((l) => /│ text only @alice +│/.test(l));
  assert.not.match(lines[plainRow - 1]!, /@you/);
  assert.is.not(tui.cells(plainRow).find((c) => c.ch === 't')!.fg, YELLOW);
});

test('mute level mentions: a direct message rings only when it mentions me', async () => {
  await alice.request('mute', { with: 'bob', level: 'mentions' });
  const before = bells();
  await bob.request('send', { to: 'alice', text: 'plain hello' });
  await tui.waitFor(() => /act: .*bob\(1\)/.test(statusLine()), 5000, 'bob in the hotlist');
  await new Promise((r) => setTimeout(r, 300)); // a bell would have been written with that redraw
  assert.is(bells(), before, 'no bell without a mention');
  await bob.request('send', { to: 'alice', text: 'alice, look', mentions: ['alice'] });
  await waitFor(() => bells() > before, 5000, 'a bell for the mention');
  await tui.waitFor(() => /bob\(2,@1\)/.test(statusLine()), 5000, 'the mention counted');
});

test.run();
