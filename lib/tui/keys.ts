// Every key binding of the chat screen in one table: action name → default keys, in blessed's
// `full` notation (`C-x` Ctrl, `M-x` Alt/Meta, `S-x` Shift, then the key name). The config file
// overrides entries of this table by action name; the views only ever ask `actionFor(key)`.
// Not here: Enter (send), Alt-Enter / Ctrl-J (new line) and the line-editing keys, which the
// view recognises in the raw input because blessed reports them ambiguously.
export const DEFAULT_KEYS = {
  quit: ['C-c'],
  // one key may serve several actions: the first that applies acts (Tab completes when the
  // word before the cursor has candidates, and switches focus otherwise)
  complete: ['tab'],
  complete_previous: ['S-tab'],
  switch_focus: ['tab', 'S-tab'],
  next_conversation: ['C-n'],
  previous_conversation: ['C-p'],
  retry: ['C-r'],
  page_up: ['pageup'],
  page_down: ['pagedown'],
  jump_newest: ['C-end', 'M-end'], // Esc too, while scrolled up
  jump_oldest: ['C-home', 'M-home'],
  jump_unread: ['M-u'],
  jump_hotlist: ['M-a'],
  history_previous: ['C-up', 'M-up'],
  history_next: ['C-down', 'M-down'],
} as const satisfies Record<string, readonly string[]>;

export type KeyAction = keyof typeof DEFAULT_KEYS;
export type KeyTable = Record<KeyAction, readonly string[]>;

export class KeyMap {
  private readonly byKey = new Map<string, KeyAction[]>();

  constructor(readonly table: KeyTable = DEFAULT_KEYS) {
    for (const [action, keys] of Object.entries(table) as [KeyAction, readonly string[]][]) {
      for (const k of keys) this.byKey.set(k, [...(this.byKey.get(k) ?? []), action]);
    }
  }

  /** The actions bound to a key, in the table's order: the view runs the first that applies. */
  actionsFor(full: string): readonly KeyAction[] {
    return this.byKey.get(full) ?? [];
  }

  /** The keys of an action as /help shows them: `C-n` → `Ctrl-N`, `M-u` → `Alt-U`. */
  describe(action: KeyAction): string {
    return [...new Set(this.table[action].map(describeKey))].join(' / ');
  }
}

/** Replaces the defaults of the actions named in `overrides` (the config file's job). */
export function withOverrides(overrides: Partial<Record<KeyAction, readonly string[]>>): KeyTable {
  return { ...DEFAULT_KEYS, ...overrides };
}

export function describeKey(full: string): string {
  const names: Record<string, string> = { return: 'Enter', linefeed: 'Ctrl-J', pageup: 'PgUp', pagedown: 'PgDn', tab: 'Tab', 'S-tab': 'Shift-Tab' };
  if (names[full]) return names[full]!;
  const parts = full.split('-');
  let key = parts.pop() ?? '';
  if (key === '' && full.endsWith('-')) key = '-';
  const mods = parts.map((p) => ({ C: 'Ctrl', M: 'Alt', S: 'Shift' })[p] ?? p);
  const pretty = key.length === 1 ? key.toUpperCase() : key[0]!.toUpperCase() + key.slice(1);
  return [...mods, pretty].join('-');
}
