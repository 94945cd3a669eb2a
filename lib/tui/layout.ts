// Pure layout math for the conversation pane: messages → bubble lines of exactly `width` columns.
// Each line comes plain (for width checks and tests) and tagged (blessed markup, untrusted text
// already escaped). Nothing here touches blessed or the network.
import { escapeTags, stripControls } from '../client/sanitize.ts';
import type { MessageView } from '../protocol/messages.ts';
import { paint, resolveTheme, type Theme } from './theme.ts';
import { formatTimestamp, type TimeFormats } from './time-format.ts';
import { padEnd, strWidth, truncate, wrap } from './width.ts';

export interface Line {
  plain: string;
  tagged: string;
  /** the seq of the message this line draws, if any (stable when older pages are added above) */
  of?: number;
}

const DEFAULT_THEME = resolveTheme({}, false);

export interface LayoutOptions {
  width: number;
  me: string;
  /** groups show the sender on every bubble; 1:1 conversations only the time */
  group: boolean;
  /** the first seq shown as new (messages from others at or after it get a marker above) */
  newFrom?: number | undefined;
  /** my messages not stored yet: drawn after the others, marked as sending */
  pending?: readonly { text: string }[];
  now?: Date;
  /** colours by role (default: the default theme) */
  theme?: Theme;
  /** the timestamp formats (default: %H:%M today, %b %e %H:%M before) */
  time?: TimeFormats;
}

export const SENDING = 'sending…';

/** Terminal-safe text for tagged output: controls stripped, braces escaped. */
export function safe(text: string): string {
  return escapeTags(stripControls(text));
}

export function formatTime(ts: string, now: Date = new Date(), formats?: TimeFormats): string {
  return formatTimestamp(ts, formats, now);
}

/** Widest body line a bubble may have in a pane `width` columns wide. */
export function bubbleTextWidth(width: number): number {
  return Math.max(4, Math.floor(width * 0.75) - 4);
}

/** One message as a bubble: its lines, each exactly `width` columns. A pending one (mine, not stored yet) is gray and says so. */
export function layoutBubble(m: Pick<MessageView, 'from' | 'text' | 'ts'>, mine: boolean, o: LayoutOptions, pending = false): Line[] {
  const width = Math.max(12, o.width);
  const maxText = Math.min(bubbleTextWidth(width), width - 5);
  const body = wrap(stripControls(m.text), maxText);
  const time = pending ? SENDING : formatTime(m.ts, o.now, o.time);
  const who = mine ? '' : o.group ? stripControls(m.from) : '';
  let header = who ? `${who} · ${time}` : time;
  header = truncate(header, maxText);
  const inner = Math.max(...body.map(strWidth), strWidth(header) + 2, 1);
  const bubbleW = inner + 4; // "│ " + text + " │"
  const indent = mine ? Math.max(0, width - bubbleW - 1) : 1;
  const pad = ' '.repeat(indent);
  const right = (lineW: number) => ' '.repeat(Math.max(0, width - indent - lineW));
  const theme = o.theme ?? DEFAULT_THEME;
  const style = pending ? theme.tag.muted : mine ? theme.tag.own : theme.tag.others;
  const c = (text: string) => paint(style, text);
  const fill = '─'.repeat(inner - strWidth(header) - 1);
  const lines: Line[] = [];
  const topPlain = `╭─ ${header} ${fill}╮`;
  const headerTagged = paint(who ? theme.tag.highlight : theme.tag.muted, escapeTags(header));
  lines.push({
    plain: pad + topPlain + right(strWidth(topPlain)),
    tagged: pad + c('╭─ ') + headerTagged + c(` ${fill}╮`) + right(strWidth(topPlain)),
  });
  for (const text of body) {
    const cell = padEnd(text, inner);
    const plain = `│ ${cell} │`;
    lines.push({
      plain: pad + plain + right(bubbleW),
      tagged: pad + c('│') + ` ${escapeTags(cell)} ` + c('│') + right(bubbleW),
    });
  }
  const bottom = `╰${'─'.repeat(inner + 2)}╯`;
  lines.push({ plain: pad + bottom + right(bubbleW), tagged: pad + c(bottom) + right(bubbleW) });
  return lines;
}

export const NEW_MARKER = ' new messages ';

/** A whole conversation, oldest first, with a marker line above the first new message. */
export function layoutConversation(messages: readonly MessageView[], o: LayoutOptions): Line[] {
  const lines: Line[] = [];
  let marked = false;
  for (const m of messages) {
    const mine = m.from === o.me;
    if (!marked && o.newFrom !== undefined && !mine && m.seq >= o.newFrom) {
      marked = true;
      lines.push(markerLine(NEW_MARKER, o.width, o.theme));
    }
    for (const line of layoutBubble(m, mine, o)) lines.push({ ...line, of: m.seq });
  }
  for (const p of o.pending ?? []) lines.push(...layoutBubble({ from: o.me, text: p.text, ts: '' }, true, o, true));
  return lines;
}

export function markerLine(label: string, width: number, theme: Theme = DEFAULT_THEME): Line {
  const w = Math.max(strWidth(label), width);
  const left = Math.floor((w - strWidth(label)) / 2);
  const plain = '─'.repeat(left) + label + '─'.repeat(w - left - strWidth(label));
  return { plain, tagged: paint(theme.tag.highlight, escapeTags(plain)) };
}
