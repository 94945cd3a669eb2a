// test-timeout: 180
// The real `chat` TUI in a pseudo-terminal with a config file, on terminals as they are: grapheme
// clusters (ZWJ sequences, flags, skin tones) keep bubble borders aligned; theme colours, 256
// colours, NO_COLOR and a monochrome terminal; the mouse (wheel, click) and `mouse = false`; a
// narrow terminal's list overlay (and the `● bob` drawn as a lone `s` at 50×20); a resize keeps
// the scroll position; [keys] and [time] from the file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { KEY, startTui, type Tui } from '../helpers/pty.ts';
import { befriend, connectAs, startServer, tempDir, waitFor, type RunningServer } from '../helpers/server.ts';

const test = suite('tui on real terminals');

let server: RunningServer;
let bob: ChatClient;
let carol: ChatClient;
let tui: Tui;
let raw = '';
let dir: string;
const PW = 'alice-s3cret-pw';
const FAMILY = '👨\u200d👩\u200d👧';

const ESC = '\x1b';
/** SGR mouse reports (1-based cells): a left press (the release is not needed), and a wheel notch. */
const mouse = {
  click: (x: number, y: number) => `${ESC}[<0;${x + 1};${y + 1}M`,
  wheelUp: (x: number, y: number) => `${ESC}[<64;${x + 1};${y + 1}M`,
};

function config(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function rowOf(t: Tui, re: RegExp): number {
  return t.lines().findIndex((l) => re.test(l));
}

/** Columns of bubble border characters on a row, right of column `fromX`. */
function bubbleBorders(t: Tui, row: number, fromX: number): number[] {
  return t.cells(row).filter((c) => c.x > fromX && c.x < t.term.cols - 1 && '│╭╮╰╯'.includes(c.ch)).map((c) => c.x);
}

async function login(t: Tui): Promise<void> {
  await t.waitFor('Password', 15_000);
  t.write(PW);
  t.write(KEY.enter);
  await t.waitFor(/alice · ● connected/);
}

/** Ctrl-N until `name`'s conversation is open. */
async function openConversation(t: Tui, name: string): Promise<void> {
  const title = new RegExp(`─ ${name} · (online|offline)`);
  for (let i = 0; i < 5 && !title.test(t.text()); i++) {
    t.write(KEY.ctrlN);
    await t.waitFor((s) => /─ \w+ · (online|offline)/.test(s), 5000, 'a conversation to open');
  }
  await t.waitFor(title);
}

test.before(async () => {
  server = await startServer();
  dir = tempDir('chat-tui-terms-').dir;
  const alice = await connectAs(server, 'alice', PW);
  bob = await connectAs(server, 'bob');
  carol = await connectAs(server, 'carol');
  await befriend(alice, 'alice', bob, 'bob');
  await befriend(alice, 'alice', carol, 'carol');
  await alice.request('logout', {});
  await alice.close();
});

test.after(async () => {
  tui?.kill();
  await bob?.close();
  await carol?.close();
  await server?.stop();
});

test('a config file sets the theme (a name and a 256-colour index), the timestamp format and a key', async () => {
  const path = config('main.toml', [
    `server = "${server.address}"`,
    'user = "alice"',
    '[theme]',
    'own = "magenta"',
    'others = "208"',
    '[time]',
    'today = "%H.%M.%S"',
    '[keys]',
    'toggle_list = ["C-t"]',
  ].join('\n'));
  tui = startTui([], { cols: 100, rows: 30, env: { CHAT_CONFIG: path } });
  tui.proc.onData((d) => (raw += d));
  await login(tui);
  await bob.request('send', { to: 'alice', text: 'theme check from bob' });
  await openConversation(tui, 'bob');
  await tui.waitFor(/│ theme check from bob +│/);
  tui.write('mine in magenta');
  tui.write(KEY.enter);
  await tui.waitFor(/│ mine in magenta +│/);
  await tui.waitFor((t) => !t.includes('sending…'), 5000, 'the message to be stored (a pending one is gray)');
  const buf = tui.term.buffer.active;
  const listRight = tui.cells(0).find((c) => c.ch === '┐')!.x;
  const borderColor = (re: RegExp) => {
    const row = rowOf(tui, re);
    const x = bubbleBorders(tui, row, listRight + 1)[0]!;
    const cell = buf.getLine(row)!.getCell(x)!;
    return { palette: cell.isFgPalette(), color: cell.getFgColor() };
  };
  assert.equal(borderColor(/mine in magenta/), { palette: true, color: 5 }, 'own bubble: magenta');
  assert.equal(borderColor(/theme check from bob/), { palette: true, color: 208 }, "others' bubble: colour 208");
  assert.match(tui.text(), /╭─ \d\d\.\d\d\.\d\d /, 'the [time] format');
});

test('ZWJ sequences, flags and skin tones are one two-column character, and bubble borders stay aligned', async () => {
  const text = `${FAMILY} family 🇩🇪 flag 👍🏽 ok #️⃣ 中文`;
  await bob.request('send', { to: 'alice', text });
  await tui.waitFor('family');
  const row = rowOf(tui, /family/);
  const cells = tui.cells(row);
  for (const cluster of [FAMILY, '🇩🇪', '👍🏽']) {
    const cell = cells.find((c) => c.ch === cluster);
    assert.ok(cell, `${cluster} is one cell: ${JSON.stringify(cells.map((c) => c.ch).join(''))}`);
    assert.is(cell!.width, 2, `${cluster} takes two columns`);
  }
  const listRight = tui.cells(0).find((c) => c.ch === '┐')!.x;
  let top = row - 1;
  while (top > 0 && !tui.lines()[top]!.includes('╭')) top--;
  const body = bubbleBorders(tui, row, listRight + 1);
  const topBorders = bubbleBorders(tui, top, listRight + 1);
  assert.is(body.length, 2, tui.lines()[row]);
  assert.equal(body, topBorders, 'the row\'s borders sit under the ╭ and ╮ above');
  assert.is(tui.cells(row).filter((c) => c.ch === '│').at(-1)!.x, 99, 'the pane border stays in the last column');
  // typed into the input, each cluster moves the cursor two columns
  tui.write(`${FAMILY}🇩🇪x`);
  await tui.waitFor((t) => t.split('\n').some((l) => l.includes('> ') && l.includes('x')), 5000, 'the typed clusters');
  const input = tui.cells(rowOf(tui, /^│> /));
  const at = (ch: string) => input.find((c) => c.ch === ch)!.x;
  assert.equal([at('🇩🇪') - at(FAMILY), at('x') - at('🇩🇪')], [2, 2]);
  tui.write(KEY.backspace.repeat(3));
  await tui.waitFor((t) => !t.includes('🇩🇪x'), 5000, 'the input to empty');
});

test('the mouse: a click on the list opens that conversation, the wheel scrolls it back', async () => {
  assert.is.not(tui.term.modes.mouseTrackingMode, 'none', 'mouse reporting is on by default');
  const row = rowOf(tui, /│ [●○] carol/);
  assert.ok(row > 0, tui.text());
  tui.write(mouse.click(4, row));
  await tui.waitFor(/─ carol · (online|offline)/);
  // long enough to wrap differently at another width (the resize test below needs that)
  for (let i = 1; i <= 20; i++) await carol.request('send', { to: 'alice', text: `wheel filler ${i}: ${'word '.repeat(30)}` });
  await tui.waitFor(/│ wheel filler 20: /);
  tui.write(mouse.wheelUp(60, 10));
  await tui.waitFor(/more below/);
  tui.write(KEY.escape);
  await tui.waitFor(/│ wheel filler 20: /);
});

test('resizing keeps the scroll position: the same message stays at the bottom of the view', async () => {
  // the newest message whose first line is in view
  const lastShown = () => Math.max(...[...tui.text().matchAll(/wheel filler (\d+):/g)].map((m) => Number(m[1])));
  await tui.waitFor(() => lastShown() === 20 && !tui.text().includes('more below'), 5000, 'the newest in view');
  tui.write(KEY.pageUp);
  await tui.waitFor(() => lastShown() < 20, 5000, 'a page back');
  const onePage = lastShown();
  tui.write(KEY.pageUp);
  await tui.waitFor(() => lastShown() < onePage, 5000, 'two pages back');
  const before = lastShown();
  assert.ok(before < 20);
  tui.resize(70, 24);
  await tui.waitFor((t) => /alice · ● connected/.test(t.split('\n')[23] ?? ''), 5000, 'the layout at 70x24');
  await tui.waitFor(() => lastShown() === before, 5000, `filler ${before} to stay the last one shown`);
  tui.resize(100, 30);
  await tui.waitFor((t) => /alice · ● connected/.test(t.split('\n')[29] ?? ''), 5000, 'the layout at 100x30');
  await tui.waitFor(() => lastShown() === before, 5000, `filler ${before} to stay the last one shown after growing`);
  tui.write(KEY.escape);
});

test('narrow (50×20): the list is an overlay that the focus key shows, and `● bob` is drawn whole', async () => {
  tui.resize(50, 20);
  await tui.waitFor((t) => /alice · ● connected/.test(t.split('\n')[19] ?? ''), 5000, 'the layout at 50x20');
  await tui.waitFor((t) => !t.includes('Conversations'), 5000, 'the list to collapse');
  assert.match(tui.lines()[0]!, /^┌─ carol/, 'the conversation takes the whole width');
  // The resize redraws in more than one pass: a key sent in between can be taken by the old
  // layout. Wait for the screen to stand still first (bounded).
  for (let i = 0, last = ''; i < 25; i++) {
    await new Promise((r) => setTimeout(r, 200));
    if (tui.text() === last) break;
    last = tui.text();
  }
  tui.write('\x14'); // Ctrl-T: toggle_list in this config
  await tui.waitFor(/│ [●○] bob/);
  assert.match(tui.text(), /Conversations/);
  assert.not.match(tui.text(), /│ s +│/, 'no lone "s" where the entry belongs');
  tui.write(KEY.down);
  tui.write(KEY.enter);
  await tui.waitFor((t) => /^┌─ \w+ · (online|offline)/.test(t.split('\n')[0]!) && !t.includes('Conversations'), 5000, 'a conversation to open and the list to hide');
  tui.write(KEY.tab);
  await tui.waitFor(/Conversations/);
  tui.write(KEY.tab);
  await tui.waitFor((t) => !t.includes('Conversations'), 5000, 'Tab to hide it again');
  tui.resize(100, 30);
  await tui.waitFor(/Conversations/, 5000, 'the list back at full width');
  tui.write(KEY.ctrlC);
  assert.is(await tui.waitExit(), 0);
});

test('mouse = false: the terminal is never asked to report the mouse', async () => {
  const path = config('nomouse.toml', `server = "${server.address}"\nuser = "alice"\nmouse = false\n`);
  let out = '';
  const t = startTui([], { cols: 100, rows: 30, env: { CHAT_CONFIG: path } });
  try {
    t.proc.onData((d) => (out += d));
    await login(t);
    await openConversation(t, 'bob');
    assert.is(t.term.modes.mouseTrackingMode, 'none', 'the emulated terminal reports no mouse events');
    assert.not.ok(/\x1b\[\?100[0236]h/.test(out), 'no mouse mode was turned on');
    t.write(KEY.ctrlC);
    assert.is(await t.waitExit(), 0);
  } finally {
    t.kill();
  }
});

test('an 8-colour terminal: a 256-colour theme entry is reduced to one of the 8', async () => {
  const path = config('eight.toml', `server = "${server.address}"\nuser = "alice"\n[theme]\nothers = "208"\n`);
  const t = startTui([], { cols: 100, rows: 30, env: { CHAT_CONFIG: path, TERM: 'xterm' } });
  try {
    await login(t);
    await bob.request('send', { to: 'alice', text: 'eight colours only' });
    await openConversation(t, 'bob');
    await t.waitFor(/│ eight colours only +│/);
    const row = rowOf(t, /eight colours only/);
    const x = bubbleBorders(t, row, t.cells(0).find((c) => c.ch === '┐')!.x + 1)[0]!;
    const cell = t.term.buffer.active.getLine(row)!.getCell(x)!;
    assert.ok(cell.isFgPalette() && cell.getFgColor() < 16, `colour ${cell.getFgColor()} on an 8-colour terminal`);
    t.write(KEY.ctrlC);
    assert.is(await t.waitExit(), 0);
  } finally {
    t.kill();
  }
});

test('NO_COLOR, and a terminal without colours: nothing is coloured, and focus still shows', async () => {
  for (const env of [{ NO_COLOR: '1' }, { TERM: 'xterm-mono' }]) {
    const path = config('color.toml', `server = "${server.address}"\nuser = "alice"\n[theme]\nown = "magenta"\nstatus_bg = "red"\n`);
    const t = startTui([], { cols: 100, rows: 30, env: { CHAT_CONFIG: path, ...env } });
    try {
      await login(t);
      await openConversation(t, 'bob');
      t.write('monochrome mine');
      t.write(KEY.enter);
      await t.waitFor(/│ monochrome mine +│/);
      await t.waitFor((text) => !text.includes('sending…'), 5000, 'the message to be stored');
      const buf = t.term.buffer.active;
      const coloured: string[] = [];
      for (let y = 0; y < t.term.rows; y++) {
        const line = buf.getLine(y)!;
        for (let x = 0; x < t.term.cols; x++) {
          const cell = line.getCell(x)!;
          if (!cell.isFgDefault() || !cell.isBgDefault()) coloured.push(`${x},${y}:${cell.getChars()}`);
        }
      }
      assert.equal(coloured.slice(0, 10), [], `${JSON.stringify(env)}: coloured cells`);
      const status = buf.getLine(29)!.getCell(2)!;
      assert.ok(status.isInverse(), `${JSON.stringify(env)}: the status line is inverse instead`);
      const own = rowOf(t, /monochrome mine/);
      const x = bubbleBorders(t, own, t.cells(0).find((c) => c.ch === '┐')!.x + 1)[0]!;
      assert.ok(buf.getLine(own)!.getCell(x)!.isBold(), 'own bubbles are bold instead of coloured');
      t.write(KEY.ctrlC);
      assert.is(await t.waitExit(), 0);
    } finally {
      t.kill();
    }
  }
});

test.run();
void waitFor;
