import type { MessageView, SearchResultView } from '../protocol/messages.ts';
import { stripControls } from '../client/sanitize.ts';

/** Where command results go: one JSON object per line with --json, readable text otherwise. */
export class Output {
  constructor(readonly json: boolean, private readonly stream: NodeJS.WritableStream = process.stdout) {}

  /** Prints `record` as JSON, or `human` (already made safe) as text. */
  emit(record: { type: string } & Record<string, unknown>, human: string): void {
    this.stream.write(this.json ? JSON.stringify(record) + '\n' : human + '\n');
  }

  message(m: MessageView): void {
    this.emit({ type: 'message', ...m }, formatMessage(m));
  }
}

export function safe(text: string): string {
  return stripControls(text);
}

export function formatMessage(m: MessageView): string {
  const where = m.group !== undefined ? `#${safe(m.group)}` : `→ ${safe(m.to ?? '')}`;
  const body = safe(m.text).replace(/\n/g, '\n    ');
  return `[${m.ts}] ${safe(m.from)} ${where}: ${body}`;
}

/** A search hit on one line: where, who, `#seq` (to find it with history), and the snippet. */
export function formatSearchResult(m: SearchResultView): string {
  const where = m.group !== undefined ? `#${safe(m.group)}` : `→ ${safe(m.to ?? '')}`;
  return `[${m.ts}] ${safe(m.from)} ${where} #${m.seq}: ${safe(m.snippet).replace(/\n/g, ' ')}`;
}
