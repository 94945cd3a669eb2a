// The one paging loop of search, which both stores run around their own candidate query. A store's
// index only narrows (search-tokens.ts); this loop keeps the candidates that really match, in the
// order both stores use: newest first by (ts, conversationId, seq), each strictly before the last.
import { matches, type SearchPlan } from './search-tokens.ts';
import type { StoredMessage } from './store.ts';

/** A place in search order: results continue strictly before it. */
export interface SearchPosition {
  ts: number;
  conversationId: number;
  seq: number;
}

export interface SearchRequest {
  userId: number;
  plan: SearchPlan;
  /** only this conversation (the caller checked the user is in it) */
  conversationId?: number | undefined;
  /** only messages from this user */
  senderId?: number | undefined;
  /** never messages from these users (the ones the searcher blocked); decided here, once for both stores */
  excludeSenders?: ReadonlySet<number> | undefined;
  /** continue after this position (the previous page's `next`) */
  before?: SearchPosition | undefined;
  limit: number;
}

export interface SearchPage {
  messages: StoredMessage[];
  /** where the next page starts, or null when there is no more */
  next: SearchPosition | null;
}

/** Candidates for the request, newest first, strictly before `before`, at most `n`. */
export type FetchCandidates = (before: SearchPosition | undefined, n: number) => Promise<StoredMessage[]>;

/** Candidates fetched per round, and rounds per page: a page of false candidates ends early, with a cursor. */
const CHUNK_MIN = 50;
const MAX_ROUNDS = 8;

export const positionOf = (m: StoredMessage): SearchPosition => ({ ts: m.ts, conversationId: m.conversationId, seq: m.seq });

/** Search order, newest first: by ts, then conversation, then seq, each descending. */
export const bySearchOrder = (a: StoredMessage, b: StoredMessage): number => b.ts - a.ts || b.conversationId - a.conversationId || b.seq - a.seq;

/**
 * `chunkMin`: candidates asked for per round at least. A store whose candidates are every message
 * of a matching block (MySQL's) asks for more, since most of them may not match, and a round costs
 * it about the same whatever the number.
 */
export async function collectPage(req: SearchRequest, fetch: FetchCandidates, chunkMin = CHUNK_MIN): Promise<SearchPage> {
  const found: StoredMessage[] = [];
  const chunk = Math.max(chunkMin, req.limit + 1);
  let before = req.before;
  const exclude = req.excludeSenders !== undefined && req.excludeSenders.size > 0 ? req.excludeSenders : null;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const candidates = await fetch(before, chunk);
    for (const m of candidates) {
      if (exclude !== null && exclude.has(m.senderId)) continue;
      if (!matches(m.text, req.plan)) continue;
      // One more than asked for says whether a next page exists.
      if (found.length === req.limit) return { messages: found, next: positionOf(found[found.length - 1]!) };
      found.push(m);
    }
    if (candidates.length < chunk) return { messages: found, next: null };
    before = positionOf(candidates[candidates.length - 1]!);
  }
  return { messages: found, next: before ?? null };
}
