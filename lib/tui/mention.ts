// Mentions in the TUI. Which messages mention me comes from the server (`mentions` on the
// message: the members the sender named), never from guessing at the text. What the TUI sends
// comes from the text the user wrote: `@` + the exact name of someone they could mention.
import type { MessageView } from '../protocol/messages.ts';
import { nameKey } from '../protocol/names.ts';

/** The message names me among its mentions (names compare by their key, as the server's do). */
export function mentionsMe(m: Pick<MessageView, 'mentions'>, me: string): boolean {
  if (!me || m.mentions === undefined) return false;
  const key = nameKey(me);
  return m.mentions.some((n) => nameKey(n) === key);
}

const WORD = /[\p{L}\p{N}_]/u;

/**
 * The names of `names` that `text` mentions: `@` + the name, in any case, not inside a word
 * before it (so `me@host` is no mention) and not running on into a word after it. Names may
 * hold spaces (`@Carol Smith`), which is why the TUI sends the names it found rather than the
 * server parsing the text. Where two names fit at one `@` (`carol`, `carol smith`), the longer
 * wins. Each name once, in the order first mentioned; the server keeps the members among them.
 */
export function mentionedNames(text: string, names: readonly string[]): string[] {
  if (!text.includes('@') || names.length === 0) return [];
  const byLength = [...new Set(names)].filter((n) => n.length > 0).sort((a, b) => b.length - a.length);
  const lower = text.toLowerCase();
  const found: string[] = [];
  const seen = new Set<string>();
  for (let at = lower.indexOf('@'); at !== -1; at = lower.indexOf('@', at + 1)) {
    const before = text[at - 1];
    if (before !== undefined && (WORD.test(before) || before === '@')) continue;
    for (const name of byLength) {
      const candidate = lower.slice(at + 1, at + 1 + name.length);
      if (candidate !== name.toLowerCase()) continue;
      const after = text.slice(at + 1 + name.length);
      if (after.length > 0 && WORD.test([...after][0]!)) continue;
      const key = nameKey(name);
      if (!seen.has(key)) {
        seen.add(key);
        found.push(name);
      }
      break;
    }
  }
  return found;
}
