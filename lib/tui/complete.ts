// Tab completion of the word before the cursor: slash commands, their arguments, `@member`,
// `#group`, and friend (or, in a group, member) names in plain text. Pure: the reducer keeps the
// cycle (which candidate is shown) and asks here only for candidates.
import type { Editor } from './editor.ts';

export const COMMANDS = ['accept', 'add', 'create', 'decline', 'help', 'join', 'leave', 'logout-all', 'members', 'passwd', 'quit', 'remove', 'revoke', 'sessions'] as const;

export interface Names {
  friends: readonly string[];
  groups: readonly string[];
  /** incoming and outgoing friend requests */
  requestsIn: readonly string[];
  requestsOut: readonly string[];
  /** members of the open group, when one is open and they are known */
  members: readonly string[];
}

export interface Candidates {
  /** where the word starts in the value (the cursor is where it ends) */
  start: number;
  /** full replacements for value[start, cursor) */
  options: string[];
}

/** The arguments each command completes. */
function argumentNames(cmd: string, n: Names): readonly string[] {
  switch (cmd) {
    case 'accept': case 'decline': return n.requestsIn;
    case 'remove': return [...n.friends, ...n.requestsOut];
    case 'leave': case 'members': return n.groups;
    default: return [];
  }
}

function matching(prefix: string, names: readonly string[], sigil = ''): string[] {
  const p = prefix.toLowerCase();
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of names) {
    const key = name.toLowerCase();
    if (key.startsWith(p) && !seen.has(key)) {
      seen.add(key);
      out.push(sigil + name);
    }
  }
  return out.sort((a, b) => a.localeCompare(b));
}

/**
 * Candidates for the word that ends at the cursor, or null: the cursor does not end a word
 * (it sits inside one, or after a space), or nothing matches. Null is what lets Tab switch
 * focus instead.
 */
export function candidates(e: Editor, n: Names): Candidates | null {
  const { value, cursor } = e;
  const after = value[cursor];
  if (after !== undefined && !/\s/.test(after)) return null;
  const before = value.slice(0, cursor);
  const start = before.search(/\S+$/);
  if (start === -1) return null;
  const word = before.slice(start);
  let options: string[];
  const head = /^\/(\S*)(\s+)?/.exec(value);
  if (head && start === 0) {
    options = matching(word.slice(1), COMMANDS, '/');
  } else if (head && head[2] && start === head[0].length && !/\s/.test(before.slice(head[0].length))) {
    // the first argument of a command
    const cmd = head[1]!.toLowerCase();
    const names = argumentNames(cmd, n);
    options = word.startsWith('#') && (cmd === 'leave' || cmd === 'members') ? matching(word.slice(1), names, '#') : matching(word, names);
  } else if (word.startsWith('@')) {
    options = matching(word.slice(1), n.members.length > 0 ? n.members : n.friends, '@');
  } else if (word.startsWith('#')) {
    options = matching(word.slice(1), n.groups, '#');
  } else if (!value.startsWith('/')) {
    options = matching(word, [...n.members, ...n.friends]);
  } else {
    options = [];
  }
  // a word that is already the only candidate has nothing to complete
  if (options.length === 0 || (options.length === 1 && options[0] === word)) return null;
  return { start, options };
}

/** The editor with value[start, cursor) replaced by `option` (and a space after a sole candidate). */
export function applyCandidate(e: Editor, start: number, end: number, option: string, sole: boolean): Editor {
  const insert = sole && !/^\s/.test(e.value.slice(end)) ? option + ' ' : option;
  return { value: e.value.slice(0, start) + insert + e.value.slice(end), cursor: start + insert.length };
}
