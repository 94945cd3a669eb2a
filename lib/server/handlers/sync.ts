import type { Handler } from '../context.ts';
import { conversationId, me, messageView, resolveConversation } from './common.ts';

const DEFAULT_LIMIT = 200;

/** Pages forwards from `after` (default: the delivered cursor). Clients use it for backlog and gaps. */
export const sync: Handler<'sync'> = async (ctx, body) => {
  const user = me(ctx);
  const row = await resolveConversation(ctx, { conversation: body.conversation });
  const limit = body.limit ?? DEFAULT_LIMIT;
  const messages = await ctx.store.messagesAfter(row.conversationId, body.after ?? row.delivered, limit + 1);
  const more = messages.length > limit;
  if (more) messages.pop();
  return { conversation: conversationId(row.conversationId), messages: messages.map((m) => messageView(m, row, user)), more };
};
