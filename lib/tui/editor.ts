// A line editor's state and the pure edits on it (the chat input and the login fields).
// The cursor counts UTF-16 code units but never stops inside a grapheme cluster (so never inside
// a surrogate pair either).
export interface Editor {
  value: string;
  cursor: number;
}

export const emptyEditor: Editor = { value: '', cursor: 0 };

export function insert(e: Editor, text: string): Editor {
  return { value: e.value.slice(0, e.cursor) + text + e.value.slice(e.cursor), cursor: e.cursor + text.length };
}

const segmenter = new Intl.Segmenter();

/** The start of the grapheme cluster before `i`: ←, Backspace step over 👨‍👩‍👧 or 🇩🇪 as one character. */
function prevIndex(s: string, i: number): number {
  if (i <= 0) return 0;
  return segmenter.segment(s).containing(i - 1)!.index;
}

/** The end of the grapheme cluster at `i`. */
function nextIndex(s: string, i: number): number {
  if (i >= s.length) return s.length;
  const g = segmenter.segment(s).containing(i)!;
  return g.index + g.segment.length;
}

export function backspace(e: Editor): Editor {
  const p = prevIndex(e.value, e.cursor);
  return { value: e.value.slice(0, p) + e.value.slice(e.cursor), cursor: p };
}

export function del(e: Editor): Editor {
  const n = nextIndex(e.value, e.cursor);
  return { value: e.value.slice(0, e.cursor) + e.value.slice(n), cursor: e.cursor };
}

export function left(e: Editor): Editor {
  return { ...e, cursor: prevIndex(e.value, e.cursor) };
}

export function right(e: Editor): Editor {
  return { ...e, cursor: nextIndex(e.value, e.cursor) };
}

export function home(e: Editor): Editor {
  return { ...e, cursor: e.value.lastIndexOf('\n', e.cursor - 1) + 1 };
}

export function end(e: Editor): Editor {
  const nl = e.value.indexOf('\n', e.cursor);
  return { ...e, cursor: nl === -1 ? e.value.length : nl };
}

/** Deletes the word before the cursor (Ctrl-W). */
export function deleteWord(e: Editor): Editor {
  const before = e.value.slice(0, e.cursor).replace(/\S+\s*$|\s+$/, '');
  return { value: before + e.value.slice(e.cursor), cursor: before.length };
}
