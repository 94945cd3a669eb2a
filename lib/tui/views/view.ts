// The blessed side: widgets, drawing from state, and turning keys into intents. It imports no
// socket and no session; all it can do is call the Intents it is given.
import { PassThrough } from 'node:stream';
import blessed from 'neo-blessed';
import type { Widgets } from 'blessed';
import { escapeTags, stripControls } from '../../client/sanitize.ts';
import type { TuiConfig } from '../../client-config.ts';
import { decodeProgramOutput, patchBlessedUnicode } from '../blessed-unicode.ts';
import { InputFilter, type InputEvent } from '../input-filter.ts';
import type { Intents } from '../controller.ts';
import { describeKey, KeyMap, type KeyAction } from '../keys.ts';
import { formatTime, markerLine, type Line } from '../layout.ts';
import { BubbleCache, paneBlocks, type PaneBlocks } from '../pane.ts';
import { canComplete, entries, groupHeader, type Conversation, type EditOp, type State } from '../state.ts';
import { paint, resolveTheme, type Theme } from '../theme.ts';
import type { TimeFormats } from '../time-format.ts';
import { anchorOf, normalize, resolve, scrollBy, showing, slices, type Pos } from '../viewport.ts';
import { padEnd, strWidth, truncate, wrap } from '../width.ts';

const s = (text: string) => escapeTags(stripControls(text));

/** Below this many columns the conversation list is an overlay, shown while it has the focus. */
export const NARROW_COLUMNS = 60;
/** Lines one wheel notch scrolls. */
const WHEEL_LINES = 3;

export interface ViewOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** theme, mouse and timestamps from the config file (defaults without) */
  config?: TuiConfig | undefined;
  /** the key bindings (the config's [keys] over the defaults) */
  keys?: KeyMap | undefined;
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
  /** the conversation pane's size at the last render: what PgUp/PgDn need */
  private pane = { width: 0, visible: 0 };
  /** the overlay's text rows at the last render: what its PgUp/PgDn move by */
  private overlayRows = 1;
  private bubbles: BubbleCache;
  /** the entry keys of the list rows drawn, top first (what a click hits) */
  private listRows: string[] = [];
  /** the block at the bottom of the view at the last render, and how many of its rows were below it */
  private bottom: { conv: string; key: number; below: number } | null = null;
  /** set by a resize while scrolled back: the next render puts that row back at the bottom */
  private keepBottom: { conv: string; key: number; below: number } | null = null;
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
    this.keys = options.keys ?? new KeyMap(config?.keys);
    this.time = config?.time;
    this.screen = blessed.screen({
      smartCSR: true,
      fullUnicode: true,
      forceUnicode: true,
      title: 'chat',
      autoPadding: true,
      dockBorders: false,
      input: this.filteredInput(options.input ?? process.stdin) as any,
      ...(options.output ? { output: options.output as any } : {}),
    });
    // NO_COLOR, or a terminal whose terminfo has fewer than 8 colours: bold, underline, inverse
    const terminalColors = (this.screen as unknown as { tput?: { colors?: number } }).tput?.colors ?? 8;
    this.theme = resolveTheme(config?.theme.colors ?? {}, (config?.theme.monochrome ?? false) || terminalColors < 8);
    this.bubbles = new BubbleCache({ theme: this.theme, time: this.time });
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
    // ask the terminal to report focus changes (where it can), so that a message rings while it is away
    this.writeRaw('\x1b[?1004h');
    // and to mark pastes, so that a pasted text is typed in, never sent line by line
    this.writeRaw('\x1b[?2004h');
    this.screen.on('resize', () => {
      // scrolled back: keep the row at the bottom of the view there, however the new width re-wraps it
      if (this.intents.state.scroll !== null) this.keepBottom = this.bottom;
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

  /** `↑↓ pick`, `r reply`: the first key of each action as bound, then what it does. */
  private keyHint(actions: KeyAction[], what: string): string {
    const first = actions.map((a) => this.keys.table[a][0]).filter((k): k is string => k !== undefined).map(describeKey);
    return `${first.join('')} ${what}`;
  }

  /** `text` (escaped) in a named colour, or plain in monochrome. */
  private color(name: string, text: string): string {
    return this.theme.monochrome ? text : `{${name}-fg}${text}{/${name}-fg}`;
  }

  /**
   * The terminal's input as blessed gets it: a stand-in stream fed with what the InputFilter
   * leaves (keys), while focus events and pastes become actions here.
   */
  private filteredInput(real: NodeJS.ReadableStream): NodeJS.ReadableStream {
    const tty = real as NodeJS.ReadStream;
    const proxy = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
    proxy.isTTY = tty.isTTY ?? true;
    proxy.setRawMode = (mode: boolean) => (tty.setRawMode?.(mode), proxy);
    const filter = new InputFilter();
    let timer: NodeJS.Timeout | null = null;
    const handle = (events: InputEvent[]) => {
      for (const e of events) {
        if (e.t === 'keys') {
          // Alt-Enter arrives as ESC CR, which blessed reports as Escape, then Return (send):
          // spot it here and turn that pair into a newline
          this.altEnterInRead = /\x1b[\r\n]/.test(e.data);
          proxy.emit('data', Buffer.from(e.data));
        } else if (e.t === 'focus') {
          this.intents.dispatch({ t: 'terminal_focus', focused: e.focused });
        } else {
          this.onPaste(e.text);
        }
      }
    };
    const onData = (chunk: Buffer | string) => {
      if (timer) clearTimeout(timer);
      timer = null;
      handle(filter.feed(chunk.toString()));
      if (filter.holding) timer = setTimeout(() => handle(filter.flush()), 30);
    };
    real.on('data', onData);
    this.detachInput = () => {
      real.removeListener('data', onData);
      if (timer) clearTimeout(timer);
    };
    return proxy;
  }

  private detachInput: () => void = () => {};

  /** A paste is text for the input, however many lines: it never sends. */
  private onPaste(text: string): void {
    const st = this.intents.state;
    const clean = text.replace(/\r\n?/g, '\n');
    if (st.screen === 'login') {
      if (st.login.focus <= 2) this.edit({ insert: clean.split('\n', 1)[0]! });
      return;
    }
    if (st.focus !== 'input') this.intents.dispatch({ t: 'focus', pane: 'input' });
    this.edit({ insert: clean });
  }

  /** Bytes for the terminal itself (the bell, OSC notifications, modes), past blessed's drawing. */
  writeRaw(bytes: string): void {
    (this.screen.program.output as NodeJS.WritableStream).write(bytes);
  }

  destroy(): void {
    this.writeRaw('\x1b[?2004l\x1b[?1004l');
    this.detachInput();
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
    // A password being typed (/passwd) is drawn as bullets, one per character, as on the login screen.
    const input = st.secret ? masked(st.input.value, st.input.cursor) : st.input;
    const inputLines = Math.min(5, Math.max(1, inputRows(input.value, innerInputW)));
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
      const mark = e.kind === 'request' ? (e.direction === 'in' ? '?' : '→') : e.kind === 'invite' ? '+' : e.kind === 'group' ? '#' : e.online ? '●' : '○';
      const name = truncate(stripControls(e.name), Math.max(1, innerListW - 3 - strWidth(badge)));
      const text = e.kind === 'request' ? truncate(`${mark} ${stripControls(e.name)} ${e.direction === 'in' ? 'asks' : 'asked'}`, innerListW - 1)
        : e.kind === 'invite' ? truncate(`${mark} #${stripControls(e.name)} invites you`, innerListW - 1) : `${mark} ${name}${badge}`;
      let row = ' ' + escapeTags(padEnd(text, innerListW - 1));
      if (e.kind === 'friend') row = row.replace(mark, e.online ? this.color('green', mark) : paint(this.theme.tag.muted, mark));
      if (e.unread > 0) row = `{bold}${row}{/bold}`;
      if (e.kind === 'request' || e.kind === 'invite') row = paint(this.theme.tag.highlight, row);
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
      this.pane = { width: paneW, visible };
    } else {
      const group = conv.kind === 'group';
      const online = group ? undefined : st.friends.find((f) => f.name === conv.name)?.online;
      const typing = (conv.typing ?? []).map((x) => x.from);
      const typingText = typing.length === 0 ? '' : typing.length === 1 ? ` · ${typing[0]} is typing…` : ` · ${typing.slice(0, -1).join(', ')} and ${typing.at(-1)} are typing…`;
      // who is typing before the privacy, role and topic, which the width cuts first
      const header = group ? groupHeader(conv.name, st.groups.find((g) => g.name === conv.name)) : '';
      const title = group ? `#${conv.name}${typingText}${header.slice(conv.name.length + 1)}` : `${conv.name}${online === undefined ? '' : online ? ' · online' : ' · offline'}${typingText}`;
      this.messages.setLabel(' ' + s(truncate(stripControls(title), Math.max(4, paneW - 4))) + ' ');
      // only the bubbles on screen are laid out
      const blocks = this.blocksOf(st, conv, paneW);
      let top = resolve(blocks, st.scroll, visible);
      const keep = this.keepBottom;
      this.keepBottom = null;
      if (keep && keep.conv === conv.key && st.scroll !== null && blocks.count > 0) {
        const at = blocks.indexOf(keep.key);
        top = normalize(blocks, { index: at, line: blocks.height(at) - keep.below - visible });
        // the state follows, so PgUp/PgDn go on from here
        const anchor = anchorOf(blocks, top);
        queueMicrotask(() => this.intents.dispatch({ t: 'scroll', to: anchor }));
      }
      // selection mode keeps the picked message in view
      if (st.pick !== null) top = showing(blocks, top, blocks.indexOf(st.pick), visible);
      const shown: Line[] = [];
      const drawn = slices(blocks, top, visible);
      for (const sl of drawn) shown.push(...blocks.lines(sl.index).slice(sl.from, sl.to));
      const last = drawn.at(-1);
      this.bottom = last ? { conv: conv.key, key: blocks.key(last.index), below: blocks.height(last.index) - last.to } : null;
      if ((st.scroll !== null || st.pick !== null) && !scrollBy(blocks, top, 0, visible).atBottom) {
        const label = st.newBelow ? ' ↓ new messages below (PgDn) ↓ ' : ' ↓ more below (PgDn) ↓ ';
        if (shown.length >= visible) shown.pop();
        shown.push(markerLine(label, paneW, this.theme));
      }
      if (blocks.count === 0) shown.push({ plain: '', tagged: ' ' + paint(this.theme.tag.muted, escapeTags(truncate(conv.historyLoaded ? 'No messages yet. Say hello!' : 'loading…', paneW - 1))) });
      this.messages.setContent(shown.map((l) => l.tagged).join('\n'));
      this.pane = { width: paneW, visible };
    }

    // input
    const prompt = st.open ? `to ${st.open}` : 'no conversation open';
    const label = st.secret ? `${SECRET_PROMPTS[st.secret.step]} (hidden) · Enter · Esc cancels`
      : st.confirmDelete ? `delete #${st.pick}? y deletes · any other key keeps it`
      : st.pick !== null ? `#${st.pick} · ${this.keyHint(['pick_older', 'pick_newer'], 'pick')} · ${this.keyHint(['reply'], 'reply')} · ${this.keyHint(['edit'], 'edit')} · ${this.keyHint(['react'], 'react')} · ${this.keyHint(['delete'], 'delete')} · ${this.keyHint(['select_done'], 'done')}`
      : st.compose?.mode === 'edit' ? `editing #${st.compose.seq} · Enter saves · Esc cancels`
      : st.compose?.mode === 'reply' ? `reply to #${st.compose.seq} · Enter sends · Esc cancels`
      : st.compose?.mode === 'react' ? `react to #${st.compose.seq}: an emoji, Enter (again removes it) · Esc cancels`
      : `${prompt} · Enter send · Alt-Enter newline · /help`;
    this.input.setLabel(' ' + s(truncate(label, Math.max(4, W - 6))) + ' ');
    this.input.setContent(inputText(input.value, input.cursor, st.focus === 'input', innerInputW, inputLines, paint(this.theme.tag.focus, '>')));

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
    const hot = hotlistText(st);
    const hotShown = hot.plain && strWidth(left) + strWidth(hot.plain) + 2 < W ? hot : { plain: '', tagged: '' };
    const room = W - strWidth(left) - strWidth(hotShown.plain) - 1;
    let right = '';
    let rightW = 0;
    if (st.notice && room > 8) {
      const t = truncate(stripControls(st.notice.text.replace(/\n/g, ' ')), room - 1);
      rightW = Math.max(1, room - strWidth(t)) + strWidth(t);
      right = ' '.repeat(Math.max(1, room - strWidth(t))) + (st.notice.error ? this.color('red', `{bold}${escapeTags(t)}{/bold}`) : escapeTags(t));
    }
    // monochrome: the status line is inverse, padded to the full width
    const statusW = strWidth(left) + strWidth(hotShown.plain) + rightW;
    this.status.setContent(this.theme.monochrome ? paint(this.theme.tag.status, leftTagged + hotShown.tagged + right + ' '.repeat(Math.max(0, W - statusW))) : leftTagged + hotShown.tagged + right);

    // search results, or the overlay (help, members)
    if (st.search) {
      const { results, selected } = st.search;
      const ow = Math.min(W - 2, Math.max(40, Math.floor(W * 0.8)));
      const oh = Math.min(H - 2, results.length + 3);
      Object.assign(this.overlay, { width: ow, height: oh, left: Math.floor((W - ow) / 2), top: Math.max(0, Math.floor((H - oh) / 2)) });
      const count = `${results.length}${st.search.more ? '+' : ''} found`;
      this.overlay.setLabel(' ' + s(truncate(`search “${st.search.query}” · ${count}`, ow - 4)) + ' ');
      const rows = oh - 3;
      const first = Math.max(0, Math.min(selected - rows + 1, results.length - rows));
      const body = results.slice(first, first + rows).map((r, i) => {
        const where = r.group !== undefined ? `#${r.group}` : r.from === st.me ? `→ ${r.to ?? ''}` : r.from;
        const who = r.group !== undefined ? ` ${r.from}` : '';
        const line = padEnd(truncate(stripControls(`${formatTime(r.ts)} ${where}${who}: ${r.snippet.replace(/\s+/g, ' ')}`), ow - 3), ow - 3);
        return first + i === selected ? `{inverse} ${escapeTags(line)}{/inverse}` : ' ' + escapeTags(line);
      });
      body.push(' ' + paint(this.theme.tag.muted, escapeTags(truncate(`${this.keyHint(['result_previous', 'result_next'], 'pick')} · ${this.keyHint(['result_open'], 'open')} · ${this.keyHint(['close_results'], 'close')}`, ow - 3))));
      this.overlay.setContent(body.join('\n'));
      this.overlay.show();
      this.overlay.setFront();
    } else if (st.overlay) {
      const ow = Math.min(W - 2, Math.max(30, ...st.overlay.lines.map((l) => strWidth(l) + 4)));
      const oh = Math.min(H - 2, st.overlay.lines.length + 3);
      Object.assign(this.overlay, { width: ow, height: oh, left: Math.floor((W - ow) / 2), top: Math.max(0, Math.floor((H - oh) / 2)) });
      this.overlay.setLabel(' ' + s(truncate(st.overlay.title, ow - 4)) + ' ');
      // taller than the screen (a long /help): it scrolls
      const rows = oh - 3;
      const top = Math.min(st.overlay.top ?? 0, Math.max(0, st.overlay.lines.length - rows));
      this.overlayRows = rows;
      const body = st.overlay.lines.slice(top, top + rows).map((l) => ' ' + s(truncate(l, ow - 3)));
      const more = top + rows < st.overlay.lines.length ? ' · PgDn/↓ more' : top > 0 ? ' · PgUp/↑ back' : '';
      body.push(' ' + paint(this.theme.tag.muted, escapeTags(truncate(`Esc closes${more}`, ow - 3))));
      this.overlay.setContent(body.join('\n'));
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
    if (this.keys.actionsFor(full).includes('quit')) return this.intents.quit();
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

    if (st.search) {
      for (const action of this.keys.actionsFor(full, 'results')) {
        if (action === 'result_previous' || action === 'result_next') return this.intents.dispatch({ t: 'search_select', delta: action === 'result_previous' ? -1 : 1 });
        if (action === 'result_open') return this.intents.openSearchResult();
        if (action === 'close_results') return this.intents.dispatch({ t: 'close_search' });
      }
      return;
    }
    if (st.overlay) {
      if (this.keys.actionsFor(full, 'overlay').includes('close_overlay')) return this.intents.dispatch({ t: 'close_overlay' });
      const step = name === 'up' ? -1 : name === 'down' ? 1 : name === 'pageup' ? -(this.overlayRows - 1) : name === 'pagedown' ? this.overlayRows - 1 : 0;
      if (step !== 0) {
        const top = Math.max(0, Math.min((st.overlay.top ?? 0) + step, st.overlay.lines.length - this.overlayRows));
        return this.intents.dispatch({ t: 'overlay_scroll', top });
      }
    }
    for (const action of this.keys.actionsFor(full)) if (this.act(action)) return;
    if ((st.scroll !== null || st.found !== null) && this.keys.actionsFor(full, 'scrolled').includes('follow_newest')) return this.intents.dispatch({ t: 'scroll', to: null });

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
    if (st.pick !== null) return this.onPickKey(ch, full);
    if (st.secret) {
      if (name === 'escape') return this.intents.cancelSecret();
      if (name === 'return') return this.intents.submit();
      if (editOp) return this.edit(editOp);
      if (printable) return this.edit({ insert: ch! });
      return; // no completion, history, selection or newline in a password
    }
    for (const action of this.keys.actionsFor(full, 'input')) {
      if (action === 'select_message' && st.open) return this.intents.dispatch({ t: 'pick', delta: -1 });
      if (action === 'edit_last' && st.input.value === '' && !st.compose && st.open) return this.intents.editLast();
    }
    if (name === 'escape' && st.compose) {
      if (st.compose.mode !== 'reply') this.intents.dispatch({ t: 'edit', target: 'input', op: 'clear' });
      return this.intents.dispatch({ t: 'compose_end' });
    }
    if (name === 'return') return this.intents.submit();
    if (name === 'linefeed') return this.edit({ insert: '\n' });
    if (editOp) return this.edit(editOp);
    if (printable) return this.edit({ insert: ch! });
  }

  /** Message selection mode (select_message): keys act on the picked message instead of the input. */
  private onPickKey(ch: string | undefined, full: string): void {
    const st = this.intents.state;
    if (st.confirmDelete) {
      if (ch === 'y') return this.intents.actOnPick('delete');
      return this.intents.dispatch({ t: 'confirm_delete', on: false });
    }
    for (const action of this.keys.actionsFor(full, 'select')) {
      switch (action) {
        case 'select_done': return this.intents.dispatch({ t: 'pick_end' });
        case 'pick_older': return this.intents.dispatch({ t: 'pick', delta: -1 });
        case 'pick_newer': return this.intents.dispatch({ t: 'pick', delta: 1 });
        case 'reply': case 'edit': case 'react': case 'delete': return this.intents.actOnPick(action);
      }
    }
  }

  /** Runs a bound action; false when it does not apply here (the key then acts as usual). */
  private act(action: KeyAction): boolean {
    const st = this.intents.state;
    switch (action) {
      case 'quit': this.intents.quit(); return true;
      case 'complete':
        if (!canComplete(st)) return false;
        this.intents.dispatch({ t: 'complete', delta: 1 });
        return true;
      case 'complete_previous':
        // backwards only within a cycle: otherwise Shift-Tab switches focus
        if (!st.completion || !canComplete(st)) return false;
        this.intents.dispatch({ t: 'complete', delta: -1 });
        return true;
      case 'switch_focus':
      case 'toggle_list': this.intents.dispatch({ t: 'focus', pane: st.focus === 'list' ? 'input' : 'list' }); return true;
      case 'next_conversation':
      case 'previous_conversation': {
        this.intents.dispatch({ t: 'select', delta: action === 'next_conversation' ? 1 : -1 });
        const sel = this.intents.state.selected;
        if (sel && !sel.startsWith('?') && !sel.startsWith('+')) this.intents.open(sel);
        return true;
      }
      case 'retry': this.intents.retryNow(); return true;
      case 'page_up': this.scroll(-1); return true;
      case 'page_down': this.scroll(1); return true;
      case 'jump_newest': this.intents.dispatch({ t: 'jump', to: 'newest' }); return true;
      case 'jump_oldest': this.intents.dispatch({ t: 'jump', to: 'oldest' }); return true;
      case 'jump_unread': this.intents.dispatch({ t: 'jump', to: 'unread' }); return true;
      case 'jump_hotlist': {
        const key = st.hotlist.at(-1);
        if (key) this.intents.open(key);
        return true;
      }
      case 'history_previous':
      case 'history_next':
        if (st.focus !== 'input') return false;
        this.intents.dispatch({ t: 'recall', delta: action === 'history_previous' ? -1 : 1 });
        return true;
      default:
        return false; // not a global action: acts in its own place (onKey)
    }
  }

  /** The open conversation's blocks and the view's top, from the newest state (several keys can come in one read). */
  private currentPane(): { blocks: PaneBlocks; top: Pos; visible: number } | null {
    const st = this.intents.state;
    const conv = st.open ? st.conversations[st.open] : undefined;
    if (!conv || this.pane.visible <= 0) return null;
    const blocks = this.blocksOf(st, conv, this.pane.width);
    return { blocks, top: resolve(blocks, st.scroll, this.pane.visible), visible: this.pane.visible };
  }

  private blocksOf(st: State, conv: Conversation, width: number): PaneBlocks {
    const found = st.found?.key === conv.key ? st.found.seq : undefined;
    return paneBlocks(conv, st.me, width, this.bubbles, { pick: st.pick, found });
  }

  /** A page (PgUp/PgDn), or `lines` (the wheel), back or forward. */
  private scroll(direction: -1 | 1, lines?: number): void {
    const p = this.currentPane();
    if (!p || p.blocks.count === 0) return;
    const conv = this.intents.state.conversations[this.intents.state.open!]!;
    const moved = scrollBy(p.blocks, p.top, direction * (lines ?? Math.max(1, p.visible - 2)), p.visible);
    if (direction > 0 && moved.atBottom && conv.newer === 'none') return this.intents.dispatch({ t: 'scroll', to: null });
    this.intents.dispatch({ t: 'scroll', to: anchorOf(p.blocks, moved.pos) });
  }
}

/**
 * `act: bob(2) #dev(5,@1)`: the hotlist, oldest activity first; `@N` counts the unread messages
 * that mention me (WeeChat's hotlist counts highlights apart from messages too).
 */
function hotlistText(st: State): { plain: string; tagged: string } {
  const items = st.hotlist.filter((k) => k !== st.open && (st.conversations[k]?.unread ?? 0) > 0);
  if (items.length === 0) return { plain: '', tagged: '' };
  const parts = items.map((k) => {
    const c = st.conversations[k]!;
    const name = stripControls(k.startsWith('@') ? k.slice(1) : k);
    const mentions = c.mentions ?? 0;
    const plain = `${name}(${c.unread}${mentions > 0 ? `,@${mentions}` : ''})`;
    const tagged = mentions > 0 || c.kind === 'direct' ? `{bold}{light-yellow-fg}${escapeTags(plain)}{/light-yellow-fg}{/bold}` : escapeTags(plain);
    return { plain, tagged };
  });
  return { plain: `act: ${parts.map((p) => p.plain).join(' ')} `, tagged: `{light-white-fg}act:{/light-white-fg} ${parts.map((p) => p.tagged).join(' ')} ` };
}

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

const SECRET_PROMPTS = { current: 'current password', new: 'new password', again: 'new password again' } as const;

/** One bullet per code point, the cursor where it was. */
function masked(value: string, cursor: number): { value: string; cursor: number } {
  return { value: '•'.repeat([...value].length), cursor: [...value.slice(0, cursor)].length };
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
