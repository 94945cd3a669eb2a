import { cursorResultJson, receiptPush } from '../../protocol/frames.ts';
import type { Results } from '../../protocol/messages.ts';
import { Deferred, EncodedResult, type Handler, type HandlerContext, type Reply } from '../context.ts';
import { conversationId, me, parseConversationId, push } from './common.ts';

/** Joins the group commit, as `ack` does (ack.ts); a 1:1 peer then gets a receipt. */
export const read: Handler<'read'> = async (ctx, body) => {
  const user = me(ctx);
  const id = parseConversationId(body.conversation);
  const reply = new Deferred<Reply<Results['read']>>();
  ctx.moveCursor({ conversationId: id, userId: user.id, kind: 'read', seq: body.seq }, (err, seq) => {
    if (err !== null) return reply.reject(err);
    const result = { conversation: body.conversation, read: seq! };
    reply.resolve(new EncodedResult(result, cursorResultJson(body.conversation, 'read', seq!)));
    ctx.signals.receipts.moved(id, user.id, seq!, (at) => void sendReceipt(ctx, id, user, at));
  });
  return reply;
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
