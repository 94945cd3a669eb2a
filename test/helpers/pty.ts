// Drives the real `chat` binary in a pseudo-terminal (node-pty) and reads its screen as text
// through a headless xterm. The emulated terminal measures characters with the same Unicode 9+
// widths as a modern terminal (emoji and CJK two columns), via lib/tui/width.ts.
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
  cells(row: number): { ch: string; x: number; width: number }[];
  write(data: string): void;
  /** polls the screen until `test` holds; fails with the screen after `ms` */
  waitFor(test: string | RegExp | ((text: string) => boolean), ms?: number, what?: string): Promise<string>;
  resize(cols: number, rows: number): void;
  exited: Promise<number>;
  /** the exit code, or -1 when the process is still running after `ms` */
  waitExit(ms?: number): Promise<number>;
  kill(): void;
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
  term.unicode.register({
    version: 'chat-modern',
    wcwidth: (cp: number) => codePointWidth(cp),
    charProperties(cp: number, preceding: number): number {
      let width: number = codePointWidth(cp);
      let join = width === 0 && preceding !== 0;
      if (join) {
        const old = (preceding >> 1) & 3;
        if (old === 0) join = false;
        else if (old > width) width = old;
      }
      return ((width & 3) << 1) | (join ? 1 : 0);
    },
  });
  term.unicode.activeVersion = 'chat-modern';
  const proc = pty.spawn(process.execPath, [CHAT_BIN, ...args], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: ROOT,
    env: cliEnv({ TERM: 'xterm-256color', LANG: 'C.UTF-8', ...options.env }),
  });
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
      const out: { ch: string; x: number; width: number }[] = [];
      if (!line) return out;
      for (let x = 0; x < term.cols; x++) {
        const cell = line.getCell(x)!;
        if (cell.getWidth() === 0) continue;
        out.push({ ch: cell.getChars() || ' ', x, width: cell.getWidth() });
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
