// The TUI's actions and the keys that trigger them: the defaults here, overridden per action by
// the config file's [keys] table (lib/client-config.ts validates it against ACTIONS). Key names
// are blessed's `key.full`: `C-x` (Ctrl), `M-x` (Alt), `S-tab`, `pageup`, a printable character.
// Enter (send) and Alt-Enter / Ctrl-J (new line) are fixed: they are how text is typed at all.
// Pure: no blessed.

export const DEFAULT_KEYS = {
  quit: ['C-c'],
  switch_focus: ['tab', 'S-tab'],
  next_conversation: ['C-n'],
  prev_conversation: ['C-p'],
  page_up: ['pageup'],
  page_down: ['pagedown'],
  follow_newest: ['escape'],
  reconnect: ['C-r'],
  close_overlay: ['escape', 'return', 'q'],
  /** narrow terminals: show or hide the conversation list over the conversation */
  toggle_list: ['C-l'],
} as const satisfies Record<string, readonly string[]>;

export type KeyAction = keyof typeof DEFAULT_KEYS;
export type KeyMap = Record<KeyAction, readonly string[]>;

export const ACTIONS = Object.keys(DEFAULT_KEYS) as KeyAction[];

/**
 * Keys that act only in a context of their own (an open overlay, a scrolled pane) and so may
 * share a key with each other or with a global action without one shadowing the other.
 */
const CONTEXTUAL: ReadonlySet<KeyAction> = new Set(['close_overlay', 'follow_newest']);

const NAMED = 'tab|return|enter|escape|space|backspace|delete|insert|home|end|pageup|pagedown|up|down|left|right|f[1-9]|f1[0-2]';
const KEY_NAME = new RegExp(`^(?:(?:C|M|S)-){0,3}(?:${NAMED}|[a-z0-9]|[!-~])$`);

/** Keys that type or edit text (or move in the list): an action bound to one would take it from the input. */
const TYPING = new Set(['space', 'backspace', 'delete', 'left', 'right', 'home', 'end', 'return', 'enter', 'up', 'down', 'C-a', 'C-e', 'C-w', 'C-u', 'C-j']);

/** Why `key` cannot be bound to `action`, or null when it can. */
export function unbindable(action: KeyAction, key: string): string | null {
  if (CONTEXTUAL.has(action)) return null;
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
 * gets exactly the keys listed there). Returns the map and, when two global actions share a key,
 * the first such clash.
 */
export function resolveKeyMap(overrides: Partial<Record<KeyAction, readonly string[]>>): { keys: KeyMap; clash?: { key: string; actions: [KeyAction, KeyAction] } } {
  const keys = { ...DEFAULT_KEYS, ...overrides } as KeyMap;
  const owner = new Map<string, KeyAction>();
  for (const action of ACTIONS) {
    if (CONTEXTUAL.has(action)) continue;
    for (const key of keys[action]) {
      const other = owner.get(key);
      if (other && other !== action) return { keys, clash: { key, actions: [other, action] } };
      owner.set(key, action);
    }
  }
  return { keys };
}

/** The action `full` triggers among `candidates` (the first one listed wins). */
export function actionFor(keys: KeyMap, full: string, candidates: readonly KeyAction[] = ACTIONS): KeyAction | undefined {
  return candidates.find((a) => keys[a].includes(full));
}
