import type { Handler } from '../context.ts';
import { conversationId, fitPage, me, messageView, resolveConversation } from './common.ts';

const DEFAULT_LIMIT = 200;

/** Pages forwards from `after` (default: the delivered cursor), every entry raw with its kind. Clients use it for backlog and gaps. */
export const sync: Handler<'sync'> = async (ctx, body) => {
  const user = me(ctx);
  const row = await resolveConversation(ctx, { conversation: body.conversation });
  const limit = body.limit ?? DEFAULT_LIMIT;
  // A member of a `joined` group sees nothing before their join.
  const after = Math.max(body.after ?? row.delivered, row.visibleAfter);
  const fetched = await ctx.store.messagesAfter(row.conversationId, after, limit + 1);
  const messages = fetched.slice(0, fitPage(fetched.slice(0, limit)));
  const more = fetched.length > messages.length;
  return { conversation: conversationId(row.conversationId), messages: messages.map((m) => messageView(m, row, user, true)), more };
};
