// Every key binding of the chat screen in one table: action name → default keys, in blessed's
// `full` notation (`C-x` Ctrl, `M-x` Alt/Meta, `S-x` Shift, then the key name). The config file
// overrides entries of this table by action name; the views only ever ask `actionFor(key)`.
// Not here: Enter (send), Alt-Enter / Ctrl-J (new line) and the line-editing keys, which the
// view recognises in the raw input because blessed reports them ambiguously.
export const DEFAULT_KEYS = {
  // on the chat screen, wherever the focus is
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
  // in the input (the ones that type act only where they say)
  select_message: ['C-x'],
  /** only while the input is empty */
  edit_last: ['up'],
  // selection mode (after select_message)
  pick_older: ['up', 'k'],
  pick_newer: ['down', 'j'],
  reply: ['r', 'return'],
  edit: ['e'],
  react: ['+'],
  delete: ['d'],
  select_done: ['escape', 'C-x'],
  // the /search results
  result_previous: ['up'],
  result_next: ['down'],
  result_open: ['return'],
  close_results: ['escape'],
} as const satisfies Record<string, readonly string[]>;

/**
 * Where an action's keys act. Only `global` ones are looked up everywhere on the chat screen;
 * the others only in their own place, so they may share keys with each other and with typing.
 */
export type KeyScope = 'global' | 'input' | 'select' | 'results';

export const SCOPE: Record<keyof typeof DEFAULT_KEYS, KeyScope> = {
  quit: 'global', complete: 'global', complete_previous: 'global', switch_focus: 'global',
  next_conversation: 'global', previous_conversation: 'global', retry: 'global', page_up: 'global', page_down: 'global',
  jump_newest: 'global', jump_oldest: 'global', jump_unread: 'global', jump_hotlist: 'global',
  history_previous: 'global', history_next: 'global',
  select_message: 'input', edit_last: 'input',
  pick_older: 'select', pick_newer: 'select', reply: 'select', edit: 'select', react: 'select', delete: 'select', select_done: 'select',
  result_previous: 'results', result_next: 'results', result_open: 'results', close_results: 'results',
};

export type KeyAction = keyof typeof DEFAULT_KEYS;
export type KeyTable = Record<KeyAction, readonly string[]>;

export class KeyMap {
  private readonly byKey = new Map<string, KeyAction[]>();

  constructor(readonly table: KeyTable = DEFAULT_KEYS) {
    for (const [action, keys] of Object.entries(table) as [KeyAction, readonly string[]][]) {
      for (const k of keys) this.byKey.set(k, [...(this.byKey.get(k) ?? []), action]);
    }
  }

  /** The actions of `scope` bound to a key, in the table's order: the view runs the first that applies. */
  actionsFor(full: string, scope: KeyScope = 'global'): readonly KeyAction[] {
    return (this.byKey.get(full) ?? []).filter((a) => SCOPE[a] === scope);
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
  const names: Record<string, string> = { return: 'Enter', linefeed: 'Ctrl-J', pageup: 'PgUp', pagedown: 'PgDn', tab: 'Tab', 'S-tab': 'Shift-Tab', escape: 'Esc', up: '↑', down: '↓' };
  if (names[full]) return names[full]!;
  const parts = full.split('-');
  let key = parts.pop() ?? '';
  if (key === '' && full.endsWith('-')) key = '-';
  const mods = parts.map((p) => ({ C: 'Ctrl', M: 'Alt', S: 'Shift' })[p] ?? p);
  // a letter alone is that letter; with Ctrl or Alt it reads as the key cap (Ctrl-N)
  const pretty = key.length === 1 ? (mods.length > 0 ? key.toUpperCase() : key) : key[0]!.toUpperCase() + key.slice(1);
  return [...mods, pretty].join('-');
}
