// The naming rule shared by users and groups, and by both stores: a name is compared through
// its key, never through a database collation.
export const NAME_MAX_CODE_POINTS = 50;
export const PASSWORD_MIN_CHARS = 8;
export const PASSWORD_MAX_CHARS = 1024;

// C0/C1 controls and DEL, lone surrogates, bidi embeddings/overrides/isolates, zero-width
// characters and the BOM: none belong in a name someone else has to read.
const FORBIDDEN = /[\p{Cc}\p{Cs}\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u;
const EDGE_SPACE = /^\p{White_Space}|\p{White_Space}$/u;

export type NameCheck = { ok: true; name: string; key: string } | { ok: false; reason: string };

export function checkName(raw: string): NameCheck {
  if (!raw.isWellFormed()) return { ok: false, reason: 'contains a lone surrogate' };
  const name = raw.normalize('NFC');
  const length = [...name].length;
  if (length < 1 || length > NAME_MAX_CODE_POINTS) {
    return { ok: false, reason: `must be 1 to ${NAME_MAX_CODE_POINTS} characters` };
  }
  if (FORBIDDEN.test(name)) return { ok: false, reason: 'contains a control, bidi or invisible character' };
  if (EDGE_SPACE.test(name)) return { ok: false, reason: 'starts or ends with a space' };
  return { ok: true, name, key: nameKey(name) };
}

/**
 * Case-insensitive identity. toUpperCase().toLowerCase() approximates Unicode full case
 * folding (ß → SS → ss), and the final NFC keeps composed forms canonical.
 */
export function nameKey(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

export function checkPassword(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_CHARS) return `must be at least ${PASSWORD_MIN_CHARS} characters`;
  if (length > PASSWORD_MAX_CHARS) return `must be at most ${PASSWORD_MAX_CHARS} characters`;
  return null;
}
