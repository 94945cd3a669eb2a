import { cursorResultJson } from '../../protocol/frames.ts';
import { Deferred, EncodedResult, type Handler, type Reply } from '../context.ts';
import type { Results } from '../../protocol/messages.ts';
import { me, parseConversationId } from './common.ts';

/** Joins the group commit, as `ack` does (ack.ts). */
export const read: Handler<'read'> = async (ctx, body) => {
  const conversationId = parseConversationId(body.conversation);
  const reply = new Deferred<Reply<Results['read']>>();
  ctx.moveCursor({ conversationId, userId: me(ctx).id, kind: 'read', seq: body.seq }, (err, seq) => {
    if (err !== null) reply.reject(err);
    else {
      const result = { conversation: body.conversation, read: seq! };
      reply.resolve(new EncodedResult(result, cursorResultJson(body.conversation, 'read', seq!)));
    }
  });
  return reply;
};
