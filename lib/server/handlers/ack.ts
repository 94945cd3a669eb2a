import { cursorResultJson } from '../../protocol/frames.ts';
import { Deferred, EncodedResult, type Handler, type Reply } from '../context.ts';
import type { Results } from '../../protocol/messages.ts';
import { me, parseConversationId } from './common.ts';

/**
 * Joins the group commit like a send (MessageWriter): a client acks every conversation once per
 * tick, so a write of its own per ack would cost as much as the messages. Answered after the
 * commit; the queue is released at once, so later requests may be answered first.
 */
export const ack: Handler<'ack'> = async (ctx, body) => {
  const conversationId = parseConversationId(body.conversation);
  const reply = new Deferred<Reply<Results['ack']>>();
  ctx.moveCursor({ conversationId, userId: me(ctx).id, kind: 'delivered', seq: body.seq }, (err, seq) => {
    if (err !== null) reply.reject(err);
    else {
      const result = { conversation: body.conversation, delivered: seq! };
      reply.resolve(new EncodedResult(result, cursorResultJson(body.conversation, 'delivered', seq!)));
    }
  });
  return reply;
};
