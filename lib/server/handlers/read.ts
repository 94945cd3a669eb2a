import { Deferred, type Handler, type Reply } from '../context.ts';
import type { Results } from '../../protocol/messages.ts';
import { me, parseConversationId } from './common.ts';

/** Joins the group commit, as `ack` does (ack.ts). */
export const read: Handler<'read'> = async (ctx, body) => {
  const conversationId = parseConversationId(body.conversation);
  const reply = new Deferred<Reply<Results['read']>>();
  ctx.moveCursor({ conversationId, userId: me(ctx).id, kind: 'read', seq: body.seq }, (err, seq) => {
    if (err !== null) reply.reject(err);
    else reply.resolve({ conversation: body.conversation, read: seq! });
  });
  return reply;
};
