import type { Handler } from '../context.ts';
import { me, parseConversationId } from './common.ts';

export const ack: Handler<'ack'> = async (ctx, body) => {
  const delivered = await ctx.store.moveDelivered(parseConversationId(body.conversation), me(ctx).id, body.seq);
  return { conversation: body.conversation, delivered };
};
