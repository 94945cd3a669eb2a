// Mentions, as the TUI recognises them in message text.
/**
 * A mention of `me` in `text`: `@me` as a word, any case. The protocol has no mentions yet, so
 * this is what a mention is until it does.
 */
export function isMention(text: string, me: string): boolean {
  if (!me) return false;
  const escaped = me.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_@])@${escaped}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}
