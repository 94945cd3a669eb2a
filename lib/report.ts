import type { Logger } from './logger.ts';

/** How often one kind of failure may write a log line. */
export const REPORT_INTERVAL_MS = 10_000;

/** Reports one occurrence of a failure; the fields go into its log line. */
export type Report = (fields?: Record<string, unknown>) => void;

export interface ReportOptions {
  /** called for every occurrence, logged or not (a metrics counter) */
  count?: ((fields: Record<string, unknown>) => void) | undefined;
  intervalMs?: number;
  /** the clock, for tests */
  now?: () => number;
}

/**
 * One kind of failure that must not pass unnoticed but may repeat at the message rate (a batch
 * failing while the database is down, a stream of bad bus envelopes): every occurrence is
 * counted, and at most one line per interval is logged, which says how many were held back
 * since the last line.
 */
export function reporter(log: Logger, level: 'warn' | 'error', msg: string, options: ReportOptions = {}): Report {
  const intervalMs = options.intervalMs ?? REPORT_INTERVAL_MS;
  const now = options.now ?? Date.now;
  let quietUntil = -Infinity;
  let suppressed = 0;
  return (fields = {}) => {
    options.count?.(fields);
    const t = now();
    if (t < quietUntil) {
      suppressed++;
      return;
    }
    quietUntil = t + intervalMs;
    log[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
    suppressed = 0;
  };
}
