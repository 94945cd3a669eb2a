// Pure layout math for the conversation pane: messages → bubble lines of exactly `width` columns.
// Each line comes plain (for width checks and tests) and tagged (blessed markup, untrusted text
// already escaped). Nothing here touches blessed or the network.
import { escapeTags, stripControls } from '../client/sanitize.ts';
import type { MessageView } from '../protocol/messages.ts';
import { paint, resolveTheme, type Style, type Theme } from './theme.ts';
import { formatTimestamp, type TimeFormats } from './time-format.ts';
import { padEnd, strWidth, truncate, wrap } from './width.ts';
import { mentionsMe } from './mention.ts';

export interface Line {
  plain: string;
  tagged: string;
  /** the message this line draws, if any */
  seq?: number;
}

const DEFAULT_THEME = resolveTheme({}, false);

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
  /** 1:1, my stored message: ✓ stored, ✓✓ read by the peer */
  receipt?: 'sent' | 'read' | undefined;
  /** colours by role (default: the default theme) */
  theme?: Theme;
  /** the timestamp formats (default: %H:%M today, %b %e %H:%M before) */
  time?: TimeFormats;
}

export const DELETED = 'message deleted';
export const HIDDEN = 'message hidden (blocked user)';
export const EDITED = '(edited)';

export const SENDING = 'sending…';
export const SENT_MARK = '✓';
export const READ_MARK = '✓✓';

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

/**
 * One message as a bubble: its lines, each exactly `width` columns. A pending one (mine, not
 * stored yet) is gray and says so. A reply starts with a quoted line of its target, an edited
 * message says so in its header, a deleted one shows only that, one that mentions me is
 * highlighted, and its reactions sit in a line under the bubble.
 */
export function layoutBubble(
  m: Pick<MessageView, 'from' | 'text' | 'ts'> & Partial<Pick<MessageView, 'from_deleted'>> & Partial<Pick<MessageView, 'seq' | 'edited_at' | 'deleted' | 'reply_to' | 'reactions' | 'mentions' | 'hidden'>>,
  mine: boolean,
  o: LayoutOptions,
  pending = false,
): Line[] {
  const width = Math.max(12, o.width);
  const maxText = Math.min(bubbleTextWidth(width), width - 5);
  const body = m.hidden ? [HIDDEN] : m.deleted ? [DELETED] : wrap(stripControls(m.text), maxText);
  const quote = m.reply_to === undefined ? null
    : truncate(`↪ ${stripControls(m.reply_to.from)}: ${m.reply_to.hidden ? HIDDEN : m.reply_to.deleted ? DELETED : stripControls(m.reply_to.excerpt)}`, maxText);
  const picked = o.pick !== undefined && o.pick !== null && m.seq === o.pick;
  const time = pending ? SENDING : formatTime(m.ts, o.now, o.time);
  const who = mine ? '' : !o.group ? '' : m.from_deleted ? 'deleted user' : stripControls(m.from);
  let header = who ? `${who} · ${time}` : time;
  if (m.edited_at !== undefined && !m.deleted) header += ` ${EDITED}`;
  if (mine && !pending && o.receipt) header += o.receipt === 'read' ? ` ${READ_MARK}` : ` ${SENT_MARK}`;
  // A message that mentions me (the server's mentions) is drawn in the highlight colour and
  // says so in its header, so it reads without colour too.
  const mentioned = !mine && !pending && !m.deleted && mentionsMe(m, o.me);
  if (mentioned) header += ` ${MENTION_MARK}`;
  if (picked) header = `#${m.seq} ${header}`;
  header = truncate(header, maxText);
  const inner = Math.max(...body.map(strWidth), quote === null ? 0 : strWidth(quote), strWidth(header) + 2, 1);
  const bubbleW = inner + 4; // "│ " + text + " │"
  const indent = mine ? Math.max(0, width - bubbleW - 1) : 1;
  const pad = ' '.repeat(indent);
  const right = (lineW: number) => ' '.repeat(Math.max(0, width - indent - lineW));
  const theme = o.theme ?? DEFAULT_THEME;
  const style = picked || mentioned ? theme.tag.highlight : pending ? theme.tag.muted : mine ? theme.tag.own : theme.tag.others;
  const c = (text: string) => paint(style, text);
  const fill = '─'.repeat(inner - strWidth(header) - 1);
  const lines: Line[] = [];
  const topPlain = `╭─ ${header} ${fill}╮`;
  const headerTagged = paint(who ? theme.tag.highlight : theme.tag.muted, escapeTags(header));
  lines.push({
    plain: pad + topPlain + right(strWidth(topPlain)),
    tagged: pad + c('╭─ ') + headerTagged + c(` ${fill}╮`) + right(strWidth(topPlain)),
  });
  const row = (text: string, cellStyle: Style | null) => {
    const cell = padEnd(text, inner);
    const plain = `│ ${cell} │`;
    const shown = cellStyle === null ? escapeTags(cell) : paint(cellStyle, escapeTags(cell));
    lines.push({ plain: pad + plain + right(bubbleW), tagged: pad + c('│') + ` ${shown} ` + c('│') + right(bubbleW) });
  };
  if (quote !== null) row(quote, theme.tag.muted);
  for (const text of body) row(text, m.deleted || m.hidden ? theme.tag.muted : mentioned ? theme.tag.highlight : null);
  const bottom = `╰${'─'.repeat(inner + 2)}╯`;
  lines.push({ plain: pad + bottom + right(bubbleW), tagged: pad + c(bottom) + right(bubbleW) });
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

/** in the header of a message that mentions me */
export const MENTION_MARK = '@you';
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
      lines.push(markerLine(NEW_MARKER, o.width, o.theme));
    }
    if (m.seq === o.found) lines.push(markerLine(FOUND_MARKER, o.width, o.theme));
    lines.push(...layoutBubble(m, mine, o));
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
