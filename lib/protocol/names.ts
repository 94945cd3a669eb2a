// The naming rule shared by users and groups, and by both stores: a name is compared through
// its key, never through a database collation.
export const NAME_MAX_CODE_POINTS = 50;
export const PASSWORD_MIN_CHARS = 8;
export const PASSWORD_MAX_CHARS = 1024;

// C0/C1 controls and DEL, lone surrogates, bidi marks (LRM, RLM, ALM) and embeddings/overrides/
// isolates, zero-width characters and the BOM, the line and paragraph separators, and the
// characters that render as nothing (soft hyphen, combining grapheme joiner, Mongolian vowel
// separator, Hangul fillers): none belong in a name someone else has to read.
const FORBIDDEN =
  /[\p{Cc}\p{Cs}\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\u3164\ufeff\uffa0]/u;
const EDGE_SPACE = /^\p{White_Space}|\p{White_Space}$/u;
// What a new name may not contain on top of that: every character Unicode says renders as
// nothing when unsupported (Default_Ignorable_Code_Point: variation selectors, tags, Hangul
// fillers, …), the other format characters (U+FFF9 interlinear annotation, Egyptian hieroglyph
// controls, …), and the Braille blank U+2800, which renders as a blank without being white space.
// Otherwise `alice` + U+E0020 is a second account that shows as "alice".
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]/u;

export type NameCheck = { ok: true; name: string; key: string } | { ok: false; reason: string };

/**
 * The rule for a name being registered or created: the lookup rule (checkName), and nothing
 * invisible. Kept apart from lookups, because accounts and groups made before it must stay
 * reachable.
 */
export function checkNewName(raw: string): NameCheck {
  const check = checkName(raw);
  if (check.ok && INVISIBLE.test(check.name)) return { ok: false, reason: 'contains a character that renders as nothing' };
  return check;
}

/** The rule for a name being looked up (login, friends, groups, send): the rule names had until the invisible ones were refused. */
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
 * Case-insensitive identity. toLowerCase().toUpperCase().toLowerCase() approximates Unicode
 * full case folding (ß → SS → ss); the leading toLowerCase() is for capital sharp s, whose
 * uppercase is itself (ẞ → ß → SS → ss), so STRAẞE, Straße and STRASSE share one key. The
 * final NFC keeps composed forms canonical.
 */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().normalize('NFC');
}

export function checkPassword(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_CHARS) return `must be at least ${PASSWORD_MIN_CHARS} characters`;
  if (length > PASSWORD_MAX_CHARS) return `must be at most ${PASSWORD_MAX_CHARS} characters`;
  return null;
}
