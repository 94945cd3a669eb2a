// Pure layout math for the conversation pane: messages → bubble lines of exactly `width` columns.
// Each line comes plain (for width checks and tests) and tagged (blessed markup, untrusted text
// already escaped). Nothing here touches blessed or the network.
import { escapeTags, stripControls } from '../client/sanitize.ts';
import type { MessageView } from '../protocol/messages.ts';
import { padEnd, strWidth, truncate, wrap } from './width.ts';

export interface Line {
  plain: string;
  tagged: string;
  /** the message this line draws, if any */
  seq?: number;
}

export interface LayoutOptions {
  width: number;
  me: string;
  /** groups show the sender on every bubble; 1:1 conversations only the time */
  group: boolean;
  /** the first seq shown as new (messages from others at or after it get a marker above) */
  newFrom?: number | undefined;
  /** the seq of a message found by /search: a marker line goes above it */
  found?: number | undefined;
  /** my messages not stored yet: drawn after the others, marked as sending */
  pending?: readonly { text: string }[];
  now?: Date;
  /** the picked message in selection mode: drawn in yellow, with its #seq */
  pick?: number | null | undefined;
}

export const DELETED = 'message deleted';
export const EDITED = '(edited)';

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

/**
 * One message as a bubble: its lines, each exactly `width` columns. A pending one (mine, not
 * stored yet) is gray and says so. A reply starts with a quoted line of its target, an edited
 * message says so in its header, a deleted one shows only that, and its reactions sit in a line
 * under the bubble.
 */
export function layoutBubble(
  m: Pick<MessageView, 'from' | 'text' | 'ts'> & Partial<Pick<MessageView, 'from_deleted'>> & Partial<Pick<MessageView, 'seq' | 'edited_at' | 'deleted' | 'reply_to' | 'reactions'>>,
  mine: boolean,
  o: LayoutOptions,
  pending = false,
): Line[] {
  const width = Math.max(12, o.width);
  const maxText = Math.min(bubbleTextWidth(width), width - 5);
  const body = m.deleted ? [DELETED] : wrap(stripControls(m.text), maxText);
  const quote = m.reply_to === undefined ? null
    : truncate(`↪ ${stripControls(m.reply_to.from)}: ${m.reply_to.deleted ? DELETED : stripControls(m.reply_to.excerpt)}`, maxText);
  const picked = o.pick !== undefined && o.pick !== null && m.seq === o.pick;
  const time = pending ? SENDING : formatTime(m.ts, o.now);
  const who = mine ? '' : !o.group ? '' : m.from_deleted ? 'deleted user' : stripControls(m.from);
  let header = who ? `${who} · ${time}` : time;
  if (m.edited_at !== undefined && !m.deleted) header += ` ${EDITED}`;
  if (picked) header = `#${m.seq} ${header}`;
  header = truncate(header, maxText);
  const inner = Math.max(...body.map(strWidth), quote === null ? 0 : strWidth(quote), strWidth(header) + 2, 1);
  const bubbleW = inner + 4; // "│ " + text + " │"
  const indent = mine ? Math.max(0, width - bubbleW - 1) : 1;
  const pad = ' '.repeat(indent);
  const right = (lineW: number) => ' '.repeat(Math.max(0, width - indent - lineW));
  const color = picked ? 'yellow' : pending ? 'gray' : mine ? 'cyan' : 'white';
  const fill = '─'.repeat(inner - strWidth(header) - 1);
  const lines: Line[] = [];
  const topPlain = `╭─ ${header} ${fill}╮`;
  const headerTagged = who ? `{yellow-fg}${escapeTags(header)}{/yellow-fg}` : `{gray-fg}${escapeTags(header)}{/gray-fg}`;
  lines.push({
    plain: pad + topPlain + right(strWidth(topPlain)),
    tagged: pad + `{${color}-fg}╭─ {/${color}-fg}` + headerTagged + `{${color}-fg} ${fill}╮{/${color}-fg}` + right(strWidth(topPlain)),
  });
  const row = (text: string, style: string | null) => {
    const cell = padEnd(text, inner);
    const plain = `│ ${cell} │`;
    const shown = style === null ? escapeTags(cell) : `{${style}}${escapeTags(cell)}{/${style}}`;
    lines.push({ plain: pad + plain + right(bubbleW), tagged: pad + `{${color}-fg}│{/${color}-fg} ${shown} {${color}-fg}│{/${color}-fg}` + right(bubbleW) });
  };
  if (quote !== null) row(quote, 'gray-fg');
  for (const text of body) row(text, m.deleted ? 'gray-fg' : null);
  const bottom = `╰${'─'.repeat(inner + 2)}╯`;
  lines.push({ plain: pad + bottom + right(bubbleW), tagged: pad + `{${color}-fg}${bottom}{/${color}-fg}` + right(bubbleW) });
  if (m.reactions !== undefined && m.reactions.length > 0) {
    // mine in brackets, so it reads without colour too
    const parts = m.reactions.map((r) => (r.me ? `[${stripControls(r.emoji)} ${r.count}]` : `${stripControls(r.emoji)} ${r.count}`));
    const text = truncate(parts.join('  '), Math.max(1, width - indent - 2));
    const plain = `  ${text}`;
    lines.push({ plain: pad + plain + ' '.repeat(Math.max(0, width - indent - strWidth(plain))), tagged: pad + `  ${escapeTags(text)}` + ' '.repeat(Math.max(0, width - indent - strWidth(plain))) });
  }
  if (m.seq !== undefined) for (const l of lines) l.seq = m.seq;
  return lines;
}

export const NEW_MARKER = ' new messages ';
export const FOUND_MARKER = ' found ';

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
    if (m.seq === o.found) lines.push(markerLine(FOUND_MARKER, o.width));
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
