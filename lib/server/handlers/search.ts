import type { SearchPosition } from '../../db/search.ts';
import { planSearch, snippet } from '../../db/search-tokens.ts';
import { positionOf } from '../../db/search.ts';
import { ChatError } from '../../protocol/errors.ts';
import type { SearchResultView } from '../../protocol/messages.ts';
import type { Handler } from '../context.ts';
import { findUser, fitPage, me, messageView, resolveConversation } from './common.ts';

const DEFAULT_LIMIT = 20;

// The cursor is opaque to clients: base64url of "ts.conversation.seq", the last result of the page.
// It names a place in the search order, not the query, so a cursor used with another query only
// says where to start; it grants nothing, since every page is cut to the caller's conversations.
export function encodeSearchCursor(p: SearchPosition): string {
  return Buffer.from(`${p.ts}.${p.conversationId}.${p.seq}`).toString('base64url');
}

export function decodeSearchCursor(cursor: string): SearchPosition {
  const m = /^(\d{1,16})\.(\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  const [ts, conversationId, seq] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [];
  if (ts === undefined || ![ts, conversationId!, seq!].every(Number.isSafeInteger)) throw new ChatError('CHAT_ERR_BAD_SEARCH_CURSOR');
  return { ts, conversationId: conversationId!, seq: seq! };
}

/** Messages matching every term of `query`, in the caller's conversations (or one of them), newest first, paged by `cursor`. */
export const search: Handler<'search'> = async (ctx, body) => {
  const user = me(ctx);
  const plan = planSearch(body.query);
  if (plan === null) throw new ChatError('CHAT_ERR_BAD_FIELD', '"query" holds only whitespace');
  const before = body.cursor === undefined ? undefined : decodeSearchCursor(body.cursor);
  const scoped = body.with !== undefined || body.group !== undefined || body.conversation !== undefined;
  const only = scoped ? await resolveConversation(ctx, body) : undefined;
  const senderId = body.from === undefined ? undefined : (await findUser(ctx, body.from)).id;
  const page = await ctx.store.searchMessages({
    userId: user.id, plan, conversationId: only?.conversationId, senderId, before, limit: body.limit ?? DEFAULT_LIMIT,
    // The users this session blocked: their messages are never found (not even as placeholders).
    excludeSenders: user.blocked,
  });
  // How each result is shown (peer or group name) comes from the caller's conversations.
  const rows = only ? [only] : await ctx.store.conversationsOf(user.id);
  const byId = new Map(rows.map((r) => [r.conversationId, r]));
  const fit = page.messages.slice(0, fitPage(page.messages));
  const results: SearchResultView[] = [];
  for (const m of fit) {
    const row = byId.get(m.conversationId);
    if (row) results.push({ ...messageView(m, row, user), snippet: snippet(m.text, plan) });
  }
  const next = fit.length < page.messages.length ? positionOf(fit[fit.length - 1]!) : page.next;
  return next === null ? { results } : { results, next_cursor: encodeSearchCursor(next) };
};
