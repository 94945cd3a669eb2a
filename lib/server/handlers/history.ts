import type { Handler } from '../context.ts';
import { attachReactions, conversationId, fitPage, me, messageView, resolveConversation } from './common.ts';

const DEFAULT_LIMIT = 50;

/**
 * Pages backwards: the newest `limit` messages before `before` (default: the end), oldest first,
 * each folded to its current state (edits, deletion, reactions); events are not counted or shown.
 * Cursors do not move.
 */
export const history: Handler<'history'> = async (ctx, body) => {
  const user = me(ctx);
  const row = await resolveConversation(ctx, body);
  const before = body.before ?? row.lastSeq + 1;
  const fetched = await ctx.store.messagesBefore(row.conversationId, before, body.limit ?? DEFAULT_LIMIT);
  // Long texts may shorten the page from its old end; the client pages on with `before`.
  const messages = fetched.slice(fetched.length - fitPage(fetched, true));
  const views = messages.map((m) => messageView(m, row, user));
  if (messages.length > 0) {
    attachReactions(views, await ctx.store.reactionsOf(row.conversationId, messages[0]!.seq, messages.at(-1)!.seq, user.id));
  }
  return { conversation: conversationId(row.conversationId), messages: views, last_seq: row.lastSeq };
};
