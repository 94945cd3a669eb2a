// Untrusted text (names, message bodies, descriptions) on its way to a terminal: remove what
// could move the cursor, retitle the window or reorder the line. Newline and tab stay.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function stripControls(text: string): string {
  return text.replace(UNSAFE, '');
}

/** For blessed with `tags: true`: braces would otherwise be read as markup. */
export function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}
