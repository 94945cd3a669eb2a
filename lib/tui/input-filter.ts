// Terminal input before blessed's key parser sees it: focus events (CSI I / CSI O) and
// bracketed pastes (ESC [200~ … ESC [201~) come out as events, the rest goes on as keys.
// blessed drops a whole read that contains a focus event (it takes it for a mouse report), so
// keys typed in the same read would be lost; and a paste parsed as keys would send at its first
// newline. Pure and stateful across reads: a paste, or a marker, may be split between reads.
export type InputEvent = { t: 'keys'; data: string } | { t: 'focus'; focused: boolean } | { t: 'paste'; text: string };

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
/** The bytes a paste may hold at most: beyond, the rest is dropped (it could only be refused by the server). */
const PASTE_MAX = 4 * 1024 * 1024;

export class InputFilter {
  private paste: string[] | null = null;
  private pasteBytes = 0;
  /** the end of the last read when it may be the start of a marker */
  private held = '';

  feed(chunk: string): InputEvent[] {
    let s = this.held + chunk;
    this.held = '';
    const out: InputEvent[] = [];
    let keys = '';
    const flushKeys = () => {
      if (keys) out.push({ t: 'keys', data: keys });
      keys = '';
    };
    while (s.length > 0) {
      if (this.paste) {
        const end = s.indexOf(PASTE_END);
        if (end === -1) {
          const keep = partialSuffix(s, PASTE_END);
          this.addPaste(s.slice(0, s.length - keep));
          this.held = s.slice(s.length - keep);
          return out;
        }
        this.addPaste(s.slice(0, end));
        out.push({ t: 'paste', text: this.paste.join('') });
        this.paste = null;
        s = s.slice(end + PASTE_END.length);
        continue;
      }
      const esc = s.indexOf('\x1b');
      if (esc === -1) {
        keys += s;
        break;
      }
      keys += s.slice(0, esc);
      s = s.slice(esc);
      if (s.startsWith(PASTE_START)) {
        flushKeys();
        this.paste = [];
        this.pasteBytes = 0;
        s = s.slice(PASTE_START.length);
      } else if (s.startsWith('\x1b[I') || s.startsWith('\x1b[O')) {
        flushKeys();
        out.push({ t: 'focus', focused: s[2] === 'I' });
        s = s.slice(3);
      } else if (s.length < PASTE_START.length && PASTE_START.startsWith(s)) {
        // the read ended inside what may be a marker: decide with the next read
        this.held = s;
        break;
      } else {
        keys += '\x1b';
        s = s.slice(1);
      }
    }
    flushKeys();
    return out;
  }

  /** Whether a read ended inside what may be a paste marker (then `flush` soon, if nothing follows). */
  get holding(): boolean {
    return this.held !== '' && this.paste === null;
  }

  /** The start of a marker held at the end of a read, handed on as keys when no more input follows. */
  flush(): InputEvent[] {
    if (this.paste || !this.held) return [];
    const data = this.held;
    this.held = '';
    return [{ t: 'keys', data }];
  }

  private addPaste(text: string): void {
    if (this.pasteBytes >= PASTE_MAX || !this.paste) return;
    const part = text.slice(0, PASTE_MAX - this.pasteBytes);
    this.paste.push(part);
    this.pasteBytes += part.length;
  }
}

/** How many characters at the end of `s` could begin `marker`. */
function partialSuffix(s: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, s.length); n > 0; n--) if (marker.startsWith(s.slice(s.length - n))) return n;
  return 0;
}
