// Message timestamps in the config file's `[time]` formats: a small strftime subset, so a format
// is checked when the file is read rather than failing while drawing. Pure.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

const FIELDS: Record<string, (d: Date) => string> = {
  H: (d) => two(d.getHours()),
  I: (d) => two(d.getHours() % 12 || 12),
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  M: (d) => two(d.getMinutes()),
  S: (d) => two(d.getSeconds()),
  d: (d) => two(d.getDate()),
  e: (d) => String(d.getDate()),
  m: (d) => two(d.getMonth() + 1),
  b: (d) => MONTHS[d.getMonth()]!,
  Y: (d) => String(d.getFullYear()),
  y: (d) => two(d.getFullYear() % 100),
  '%': () => '%',
};

export const TIME_FIELDS = Object.keys(FIELDS).map((k) => `%${k}`);

/** The first `%x` in `format` that is not a known field, or null when the format is good. */
export function badTimeField(format: string): string | null {
  for (const m of format.matchAll(/%(.?)/g)) if (!(m[1]! in FIELDS)) return m[0];
  return null;
}

export function strftime(format: string, d: Date): string {
  return format.replace(/%(.)/g, (all, k: string) => FIELDS[k]?.(d) ?? all);
}

export interface TimeFormats {
  /** a message from today */
  today: string;
  /** a message from another day */
  older: string;
}

export const DEFAULT_TIME_FORMATS: TimeFormats = { today: '%H:%M', older: '%b %e %H:%M' };

export function formatTimestamp(ts: string, formats: TimeFormats = DEFAULT_TIME_FORMATS, now: Date = new Date()): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return '';
  return strftime(d.toDateString() === now.toDateString() ? formats.today : formats.older, d);
}
