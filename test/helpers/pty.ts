// Drives the real `chat` binary in a pseudo-terminal (node-pty) and reads its screen as text
// through a headless xterm. The emulated terminal measures characters as a modern terminal does
// (emoji and CJK two columns), and joins grapheme clusters into one cell as terminals with
// grapheme support do: a ZWJ sequence (👨‍👩‍👧), a flag (🇩🇪), an emoji with a skin tone (👍🏽) or a
// keycap (#️⃣) is one character two columns wide. The joining rules below are written out here,
// apart from lib/tui/width.ts's Intl.Segmenter, so a test compares two accounts of a cluster.
import xterm from '@xterm/headless';
import * as pty from 'node-pty';
import { codePointWidth } from '../../lib/tui/width.ts';
import { CHAT_BIN, cliEnv, ROOT } from './server.ts';

const { Terminal } = xterm;

export interface Tui {
  term: InstanceType<typeof Terminal>;
  proc: pty.IPty;
  /** the screen, one string per row, right-trimmed */
  lines(): string[];
  text(): string;
  /** the cells of one row with their columns (a wide character occupies x and x+1) */
  cells(row: number): { ch: string; x: number; width: number; fg: number }[];
  write(data: string): void;
  /** polls the screen until `test` holds; fails with the screen after `ms` */
  waitFor(test: string | RegExp | ((text: string) => boolean), ms?: number, what?: string): Promise<string>;
  resize(cols: number, rows: number): void;
  exited: Promise<number>;
  /** the exit code, or -1 when the process is still running after `ms` */
  waitExit(ms?: number): Promise<number>;
  kill(): void;
}

// xterm asks, code point by code point, whether it joins the cell before (bit 0) and how wide
// the cell then is (bits 1-2); bits 3+ carry our state to the next code point.
const AFTER_ZWJ = 1;
const AFTER_LONE_RI = 2;
const isRegional = (cp: number) => cp >= 0x1f1e6 && cp <= 0x1f1ff;
const EXTEND = /^[\p{M}\u200d\ufe00-\ufe0f\u{1f3fb}-\u{1f3ff}\u{e0020}-\u{e007f}]$/u;
const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;

function joinGraphemes(cp: number, preceding: number): number {
  const ch = String.fromCodePoint(cp);
  const before = preceding >> 3;
  const oldWidth = (preceding >> 1) & 3;
  let width: number = codePointWidth(cp);
  let join = false;
  let state = 0;
  if (preceding !== 0 && oldWidth > 0) {
    if (EXTEND.test(ch)) join = true;
    else if (before === AFTER_ZWJ && PICTOGRAPHIC.test(ch)) join = true;
    else if (before === AFTER_LONE_RI && isRegional(cp)) join = true;
  }
  if (join) {
    // VS16 asks for emoji presentation: two columns
    width = cp === 0xfe0f || isRegional(cp) ? 2 : Math.max(oldWidth, width);
    if (cp === 0x200d) state = AFTER_ZWJ;
  } else if (isRegional(cp)) {
    state = AFTER_LONE_RI;
  }
  return (state << 3) | ((width & 3) << 1) | (join ? 1 : 0);
}

const live = new Set<pty.IPty>();
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {}
  }
});

export const KEY = {
  enter: '\r',
  tab: '\t',
  shiftTab: '\x1b[Z',
  up: '\x1b[A',
  down: '\x1b[B',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  escape: '\x1b',
  altEnter: '\x1b\r',
  ctrlC: '\x03',
  ctrlN: '\x0e',
  ctrlR: '\x12',
  backspace: '\x7f',
};

export function startTui(args: string[], options: { cols?: number; rows?: number; env?: Record<string, string | undefined> } = {}): Tui {
  const cols = options.cols ?? 100;
  const rows = options.rows ?? 30;
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  term.unicode.register({ version: 'chat-graphemes', wcwidth: (cp: number) => codePointWidth(cp), charProperties: joinGraphemes });
  term.unicode.activeVersion = 'chat-graphemes';
  const env = cliEnv({ TERM: 'xterm-256color', LANG: 'C.UTF-8', ...options.env });
  // node-pty sets TERM from `name`: a test that picks another terminal type passes env.TERM
  const proc = pty.spawn(process.execPath, [CHAT_BIN, ...args], { name: env.TERM!, cols, rows, cwd: ROOT, env });
  live.add(proc);
  let output = '';
  proc.onData((d) => {
    output += d;
    term.write(d);
  });
  const exited = new Promise<number>((resolve) =>
    proc.onExit(({ exitCode }) => {
      live.delete(proc);
      resolve(exitCode);
    }),
  );
  const lines = () => {
    const buf = term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < term.rows; y++) out.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return out;
  };
  const text = () => lines().join('\n');
  // xterm parses asynchronously: a write callback tells when everything received so far is on screen
  const flush = () => new Promise<void>((resolve) => term.write('', resolve));
  return {
    term,
    proc,
    lines,
    text,
    cells(row) {
      const buf = term.buffer.active;
      const line = buf.getLine(buf.viewportY + row);
      const out: { ch: string; x: number; width: number; fg: number }[] = [];
      if (!line) return out;
      for (let x = 0; x < term.cols; x++) {
        const cell = line.getCell(x)!;
        if (cell.getWidth() === 0) continue;
        // fg: the palette index of the foreground colour, -1 for the default
        out.push({ ch: cell.getChars() || ' ', x, width: cell.getWidth(), fg: cell.isFgDefault() ? -1 : cell.getFgColor() });
      }
      return out;
    },
    write: (data) => proc.write(data),
    async waitFor(test, ms = 10_000, what) {
      const check = typeof test === 'function' ? test : (t: string) => (typeof test === 'string' ? t.includes(test) : test.test(t));
      const deadline = Date.now() + ms;
      for (;;) {
        await flush();
        const t = text();
        if (check(t)) return t;
        if (Date.now() > deadline) {
          throw new Error(`timed out after ${ms} ms waiting for ${what ?? String(test)}\n--- screen ---\n${t}\n--- end ---\nraw tail: ${JSON.stringify(output.slice(-300))}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    resize(c, r) {
      term.resize(c, r);
      proc.resize(c, r);
    },
    exited,
    waitExit(ms = 8000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), ms)));
      return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
    },
    kill() {
      try {
        proc.kill('SIGKILL');
      } catch {}
      // close our end of the terminal too, or its read stream keeps the test process alive
      (proc as unknown as { destroy?: () => void }).destroy?.();
    },
  };
}
