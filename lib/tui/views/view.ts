// The blessed side: widgets, drawing from state, and turning keys into intents. It imports no
// socket and no session; all it can do is call the Intents it is given.
import blessed from 'neo-blessed';
import type { Widgets } from 'blessed';
import { escapeTags, stripControls } from '../../client/sanitize.ts';
import type { TuiConfig } from '../../client-config.ts';
import { decodeProgramOutput, patchBlessedUnicode } from '../blessed-unicode.ts';
import type { Intents } from '../controller.ts';
import { actionFor, DEFAULT_KEYS, type KeyAction, type KeyMap } from '../keymap.ts';
import { layoutConversation, markerLine, type Line } from '../layout.ts';
import { entries, type EditOp, type State } from '../state.ts';
import { paint, resolveTheme, type Theme } from '../theme.ts';
import type { TimeFormats } from '../time-format.ts';
import { padEnd, strWidth, truncate, wrap } from '../width.ts';

const s = (text: string) => escapeTags(stripControls(text));

/** Below this many columns the conversation list is an overlay, shown while it has the focus. */
export const NARROW_COLUMNS = 60;
/** Lines one wheel notch scrolls. */
const WHEEL_LINES = 3;

export interface ViewOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** theme, keys, mouse and timestamps from the config file (defaults without) */
  config?: TuiConfig | undefined;
}

/** Where the conversation pane's bottom line was: a message (by seq) and how many of its lines were below the view. */
interface Anchor {
  key: string;
  of: number;
  below: number;
}

export class View {
  readonly screen: Widgets.Screen;
  private readonly loginBox: Widgets.BoxElement;
  private readonly list: Widgets.BoxElement;
  private readonly messages: Widgets.BoxElement;
  private readonly input: Widgets.BoxElement;
  private readonly status: Widgets.BoxElement;
  private readonly overlay: Widgets.BoxElement;
  private state: State | null = null;
  /** from the last render: what PgUp/PgDn need, and what a resize keeps in view */
  private pane: { total: number; visible: number; bottom: number; anchor: Anchor | null } = { total: 0, visible: 0, bottom: 0, anchor: null };
  /** set by a resize while scrolled back: the next render puts this line back at the bottom */
  private keepAnchor: Anchor | null = null;
  /** the entry keys of the list rows drawn, top first (what a click hits) */
  private listRows: string[] = [];
  private readonly keys: KeyMap;
  private readonly theme: Theme;
  private readonly time: TimeFormats | undefined;
  /** the current input read holds ESC CR (Alt-Enter) */
  private altEnterInRead = false;
  /** an Escape from such a read was just swallowed: a Return next means Alt-Enter */
  private escapeHeld = false;

  constructor(private readonly intents: Intents, options: ViewOptions = {}) {
    patchBlessedUnicode();
    const config = options.config;
    this.keys = config?.keys ?? DEFAULT_KEYS;
    this.time = config?.time;
    this.screen = blessed.screen({
      smartCSR: true,
      fullUnicode: true,
      forceUnicode: true,
      title: 'chat',
      autoPadding: true,
      dockBorders: false,
      ...(options.input ? { input: options.input as any } : {}),
      ...(options.output ? { output: options.output as any } : {}),
    });
    // NO_COLOR, or a terminal whose terminfo has fewer than 8 colours: bold, underline, inverse
    const terminalColors = (this.screen as unknown as { tput?: { colors?: number } }).tput?.colors ?? 8;
    this.theme = resolveTheme(config?.theme.colors ?? {}, (config?.theme.monochrome ?? false) || terminalColors < 8);
    const { border, status } = this.theme;
    const box = (o: Widgets.BoxOptions) => blessed.box({ parent: this.screen, tags: true, wrap: false, ...o });
    this.loginBox = box({ border: 'line', label: ' chat ', style: { border: { fg: border.focus } } });
    this.list = box({ border: 'line', style: { border: { fg: border.idle } } });
    this.messages = box({ border: 'line', style: { border: { fg: border.idle } } });
    this.input = box({ border: 'line', wrap: true, style: { border: { fg: border.idle } } });
    this.status = box({ height: 1, style: { bg: status.bg, fg: status.fg } });
    this.overlay = box({ border: 'line', style: { border: { fg: border.overlay } }, hidden: true });
    if (config?.mouse ?? true) this.listenMouse();
    decodeProgramOutput(this.screen.program as any);
    this.screen.program.hideCursor();
    this.screen.on('keypress', (ch: string | undefined, key: Widgets.Events.IKeyEventArg) => this.onKey(ch, key));
    // Alt-Enter arrives as ESC CR, which blessed's key parser reports as Escape, then Return
    // (send). Spot it in the raw input before blessed parses it, and turn that pair into a newline.
    (this.screen.program.input as NodeJS.ReadableStream).prependListener('data', (data: Buffer | string) => {
      this.altEnterInRead = /\x1b[\r\n]/.test(data.toString());
    });
    this.screen.on('resize', () => {
      // keep the message at the bottom of the view there, however the new width re-wraps it
      if (this.intents.state.scroll !== null) this.keepAnchor = this.pane.anchor;
      if (this.state) this.render(this.state);
    });
  }

  /** Wheel scrolls the conversation; a click on the list opens what it hits. */
  private listenMouse(): void {
    this.messages.on('wheelup', () => this.scroll(-1, WHEEL_LINES));
    this.messages.on('wheeldown', () => this.scroll(1, WHEEL_LINES));
    this.list.on('wheelup', () => this.intents.dispatch({ t: 'select', delta: -1 }));
    this.list.on('wheeldown', () => this.intents.dispatch({ t: 'select', delta: 1 }));
    // on the press, not the release: a press and its release can come in one read, and blessed
    // parses one mouse report per read
    this.list.on('mousedown', (data: { y: number }) => {
      const key = this.listRows[data.y - (this.list.atop as number) - 1];
      if (key && this.intents.state.screen === 'chat') this.intents.open(key);
    });
  }

  /** `text` (escaped) in a named colour, or plain in monochrome. */
  private color(name: string, text: string): string {
    return this.theme.monochrome ? text : `{${name}-fg}${text}{/${name}-fg}`;
  }

  destroy(): void {
    this.screen.program.showCursor();
    this.screen.destroy();
  }

  render(state: State): void {
    this.state = state;
    const W = this.screen.width as number;
    const H = this.screen.height as number;
    if (state.screen === 'login') {
      for (const el of [this.list, this.messages, this.input, this.status, this.overlay]) el.hide();
      this.loginBox.show();
      this.renderLogin(state, W, H);
    } else {
      this.loginBox.hide();
      for (const el of [this.list, this.messages, this.input, this.status]) el.show();
      this.renderChat(state, W, H);
    }
    this.screen.render();
  }

  // ---- login ----

  private renderLogin(st: State, W: number, H: number): void {
    const width = Math.min(W, 64);
    const height = Math.min(H, 17);
    Object.assign(this.loginBox, { left: Math.max(0, Math.floor((W - width) / 2)), top: Math.max(0, Math.floor((H - height) / 2)), width, height });
    const fieldW = Math.max(8, width - 18);
    const { fields, focus, busy, error } = st.login;
    const labels = ['Server', 'User', 'Password'];
    const lines = ['', '  {bold}Welcome to chat.{/bold} Log in, or register a new account.', ''];
    fields.forEach((f, i) => {
      const shown = i === 2 ? '•'.repeat([...f.value].length) : f.value;
      const cursorAt = i === 2 ? [...f.value.slice(0, f.cursor)].length : f.cursor;
      const text = fieldText(shown, cursorAt, fieldW, focus === i, i === 2);
      const label = padEnd(labels[i]!, 10);
      lines.push(`  ${focus === i ? paint(this.theme.tag.focus, '{bold}' + label + '{/bold}') : label}${text}`);
      lines.push('');
    });
    const button = (label: string, on: boolean) => (on ? paint(this.theme.tag.button, `{bold} ${label} {/bold}`) : `[ ${label} ]`);
    lines.push(`            ${button('Login', focus === 3)}     ${button('Register', focus === 4)}`);
    lines.push('');
    if (busy) lines.push(`  ${this.color('yellow', 'Connecting…')}`);
    else if (error) lines.push(`  ${this.color('red', `{bold}${s(truncate(error, width - 6))}{/bold}`)}`);
    else lines.push('');
    lines.push('');
    lines.push(`  ${paint(this.theme.tag.muted, escapeTags(truncate('Tab/↑↓ move · Enter log in · Ctrl-R register · Ctrl-C quit', width - 6)))}`);
    this.loginBox.setContent(lines.join('\n'));
  }

  // ---- chat ----

  private renderChat(st: State, W: number, H: number): void {
    const innerInputW = Math.max(4, W - 4);
    const inputLines = Math.min(5, Math.max(1, inputRows(st.input.value, innerInputW)));
    const inputH = inputLines + 2;
    const mainH = Math.max(3, H - 1 - inputH);
    // Narrow: the conversation takes the whole width, and the list is drawn over it while it
    // has the focus (Tab, or the toggle_list key, shows and hides it).
    const narrow = W < NARROW_COLUMNS;
    const listW = narrow ? Math.min(W, 32) : Math.min(32, Math.max(20, Math.floor(W * 0.26)));
    const paneLeft = narrow ? 0 : listW;
    Object.assign(this.list, { left: 0, top: 0, width: listW, height: mainH });
    Object.assign(this.messages, { left: paneLeft, top: 0, width: W - paneLeft, height: mainH });
    Object.assign(this.input, { left: 0, top: mainH, width: W, height: inputH });
    Object.assign(this.status, { left: 0, top: H - 1, width: W, height: 1 });
    if (narrow && st.focus !== 'list') this.list.hide();
    else {
      this.list.show();
      if (narrow) this.list.setFront();
    }
    // a label wider than its box wraps onto the box's first row (at 50 columns " Conversations "
    // left a lone "s" over the first entry)
    this.list.setLabel(' ' + truncate('Conversations', Math.max(1, listW - 4)) + ' ');
    const { border } = this.theme;
    (this.list.style.border as any).fg = st.focus === 'list' ? border.focus : border.idle;
    (this.input.style.border as any).fg = st.focus === 'input' ? border.focus : border.idle;

    // conversation list
    const items = entries(st);
    const rows: string[] = [];
    const innerListW = listW - 2;
    for (const e of items) {
      const badge = e.unread > 0 ? ` (${e.unread})` : '';
      const mark = e.kind === 'request' ? (e.direction === 'in' ? '?' : '→') : e.kind === 'group' ? '#' : e.online ? '●' : '○';
      const name = truncate(stripControls(e.name), Math.max(1, innerListW - 3 - strWidth(badge)));
      const text = e.kind === 'request' ? truncate(`${mark} ${stripControls(e.name)} ${e.direction === 'in' ? 'asks' : 'asked'}`, innerListW - 1) : `${mark} ${name}${badge}`;
      let row = ' ' + escapeTags(padEnd(text, innerListW - 1));
      if (e.kind === 'friend') row = row.replace(mark, e.online ? this.color('green', mark) : paint(this.theme.tag.muted, mark));
      if (e.unread > 0) row = `{bold}${row}{/bold}`;
      if (e.kind === 'request') row = paint(this.theme.tag.highlight, row);
      if (e.key === st.selected && st.focus === 'list') row = `{inverse}${row}{/inverse}`;
      else if (e.key === st.open) row = paint(this.theme.monochrome ? { open: '{underline}', close: '{/underline}' } : this.theme.tag.focus, row);
      rows.push(row);
    }
    if (items.length === 0) rows.push('', ...['No friends yet.', '/add NAME', '/join GROUP', '/help'].map((t) => ' ' + paint(this.theme.tag.muted, escapeTags(truncate(t, innerListW - 1)))));
    // keep the highlighted (or open) entry in view when the list is longer than the pane
    const focusIndex = items.findIndex((e) => e.key === (st.focus === 'list' ? st.selected : st.open));
    const first = Math.max(0, Math.min(focusIndex - (mainH - 3), rows.length - (mainH - 2)));
    this.list.setContent(rows.slice(first, first + mainH - 2).join('\n'));
    this.listRows = items.slice(first, first + mainH - 2).map((e) => e.key);

    // conversation pane
    const paneW = W - paneLeft - 2;
    const visible = mainH - 2;
    const conv = st.open ? st.conversations[st.open] : undefined;
    if (!conv) {
      this.messages.setLabel(' chat ');
      const hello = ['', `Hello, ${stripControls(st.me)}.`, '', narrow ? 'Tab shows the conversation list: pick one with ↑↓, Enter opens it.' : 'Tab to the list, pick a conversation with ↑↓, Enter to open it.', '/add NAME adds a friend, /join GROUP joins a group,', '/create GROUP makes one. /help shows everything.'];
      this.messages.setContent(hello.map((t) => ' ' + escapeTags(truncate(t, paneW - 1))).join('\n'));
      this.pane = { total: 0, visible, bottom: 0, anchor: null };
    } else {
      const group = conv.kind === 'group';
      const desc = group ? st.groups.find((g) => g.name === conv.name)?.desc : undefined;
      const online = group ? undefined : st.friends.find((f) => f.name === conv.name)?.online;
      const title = group ? `#${conv.name}${desc ? ' · ' + desc : ''}` : `${conv.name}${online === undefined ? '' : online ? ' · online' : ' · offline'}`;
      this.messages.setLabel(' ' + s(truncate(stripControls(title), Math.max(4, paneW - 4))) + ' ');
      const lines = layoutConversation(conv.messages, { width: paneW, me: st.me, group, newFrom: conv.newFrom, pending: conv.pending, theme: this.theme, time: this.time });
      const total = lines.length;
      let scroll = st.scroll;
      const anchor = this.keepAnchor;
      this.keepAnchor = null;
      if (scroll !== null && anchor && anchor.key === st.open) {
        const last = lines.findLastIndex((l) => l.of === anchor.of);
        if (last !== -1) {
          scroll = Math.max(0, last + 1 - anchor.below);
          // the state follows, so PgUp/PgDn go on from here
          if (scroll !== st.scroll) queueMicrotask(() => this.intents.dispatch({ t: 'scroll', to: scroll }));
        }
      }
      let bottom = scroll === null ? total : Math.min(total, Math.max(Math.min(total, visible), scroll));
      const start = Math.max(0, bottom - visible);
      const shown: Line[] = lines.slice(start, bottom);
      const anchorLine = lines[bottom - 1];
      const below = anchorLine?.of === undefined ? 0 : lines.slice(bottom).filter((l) => l.of === anchorLine.of).length;
      if (scroll !== null && bottom < total) {
        const label = st.newBelow ? ' ↓ new messages below (PgDn) ↓ ' : ' ↓ more below (PgDn) ↓ ';
        if (shown.length >= visible) shown.pop();
        shown.push(markerLine(label, paneW, this.theme));
      }
      if (total === 0) shown.push({ plain: '', tagged: ' ' + paint(this.theme.tag.muted, escapeTags(truncate('No messages yet. Say hello!', paneW - 1))) });
      this.messages.setContent(shown.map((l) => l.tagged).join('\n'));
      this.pane = { total, visible, bottom, anchor: anchorLine?.of === undefined ? null : { key: conv.key, of: anchorLine.of, below } };
    }

    // input
    const prompt = st.open ? `to ${st.open}` : 'no conversation open';
    this.input.setLabel(' ' + s(truncate(`${prompt} · Enter send · Alt-Enter newline · /help`, Math.max(4, W - 6))) + ' ');
    this.input.setContent(inputText(st.input.value, st.input.cursor, st.focus === 'input', innerInputW, inputLines, paint(this.theme.tag.focus, '>')));

    // status line
    const conn = st.connection.state;
    const connText =
      conn === 'connected' ? this.color('light-green', '●') + ' connected'
      : conn === 'reconnecting' ? this.color('light-yellow', '◌ reconnecting…')
      : conn === 'connecting' ? this.color('light-yellow', '◌ connecting…')
      : this.color('light-red', '{bold}○ offline{/bold}');
    const detail = st.connection.detail && conn !== 'connected' ? ` (${st.connection.detail})` : '';
    const left = ` ${stripControls(st.me)} · ${connText.replace(/\{[^}]*\}/g, '')}${detail} · ${st.server} `;
    const leftTagged = ` {bold}${s(st.me)}{/bold} · ${connText}${s(detail)} · ${s(st.server)} `;
    const room = W - strWidth(left) - 1;
    let right = '';
    let rightW = 0;
    if (st.notice && room > 8) {
      const t = truncate(stripControls(st.notice.text.replace(/\n/g, ' ')), room - 1);
      rightW = Math.max(1, room - strWidth(t)) + strWidth(t);
      right = ' '.repeat(Math.max(1, room - strWidth(t))) + (st.notice.error ? this.color('red', `{bold}${escapeTags(t)}{/bold}`) : escapeTags(t));
    }
    // monochrome: the status line is inverse, padded to the full width
    this.status.setContent(this.theme.monochrome ? paint(this.theme.tag.status, leftTagged + right + ' '.repeat(Math.max(0, W - strWidth(left) - rightW))) : leftTagged + right);

    // overlay (help, members)
    if (st.overlay) {
      const ow = Math.min(W - 2, Math.max(30, ...st.overlay.lines.map((l) => strWidth(l) + 4)));
      const oh = Math.min(H - 2, st.overlay.lines.length + 3);
      Object.assign(this.overlay, { width: ow, height: oh, left: Math.floor((W - ow) / 2), top: Math.max(0, Math.floor((H - oh) / 2)) });
      this.overlay.setLabel(' ' + s(truncate(st.overlay.title, ow - 4)) + ' ');
      const body = st.overlay.lines.map((l) => ' ' + s(truncate(l, ow - 3)));
      body.push(' ' + paint(this.theme.tag.muted, escapeTags(truncate('Esc closes', ow - 3))));
      this.overlay.setContent(body.slice(0, oh - 2).join('\n'));
      this.overlay.show();
      this.overlay.setFront();
    } else {
      this.overlay.hide();
    }
  }

  // ---- keys ----

  private edit(op: EditOp): void {
    const st = this.intents.state;
    if (!st) return;
    if (st.screen === 'login') {
      if (st.login.focus <= 2) this.intents.dispatch({ t: 'edit', target: st.login.focus as 0 | 1 | 2, op });
    } else {
      this.intents.dispatch({ t: 'edit', target: 'input', op });
    }
  }

  private onKey(ch: string | undefined, key: Widgets.Events.IKeyEventArg | undefined): void {
    const st = this.intents.state;
    const name = key?.name;
    const full = key?.full ?? '';
    if (this.is('quit', full)) return this.intents.quit();
    if (name === 'enter') return; // blessed reports CR as both `enter` and `return`; `return` acts
    const held = this.escapeHeld;
    this.escapeHeld = false;
    if (this.altEnterInRead && name === 'escape') {
      this.escapeHeld = true;
      return;
    }
    if (held && (name === 'return' || name === 'linefeed')) {
      if (st.screen === 'chat') this.edit({ insert: '\n' });
      return;
    }
    const printable = ch !== undefined && ch.length === 1 && !key?.ctrl && !key?.meta && ch >= ' ' && ch !== '\x7f' && name !== 'escape';
    const editOp = editOpFor(full, name);

    if (st.screen === 'login') {
      const f = st.login.focus;
      if (full === 'tab' || full === 'down') return this.intents.dispatch({ t: 'login_focus', focus: f + 1 });
      if (full === 'S-tab' || full === 'up') return this.intents.dispatch({ t: 'login_focus', focus: f - 1 });
      if (full === 'C-r') return this.intents.login('register');
      if (name === 'return') return this.intents.login(f === 4 ? 'register' : 'login');
      if (f <= 2 && editOp) return this.edit(editOp);
      if (f <= 2 && printable) return this.edit({ insert: ch! });
      return;
    }

    if (st.overlay && this.is('close_overlay', full)) return this.intents.dispatch({ t: 'close_overlay' });
    const action = actionFor(this.keys, full, GLOBAL_ACTIONS);
    if (action === 'switch_focus' || action === 'toggle_list') return this.intents.dispatch({ t: 'focus', pane: st.focus === 'list' ? 'input' : 'list' });
    if (action === 'next_conversation' || action === 'prev_conversation') {
      this.intents.dispatch({ t: 'select', delta: action === 'next_conversation' ? 1 : -1 });
      const sel = this.intents.state.selected;
      if (sel && !sel.startsWith('?')) this.intents.open(sel);
      return;
    }
    if (action === 'reconnect') return this.intents.retryNow();
    if (action === 'page_up' || action === 'page_down') return this.scroll(action === 'page_up' ? -1 : 1);
    if (st.scroll !== null && this.is('follow_newest', full)) return this.intents.dispatch({ t: 'scroll', to: null });

    if (st.focus === 'list') {
      if (name === 'up' || name === 'down') return this.intents.dispatch({ t: 'select', delta: name === 'up' ? -1 : 1 });
      if (name === 'return') {
        if (st.selected) this.intents.open(st.selected);
        return;
      }
      if (printable) {
        this.intents.dispatch({ t: 'focus', pane: 'input' });
        return this.edit({ insert: ch! });
      }
      return;
    }
    if (name === 'return') return this.intents.submit();
    if (name === 'linefeed') return this.edit({ insert: '\n' });
    if (editOp) return this.edit(editOp);
    if (printable) return this.edit({ insert: ch! });
  }

  private is(action: KeyAction, full: string): boolean {
    return this.keys[action].includes(full);
  }

  /** A page (PgUp/PgDn), or `lines` (the wheel), back or forward. */
  private scroll(direction: -1 | 1, lines?: number): void {
    const { total, visible } = this.pane;
    if (total <= visible) return;
    const scroll = this.intents.state.scroll; // the newest, in case several keys came in one read
    const bottom = scroll === null ? total : Math.min(total, Math.max(visible, scroll));
    const page = lines ?? Math.max(1, visible - 2);
    const next = bottom + direction * page;
    if (next >= total) return this.intents.dispatch({ t: 'scroll', to: null });
    this.intents.dispatch({ t: 'scroll', to: Math.max(visible, next) });
  }
}

/** The chat screen's actions that act wherever the focus is (the overlay's and follow_newest are checked apart). */
const GLOBAL_ACTIONS: readonly KeyAction[] = ['switch_focus', 'toggle_list', 'next_conversation', 'prev_conversation', 'reconnect', 'page_up', 'page_down'];

function editOpFor(full: string, name: string | undefined): EditOp | null {
  switch (full) {
    case 'backspace': return 'backspace';
    case 'delete': return 'delete';
    case 'left': return 'left';
    case 'right': return 'right';
    case 'home': case 'C-a': return 'home';
    case 'end': case 'C-e': return 'end';
    case 'C-w': return 'word';
    case 'C-u': return 'clear';
  }
  void name;
  return null;
}

/** One login field: the visible tail of the value, with a block cursor when focused. */
function fieldText(value: string, cursorCp: number, width: number, focused: boolean, secret: boolean): string {
  const cps = [...value];
  let start = 0;
  while (strWidth(cps.slice(start, cursorCp).join('')) > width - 2) start++;
  const before = cps.slice(start, cursorCp).join('');
  const at = cps[cursorCp] ?? ' ';
  const after = cps.slice(cursorCp + 1).join('');
  const rest = truncate(after, Math.max(0, width - 1 - strWidth(before) - strWidth(at)));
  void secret;
  if (!focused) return `{underline}${escapeTags(padEnd(truncate(cps.slice(start).join(''), width), width))}{/underline}`;
  const used = strWidth(before) + strWidth(at) + strWidth(rest);
  // not nested: blessed loses track of underline when inverse closes inside it
  return `{underline}${escapeTags(before)}{/underline}{inverse}${escapeTags(at)}{/inverse}{underline}${escapeTags(rest)}${' '.repeat(Math.max(0, width - used))}{/underline}`;
}

function inputRows(value: string, width: number): number {
  return wrap(value + ' ', width - 2).length;
}

/** The input box: the text (the last `rows` wrapped lines around the cursor) with a block cursor. */
function inputText(value: string, cursor: number, focused: boolean, width: number, rows: number, prompt: string): string {
  const marker = '\u0000';
  const withCursor = value.slice(0, cursor) + marker + value.slice(cursor);
  const lines = wrap(stripControls(withCursor.replace(marker, '\u2063')) + '', width - 2);
  // \u2063 (invisible separator, zero width) stands in for the cursor during wrapping
  let cursorLine = lines.findIndex((l) => l.includes('\u2063'));
  if (cursorLine === -1) cursorLine = lines.length - 1;
  const first = Math.max(0, Math.min(cursorLine - rows + 1, lines.length - rows));
  const prefix = (i: number) => (i === 0 ? prompt + ' ' : '  ');
  return lines
    .slice(first, first + rows)
    .map((line, i) => {
      const idx = line.indexOf('\u2063');
      if (idx === -1) return prefix(first + i) + escapeTags(line);
      const before = line.slice(0, idx);
      const rest = line.slice(idx + 1);
      const atCp = [...rest][0];
      const at = atCp === undefined || atCp === '\n' ? ' ' : atCp;
      const after = atCp === undefined ? '' : rest.slice(atCp.length);
      const cursorTag = focused ? `{inverse}${escapeTags(at)}{/inverse}` : escapeTags(at === ' ' && atCp === undefined ? '' : at);
      return prefix(first + i) + escapeTags(before) + cursorTag + escapeTags(after);
    })
    .join('\n');
}
