import type { MessageView } from '../protocol/messages.ts';
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
  return `[${m.ts}] ${m.from_deleted ? 'deleted user' : safe(m.from)} ${where}: ${body}`;
}
