// Makes the README's screenshots from a real run: starts `chat serve` on a free loopback port,
// seeds a few users, drives the real `chat` TUI in a pseudo-terminal (node-pty + @xterm/headless,
// the devDependencies the PTY tests use), and turns the emulated screen into SVG, then PNG.
//
//   node --import tsx scripts/screenshots.ts
//     → docs/images/login.png, chat.png, group.png, private-group.png, hotlist.png, beginning.png, completion.png,
//       conversation-layer.png
//   ONLY=conversation-layer node --import tsx scripts/screenshots.ts
//     → only the images named (comma-separated); the run is the same, the others are not written
//
// Needs: rsvg-convert (Debian/Ubuntu: apt-get install librsvg2-bin) and the DejaVu Sans Mono font
// (apt-get install fonts-dejavu-core). Set KEEP_SVG=1 to keep the .svg files next to the PNGs.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { befriend, connectAs, ROOT, startServer } from '../test/helpers/server.ts';
import { KEY, startTui, type Tui } from '../test/helpers/pty.ts';

const OUT = join(ROOT, 'docs', 'images');
const COLS = 100;
const ROWS = 28;
const FONT_SIZE = 14;
const CELL_W = 8.43; // DejaVu Sans Mono advance: 0.602 em
const CELL_H = 18;

// xterm's default 16 colours, on a dark background
const PALETTE = ['#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5',
  '#666666', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff'];
const FG = '#d4d4d4';
const BG = '#1e1e1e';

function color(mode: 'fg' | 'bg', cell: any): string | null {
  const isDefault = mode === 'fg' ? cell.isFgDefault() : cell.isBgDefault();
  if (isDefault) return null;
  const value = mode === 'fg' ? cell.getFgColor() : cell.getBgColor();
  const palette = mode === 'fg' ? cell.isFgPalette() : cell.isBgPalette();
  if (palette) {
    if (value < 16) return PALETTE[value]!;
    if (value >= 232) {
      const g = 8 + (value - 232) * 10;
      return `rgb(${g},${g},${g})`;
    }
    const v = value - 16;
    const c = (n: number) => (n === 0 ? 0 : 55 + n * 40);
    return `rgb(${c(Math.floor(v / 36))},${c(Math.floor(v / 6) % 6)},${c(v % 6)})`;
  }
  return `#${value.toString(16).padStart(6, '0')}`;
}

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function toSvg(tui: Tui): string {
  const buf = tui.term.buffer.active;
  const W = Math.ceil(COLS * CELL_W) + 20;
  const H = ROWS * CELL_H + 20;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">`, `<rect width="100%" height="100%" fill="${BG}"/>`,
    `<g transform="translate(10,10)" font-family="DejaVu Sans Mono" font-size="${FONT_SIZE}" xml:space="preserve">`];
  for (let y = 0; y < ROWS; y++) {
    const line = buf.getLine(buf.viewportY + y);
    if (!line) continue;
    for (let x = 0; x < COLS; x++) {
      const cell = line.getCell(x);
      if (!cell || cell.getWidth() === 0) continue;
      let fg = color('fg', cell) ?? FG;
      let bg = color('bg', cell);
      if (cell.isInverse()) [fg, bg] = [bg ?? BG, fg];
      const w = cell.getWidth() * CELL_W;
      if (bg) parts.push(`<rect x="${(x * CELL_W).toFixed(2)}" y="${y * CELL_H}" width="${(w + 0.5).toFixed(2)}" height="${CELL_H}" fill="${bg}"/>`);
      const ch = cell.getChars();
      if (!ch || ch === ' ') continue;
      const box = boxPath(ch, x * CELL_W, y * CELL_H);
      if (box) {
        parts.push(`<path d="${box}" stroke="${fg}" stroke-width="1.2" fill="none"/>`);
        continue;
      }
      const weight = cell.isBold() ? ' font-weight="bold"' : '';
      const deco = cell.isUnderline() ? ' text-decoration="underline"' : '';
      parts.push(`<text x="${(x * CELL_W).toFixed(2)}" y="${y * CELL_H + 13}" fill="${fg}"${weight}${deco}>${esc(ch)}</text>`);
    }
  }
  parts.push('</g></svg>');
  return parts.join('\n');
}

// Box-drawing characters are drawn as lines, so borders join whatever the font's glyphs do.
// Each lists the arms it has: l(eft) r(ight) u(p) d(own); rounded corners are drawn square.
const BOX: Record<string, string> = {
  '─': 'lr', '│': 'ud', '┌': 'rd', '┐': 'ld', '└': 'ru', '┘': 'lu', '╭': 'rd', '╮': 'ld', '╰': 'ru', '╯': 'lu',
  '├': 'udr', '┤': 'udl', '┬': 'lrd', '┴': 'lru', '┼': 'lrud',
};

function boxPath(ch: string, x: number, y: number): string | null {
  const arms = BOX[ch];
  if (!arms) return null;
  const cx = (x + CELL_W / 2).toFixed(2);
  const cy = (y + CELL_H / 2).toFixed(2);
  const d: string[] = [];
  if (arms.includes('l')) d.push(`M${x.toFixed(2)} ${cy}H${cx}`);
  if (arms.includes('r')) d.push(`M${cx} ${cy}H${(x + CELL_W).toFixed(2)}`);
  if (arms.includes('u')) d.push(`M${cx} ${y}V${cy}`);
  if (arms.includes('d')) d.push(`M${cx} ${cy}V${y + CELL_H}`);
  return d.join('');
}

const ONLY = process.env.ONLY ? new Set(process.env.ONLY.split(',')) : null;

function save(tui: Tui, name: string): void {
  if (ONLY && !ONLY.has(name)) return;
  const svg = join(OUT, `${name}.svg`);
  const png = join(OUT, `${name}.png`);
  writeFileSync(svg, toSvg(tui));
  execFileSync('rsvg-convert', ['-o', png, svg]);
  if (!process.env.KEEP_SVG) rmSync(svg);
  console.log(`wrote ${png}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tab to the list, move down until `label`'s row is highlighted, Enter. */
async function openFromList(tui: Tui, label: string): Promise<void> {
  tui.write(KEY.tab);
  for (let i = 0; i < 24; i++) {
    await sleep(150);
    const row = tui.lines().findIndex((l) => l.slice(0, 26).includes(label));
    const line = tui.term.buffer.active.getLine(row);
    if (row >= 0 && line?.getCell(3)?.isInverse()) {
      tui.write(KEY.enter);
      return;
    }
    tui.write(i < 10 ? KEY.down : KEY.up);
  }
  throw new Error(`could not select ${label} in the list:\n${tui.text()}`);
}

const server = await startServer();
let tui: Tui | undefined;
try {
  const alice = await connectAs(server, 'alice', 'alice-s3cret-pw');
  const bob = await connectAs(server, 'bob');
  const carol = await connectAs(server, 'carol');
  const dave = await connectAs(server, 'dave');
  await befriend(alice, 'alice', bob, 'bob');
  await befriend(alice, 'alice', carol, 'carol');
  await befriend(alice, 'alice', dave, 'dave');
  await alice.request('group_create', { group: 'dev', desc: 'dev talk' });
  await bob.request('group_join', { group: 'dev' });
  await carol.request('group_join', { group: 'dev' });
  // a private group with roles: alice owns it, bob is an admin, carol and dave are members
  await alice.request('group_create', { group: 'ops', desc: 'on call this week', private: true });
  for (const [who, name] of [[bob, 'bob'], [carol, 'carol'], [dave, 'dave']] as const) {
    await alice.request('group_invite', { group: 'ops', user: name });
    await who.request('group_join', { group: 'ops' });
  }
  await alice.request('group_role', { group: 'ops', user: 'bob', role: 'admin' });
  await bob.request('send', { group: 'ops', text: 'pager is with me until Friday' });
  await dave.request('send', { group: 'ops', text: 'the disk alert on db-2 was a false alarm' });
  await alice.request('send', { group: 'ops', text: 'thanks. bob, please /invite erin, she starts Monday' });
  await bob.request('send', { to: 'alice', text: 'hey! did the deploy go out?' });
  await alice.request('send', { to: 'bob', text: 'yes, 10 minutes ago. all green so far' });
  await bob.request('send', { to: 'alice', text: 'nice. the new reconnect logic held up when I bounced the server: the TUI said "reconnecting…", came back by itself and filled the gap' });
  await alice.request('send', { to: 'bob', text: 'that was the point :)' });
  // a long conversation with dave, from long ago, to page back through
  const topics = ['the flaky test in CI', 'the migration plan', 'lunch on Friday', 'the on-call rota', 'the new laptop', 'the release notes'];
  for (let n = 0; n < 240; n++) {
    const [from, to] = n % 2 === 0 ? [dave, 'alice'] : [alice, 'dave'];
    await from.request('send', { to, text: n === 0 ? 'hi alice, welcome to the team!' : n === 1 ? 'thanks! glad to be here' : `${n}: about ${topics[n % topics.length]}` });
  }
  await alice.request('send', { group: 'dev', text: 'standup in 5' });
  await bob.request('send', { group: 'dev', text: 'on my way' });
  await carol.request('send', { group: 'dev', text: 'running late, start without me' });
  await alice.request('logout', {});
  await alice.close();
  await carol.request('send', { to: 'alice', text: 'are you around later?' });
  await carol.request('send', { to: 'alice', text: 'lunch?' });
  await carol.request('logout', {});
  await carol.close();

  tui = startTui(['--server', server.address, '--user', 'alice'], { cols: COLS, rows: ROWS });
  await tui.waitFor('Password', 15_000);
  tui.write('alice-s3cret-pw');
  await tui.waitFor('•••••••••••••••');
  save(tui, 'login');

  tui.write(KEY.enter);
  await tui.waitFor(/alice · ● connected/);
  await tui.waitFor(/carol \(2\)/);
  await openFromList(tui, 'bob');
  await tui.waitFor(/bob · online/);
  await tui.waitFor('that was the point');
  await bob.request('send', { to: 'alice', text: 'coffee? ☕' });
  await tui.waitFor('coffee');
  tui.write('sure, 5 min');
  await tui.waitFor('sure, 5 min');
  await sleep(200);
  save(tui, 'chat');

  tui.write(KEY.enter);
  await tui.waitFor('sure, 5 min');
  await openFromList(tui, '# dev');
  await tui.waitFor(/#dev · public · you: creator · dev talk/);
  tui.write('/members');
  tui.write(KEY.enter);
  await tui.waitFor(/3 members/);
  await sleep(200);
  save(tui, 'group');

  tui.write(KEY.escape);
  // an Esc followed at once by openFromList's Tab would read as Alt-Tab
  await tui.waitFor((t) => !t.includes('3 members'));
  await openFromList(tui, '# ops');
  await tui.waitFor(/#ops · private · you: creator · on call this week/);
  tui.write('/members');
  tui.write(KEY.enter);
  await tui.waitFor(/4 members/);
  await sleep(200);
  save(tui, 'private-group');

  // the hotlist: activity elsewhere while alice reads bob
  tui.write(KEY.escape);
  await tui.waitFor((t) => !t.includes('4 members'));
  await openFromList(tui, 'bob');
  await tui.waitFor(/bob · online/);
  await bob.request('send', { group: 'dev', text: '@alice can you look at the release notes?', mentions: ['alice'] });
  await dave.request('send', { to: 'alice', text: 'the build is green again' });
  await tui.waitFor(/act: carol\(2\) #dev\(1,@1\) dave\(1\)/);
  await sleep(200);
  save(tui, 'hotlist');

  // Alt-A opens the most recent (dave); PgUp back to the beginning of that conversation
  tui.write('\x1ba');
  await tui.waitFor(/dave · /);
  await tui.waitFor('the build is green again');
  for (let i = 0; i < 400 && !tui.text().includes('beginning of conversation'); i++) {
    tui.write(KEY.pageUp);
    await sleep(60);
  }
  await tui.waitFor('beginning of conversation');
  await tui.waitFor('welcome to the team');
  await sleep(200);
  save(tui, 'beginning');

  // completion: Tab after @ca in the group
  tui.write('\x1ba'); // the next most recent: #dev
  await tui.waitFor(/#dev · public · you: creator · dev talk/);
  tui.write('thanks, on it. @ca');
  await sleep(300);
  tui.write(KEY.tab);
  await tui.waitFor('@carol');
  await sleep(200);
  save(tui, 'completion');

  // the conversation layer in a 1:1: a reply, a reaction, an edit, read receipts, typing
  tui.write(KEY.enter);
  await tui.waitFor('thanks, on it.');
  await openFromList(tui, 'bob');
  await tui.waitFor(/bob · online/);
  await tui.waitFor('sure, 5 min');
  tui.write('the release notes draft is in the doc. can you check the wording of the upgrade part?');
  tui.write(KEY.enter);
  await tui.waitFor('upgrade part?');
  let mine = (await bob.request('history', { with: 'alice', limit: 1 })).messages[0]!;
  for (let i = 0; i < 50 && !mine.text.includes('upgrade part'); i++) {
    await sleep(100); // stored once the TUI's send is acked
    mine = (await bob.request('history', { with: 'alice', limit: 1 })).messages[0]!;
  }
  await bob.request('react', { with: 'alice', seq: mine.seq, emoji: '♥' }); // an emoji DejaVu Sans Mono has, so the PNG shows it
  await bob.request('send', { to: 'alice', text: 'one typo in step 3, otherwise clear. fixed it in the doc', reply_to: mine.seq });
  const { seq: plan } = await bob.request('send', { to: 'alice', text: 'release at 3pm then?' });
  await bob.request('edit', { with: 'alice', seq: plan, text: 'release at 4pm then, after the standup?' });
  await bob.request('read', { conversation: mine.conversation, seq: plan });
  await tui.waitFor('(edited)');
  await tui.waitFor('♥ 1');
  await tui.waitFor('✓✓');
  await bob.request('typing', { with: 'alice' });
  await tui.waitFor('bob is typing');
  await sleep(200);
  save(tui, 'conversation-layer');
  tui.write(KEY.ctrlC);
  await tui.waitExit();
  await bob.close();
  await dave.close();
} finally {
  tui?.kill();
  await server.stop();
}
