import type { MessageView, SearchResultView } from '../protocol/messages.ts';
import { stripControls } from '../client/sanitize.ts';

/** Where command results go: one JSON object per line with --json, readable text otherwise. */
export class Output {
  constructor(readonly json: boolean, private readonly stream: NodeJS.WritableStream = process.stdout) {}

  /** Prints `record` as JSON, or `human` (already made safe) as text. */
  emit(record: { type: string } & Record<string, unknown>, human: string): void {
    this.stream.write(this.json ? JSON.stringify(record) + '\n' : human + '\n');
  }

  /** A message, or an event (its kind is the record's type: edit, delete, reaction). */
  message(m: MessageView): void {
    const { kind, ...rest } = m;
    if (kind === undefined || kind === 'message') this.emit({ type: 'message', ...rest }, formatMessage(m));
    else this.emit({ type: kind, ...rest }, formatEvent(m));
  }
}

export function safe(text: string): string {
  return stripControls(text);
}

function whereOf(m: MessageView): string {
  return m.group !== undefined ? `#${safe(m.group)}` : `→ ${safe(m.to ?? '')}`;
}

/**
 * `#seq [ts] from → to: text`, the seq first because edit, delete, react and --reply-to name
 * messages by it; a reply's quote, "(edited)", a tombstone, the mentions and the reactions on lines of their own.
 */
export function formatMessage(m: MessageView): string {
  if (m.hidden) return `#${m.seq} [${m.ts}] ${whereOf(m)}: (message hidden: blocked user)`;
  const body = m.deleted ? '(message deleted)' : safe(m.text).replace(/\n/g, '\n    ') + (m.edited_at !== undefined ? ' (edited)' : '');
  const quote = m.reply_to === undefined ? ''
    : `    > #${m.reply_to.seq} ${safe(m.reply_to.from)}: ${m.reply_to.hidden ? '(message hidden: blocked user)' : m.reply_to.deleted ? '(message deleted)' : safe(m.reply_to.excerpt)}\n`;
  const reactions = m.reactions === undefined || m.reactions.length === 0 ? ''
    : `\n    ${m.reactions.map((r) => `${safe(r.emoji)} ${r.count}${r.me ? '*' : ''}`).join('  ')}`;
  // Names may hold spaces, so they are listed apart from the text, comma-separated.
  const mentions = m.mentions === undefined || m.mentions.length === 0 ? '' : `\n    mentions: ${m.mentions.map(safe).join(', ')}`;
  return `${quote}#${m.seq} [${m.ts}] ${m.from_deleted ? 'deleted user' : safe(m.from)} ${whereOf(m)}: ${body}${mentions}${reactions}`;
}

/** An edit, deletion or reaction as `listen` prints it: `#seq [ts] from → to: edited #target: text`. */
export function formatEvent(m: MessageView): string {
  if (m.hidden) return `#${m.seq} [${m.ts}] ${whereOf(m)}: (${m.kind} hidden: blocked user)`;
  const what = m.kind === 'edit' ? `edited #${m.target}: ${safe(m.text).replace(/\n/g, '\n    ')}`
    : m.kind === 'delete' ? `deleted #${m.target}`
    : `${m.removed ? 'took back' : 'reacted'} ${safe(m.emoji ?? '')} on #${m.target}`;
  return `#${m.seq} [${m.ts}] ${safe(m.from)} ${whereOf(m)}: ${what}`;
}

/** A search hit on one line: where, who, `#seq` (to find it with history), and the snippet. */
export function formatSearchResult(m: SearchResultView): string {
  const where = m.group !== undefined ? `#${safe(m.group)}` : `→ ${safe(m.to ?? '')}`;
  return `[${m.ts}] ${safe(m.from)} ${where} #${m.seq}: ${safe(m.snippet).replace(/\n/g, ' ')}`;
}
