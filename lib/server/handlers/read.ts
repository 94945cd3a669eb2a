import { receiptPush } from '../../protocol/frames.ts';
import type { Handler, HandlerContext } from '../context.ts';
import { conversationId, me, parseConversationId, push } from './common.ts';

export const read: Handler<'read'> = async (ctx, body) => {
  const user = me(ctx);
  const id = parseConversationId(body.conversation);
  const read = await ctx.store.moveRead(id, user.id, body.seq);
  ctx.signals.receipts.moved(id, user.id, read, (seq) => void sendReceipt(ctx, id, user, seq));
  return { conversation: body.conversation, read };
};

/** A 1:1 conversation's peer learns how far this user has read; groups ask with `receipts`. */
async function sendReceipt(ctx: HandlerContext, id: number, reader: { id: number; name: string }, seq: number): Promise<void> {
  try {
    const row = await ctx.store.conversationOf(reader.id, id);
    if (row?.kind !== 'direct') return;
    const peers = (await ctx.store.memberIds(id)).filter((m) => m !== reader.id);
    push(ctx, peers, receiptPush(conversationId(id), reader.name, seq), true);
  } catch (err) {
    // A receipt is a courtesy: losing one (the store is away) must not fail the read.
    ctx.log.warn({ err: (err as Error).message, conversation: id }, 'read receipt not sent');
  }
}
