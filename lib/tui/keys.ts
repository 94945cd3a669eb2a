// Every key binding of the TUI's chat screen in one table: action name → default keys, in
// blessed's `full` notation (`C-x` Ctrl, `M-x` Alt/Meta, `S-x` Shift, then the key name). The
// config file's [keys] table overrides entries of it by action name (lib/client-config.ts checks
// them with `unbindable` and `resolveKeyMap`); the view only asks `actionsFor(key, scope)`, and
// /help is written from it. Not here: Enter (send), Alt-Enter / Ctrl-J (new line), the
// line-editing keys, the list's ↑ ↓ Enter and the `y` that confirms a deletion: they are how text
// is typed at all. Pure: no blessed.
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
  /** narrow terminals: show or hide the conversation list over the conversation */
  toggle_list: ['C-l'],
  // while the conversation is scrolled up (or shows a search result)
  follow_newest: ['escape'],
  // while /help or /members is open
  close_overlay: ['escape', 'return', 'q'],
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
export type KeyScope = 'global' | 'scrolled' | 'overlay' | 'input' | 'select' | 'results';

export const SCOPE: Record<keyof typeof DEFAULT_KEYS, KeyScope> = {
  quit: 'global', complete: 'global', complete_previous: 'global', switch_focus: 'global',
  next_conversation: 'global', previous_conversation: 'global', retry: 'global', page_up: 'global', page_down: 'global',
  jump_newest: 'global', jump_oldest: 'global', jump_unread: 'global', jump_hotlist: 'global',
  history_previous: 'global', history_next: 'global', toggle_list: 'global',
  follow_newest: 'scrolled', close_overlay: 'overlay',
  select_message: 'input', edit_last: 'input',
  pick_older: 'select', pick_newer: 'select', reply: 'select', edit: 'select', react: 'select', delete: 'select', select_done: 'select',
  result_previous: 'results', result_next: 'results', result_open: 'results', close_results: 'results',
};

export type KeyAction = keyof typeof DEFAULT_KEYS;
export type KeyTable = Record<KeyAction, readonly string[]>;

export const ACTIONS = Object.keys(DEFAULT_KEYS) as KeyAction[];

/**
 * Actions that act only when they apply and otherwise leave the key to the next action bound to
 * it (Tab completes when there is something to complete, else switches focus): they may share.
 */
const YIELDING: ReadonlySet<KeyAction> = new Set(['complete', 'complete_previous']);

/** Scopes whose keys a global action would take first (the view tries global actions before them). */
const SHADOWED: ReadonlySet<KeyScope> = new Set(['scrolled', 'input', 'select']);

const NAMED = 'tab|return|enter|escape|space|backspace|delete|insert|home|end|pageup|pagedown|up|down|left|right|f[1-9]|f1[0-2]';
const KEY_NAME = new RegExp(`^(?:(?:C|M|S)-){0,3}(?:${NAMED}|[a-z0-9]|[!-~])$`);

/** Keys that type or edit text (or move in the list): a global action bound to one would take it from the input. */
const TYPING = new Set(['space', 'backspace', 'delete', 'left', 'right', 'home', 'end', 'return', 'enter', 'up', 'down', 'C-a', 'C-e', 'C-w', 'C-u', 'C-j']);

/** Why `key` cannot be bound to `action`, or null when it can (only global actions are limited). */
export function unbindable(action: KeyAction, key: string): string | null {
  if (SCOPE[action] !== 'global') return null;
  if (key.length === 1 || (key.startsWith('S-') && key.length === 3) || TYPING.has(key)) {
    return `"${key}" types or edits text: bind a key with C- or M-, or tab, pageup, pagedown, escape, insert, f1…f12`;
  }
  return null;
}

/** Whether `key` is a key name this TUI can bind (blessed's `full` spelling). */
export function isKeyName(key: string): boolean {
  return KEY_NAME.test(key);
}

/**
 * The defaults with `overrides` laid over them, action by action (an action given in the config
 * gets exactly the keys listed there). Returns the table and the first clash: a key on two
 * actions of one scope, or on a global action and one it would shadow.
 */
export function resolveKeyMap(overrides: Partial<Record<KeyAction, readonly string[]>>): { keys: KeyTable; clash?: { key: string; actions: [KeyAction, KeyAction] } } {
  const keys = { ...DEFAULT_KEYS, ...overrides } as KeyTable;
  const owners = new Map<string, KeyAction[]>();
  for (const action of ACTIONS) {
    if (YIELDING.has(action)) continue;
    for (const key of keys[action]) {
      for (const other of owners.get(key) ?? []) {
        const [a, b] = [SCOPE[other], SCOPE[action]];
        if (a === b || (a === 'global' && SHADOWED.has(b)) || (b === 'global' && SHADOWED.has(a))) return { keys, clash: { key, actions: [other, action] } };
      }
      owners.set(key, [...(owners.get(key) ?? []), action]);
    }
  }
  return { keys };
}

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
