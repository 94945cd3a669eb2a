import type { Logger } from '../../lib/logger.ts';

export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

/** A Logger that keeps its lines (warn and error, the levels failure reports use). */
export function fakeLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const line = (level: string) => (fields: Record<string, unknown>, msg: string) => void lines.push({ level, fields, msg });
  return { log: { warn: line('warn'), error: line('error'), debug: () => {}, info: () => {} } as unknown as Logger, lines };
}
