import type { Handler } from '../context.ts';
import { me, parseConversationId } from './common.ts';

export const read: Handler<'read'> = async (ctx, body) => {
  const read = await ctx.store.moveRead(parseConversationId(body.conversation), me(ctx).id, body.seq);
  return { conversation: body.conversation, read };
};
