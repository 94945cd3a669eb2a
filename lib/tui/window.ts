// The loaded window of a conversation: which pages of it the TUI holds, how it grows at either
// end and what it drops to stay bounded. Pure helpers of the reducer (state.ts).
import type { MessageView } from '../protocol/messages.ts';
import type { Conversation } from './state.ts';
import { HEAD, lowerBound, type Anchor } from './viewport.ts';

/** Messages per history page. */
export const PAGE = 200;
/** The most messages the open conversation keeps loaded; pages beyond are dropped and fetched again. */
export const MAX_LOADED = 5 * PAGE;
/** Load the next page once the view's top (or bottom) is this many messages from the loaded end. */
export const PREFETCH = 60;

/** The index in `c.messages` of the message an anchor names (HEAD: 0). */
export function anchorIndex(c: Conversation, anchor: Anchor): number {
  if (anchor.seq === HEAD) return 0;
  return lowerBound(c.messages.length, (i) => c.messages[i]!.seq, anchor.seq);
}

/** Nothing before this page: it is empty (nothing older) or starts at the first seq. */
export function startsConversation(page: readonly MessageView[]): boolean {
  return page.length === 0 || page[0]!.seq <= 1;
}

/** Forgets the window, so that opening the conversation loads its newest page again. */
export function unloaded(c: Conversation, around?: number): Conversation {
  return { ...c, messages: [], applied: [], recent: [], historyLoaded: false, older: 'more', newer: 'none', around, syncedTo: undefined };
}

/** Keeps the newest `n` messages (a conversation left, or one followed at its newest). */
export function keepNewest(c: Conversation, n: number): Conversation {
  if (c.messages.length <= n) return c;
  return { ...c, messages: c.messages.slice(-n), older: 'more' };
}

/** Over the limit, drops the newest messages, keeping a page below the view (at index `at`). */
export function dropNewest(c: Conversation, at: number): Conversation {
  if (c.messages.length <= MAX_LOADED) return c;
  const keep = Math.max(MAX_LOADED, at + PAGE);
  return keep < c.messages.length ? { ...c, messages: c.messages.slice(0, keep), newer: 'more', syncedTo: undefined } : c;
}

/** The first message the "new messages" marker stands above, if it is loaded. */
export function firstNewIndex(c: Conversation, me: string): number {
  if (c.newFrom === undefined) return -1;
  const first = c.messages[0];
  if (!first || (first.seq > c.newFrom && c.older !== 'start')) return -1;
  for (let i = lowerBound(c.messages.length, (j) => c.messages[j]!.seq, c.newFrom); i < c.messages.length; i++) {
    if (c.messages[i]!.from !== me) return i;
  }
  return -1;
}
