import type { Handler } from '../context.ts';
import { conversationId, fitPage, me, messageView, resolveConversation, visibleTo } from './common.ts';

const DEFAULT_LIMIT = 50;

/** Pages backwards: the newest `limit` messages before `before` (default: the end), oldest first. Cursors do not move. */
export const history: Handler<'history'> = async (ctx, body) => {
  const user = me(ctx);
  const row = await resolveConversation(ctx, body);
  const before = body.before ?? row.lastSeq + 1;
  // A member of a `joined` group sees nothing before their join.
  const fetched = visibleTo(await ctx.store.messagesBefore(row.conversationId, before, body.limit ?? DEFAULT_LIMIT), row);
  // Long texts may shorten the page from its old end; the client pages on with `before`.
  const messages = fetched.slice(fetched.length - fitPage(fetched, true));
  return { conversation: conversationId(row.conversationId), messages: messages.map((m) => messageView(m, row, user)) };
};
