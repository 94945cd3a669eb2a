import { ChatError } from '../../protocol/errors.ts';
import type { Handler } from '../context.ts';
import { conversationId, me, resolveConversation } from './common.ts';

/** Who of the conversation's other members has read up to `seq` (their read cursor is at or past it). */
export const receipts: Handler<'receipts'> = async (ctx, body) => {
  const user = me(ctx);
  const row = await resolveConversation(ctx, body);
  if (body.seq < 1 || body.seq > row.lastSeq) throw new ChatError('CHAT_ERR_BAD_CURSOR', `seq must be 1..${row.lastSeq}, a message of this conversation`);
  const others = await ctx.store.readersOf(row.conversationId, body.seq, user.id);
  const members = others.filter((m) => m.read).map((m) => m.name);
  return { conversation: conversationId(row.conversationId), seq: body.seq, read: members.length, of: others.length, members };
};
