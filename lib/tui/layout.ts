// Pure layout math for the conversation pane: messages → bubble lines of exactly `width` columns.
// Each line comes plain (for width checks and tests) and tagged (blessed markup, untrusted text
// already escaped). Nothing here touches blessed or the network.
import { escapeTags, stripControls } from '../client/sanitize.ts';
import type { MessageView } from '../protocol/messages.ts';
import { padEnd, strWidth, truncate, wrap } from './width.ts';

export interface Line {
  plain: string;
  tagged: string;
}

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
}

export const SENDING = 'sending…';

/** Terminal-safe text for tagged output: controls stripped, braces escaped. */
export function safe(text: string): string {
  return escapeTags(stripControls(text));
}

export function formatTime(ts: string, now: Date = new Date()): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '';
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (d.toDateString() === now.toDateString()) return hm;
  const month = d.toLocaleString('en', { month: 'short' });
  return `${month} ${d.getDate()} ${hm}`;
}

/** Widest body line a bubble may have in a pane `width` columns wide. */
export function bubbleTextWidth(width: number): number {
  return Math.max(4, Math.floor(width * 0.75) - 4);
}

/** One message as a bubble: its lines, each exactly `width` columns. A pending one (mine, not stored yet) is gray and says so. */
export function layoutBubble(m: Pick<MessageView, 'from' | 'from_deleted' | 'text' | 'ts'>, mine: boolean, o: LayoutOptions, pending = false): Line[] {
  const width = Math.max(12, o.width);
  const maxText = Math.min(bubbleTextWidth(width), width - 5);
  const body = wrap(stripControls(m.text), maxText);
  const time = pending ? SENDING : formatTime(m.ts, o.now);
  const who = mine ? '' : !o.group ? '' : m.from_deleted ? 'deleted user' : stripControls(m.from);
  let header = who ? `${who} · ${time}` : time;
  header = truncate(header, maxText);
  const inner = Math.max(...body.map(strWidth), strWidth(header) + 2, 1);
  const bubbleW = inner + 4; // "│ " + text + " │"
  const indent = mine ? Math.max(0, width - bubbleW - 1) : 1;
  const pad = ' '.repeat(indent);
  const right = (lineW: number) => ' '.repeat(Math.max(0, width - indent - lineW));
  const color = pending ? 'gray' : mine ? 'cyan' : 'white';
  const fill = '─'.repeat(inner - strWidth(header) - 1);
  const lines: Line[] = [];
  const topPlain = `╭─ ${header} ${fill}╮`;
  const headerTagged = who ? `{yellow-fg}${escapeTags(header)}{/yellow-fg}` : `{gray-fg}${escapeTags(header)}{/gray-fg}`;
  lines.push({
    plain: pad + topPlain + right(strWidth(topPlain)),
    tagged: pad + `{${color}-fg}╭─ {/${color}-fg}` + headerTagged + `{${color}-fg} ${fill}╮{/${color}-fg}` + right(strWidth(topPlain)),
  });
  for (const text of body) {
    const cell = padEnd(text, inner);
    const plain = `│ ${cell} │`;
    lines.push({
      plain: pad + plain + right(bubbleW),
      tagged: pad + `{${color}-fg}│{/${color}-fg} ${escapeTags(cell)} {${color}-fg}│{/${color}-fg}` + right(bubbleW),
    });
  }
  const bottom = `╰${'─'.repeat(inner + 2)}╯`;
  lines.push({ plain: pad + bottom + right(bubbleW), tagged: pad + `{${color}-fg}${bottom}{/${color}-fg}` + right(bubbleW) });
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
      lines.push(markerLine(NEW_MARKER, o.width));
    }
    lines.push(...layoutBubble(m, mine, o));
  }
  for (const p of o.pending ?? []) lines.push(...layoutBubble({ from: o.me, text: p.text, ts: '' }, true, o, true));
  return lines;
}

export function markerLine(label: string, width: number): Line {
  const w = Math.max(strWidth(label), width);
  const left = Math.floor((w - strWidth(label)) / 2);
  const plain = '─'.repeat(left) + label + '─'.repeat(w - left - strWidth(label));
  return { plain, tagged: `{yellow-fg}${escapeTags(plain)}{/yellow-fg}` };
}
