// A line editor's state and the pure edits on it (the chat input and the login fields).
// The cursor counts UTF-16 code units but never stops inside a surrogate pair.
export interface Editor {
  value: string;
  cursor: number;
}

export const emptyEditor: Editor = { value: '', cursor: 0 };

export function insert(e: Editor, text: string): Editor {
  return { value: e.value.slice(0, e.cursor) + text + e.value.slice(e.cursor), cursor: e.cursor + text.length };
}

function prevIndex(s: string, i: number): number {
  if (i <= 0) return 0;
  const c = s.charCodeAt(i - 1);
  return c >= 0xdc00 && c <= 0xdfff && i >= 2 ? i - 2 : i - 1;
}

function nextIndex(s: string, i: number): number {
  if (i >= s.length) return s.length;
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? i + 2 : i + 1;
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
