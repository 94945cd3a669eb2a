import { typingPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { conversationId, me, resolveConversation } from './common.ts';

/**
 * Tells the conversation's other members, on every node, that this user is typing. Not stored;
 * a client shows it for 5 s unless renewed. At most one per 2 s per session and conversation is
 * forwarded: the rest answer `forwarded: false`, which is no error (the notice is still showing).
 */
export const typing: Handler<'typing'> = async (ctx, body) => {
  const user = me(ctx);
  const row = await resolveConversation(ctx, body);
  const conversation = conversationId(row.conversationId);
  if (!ctx.signals.typing.allow(ctx.session.id, row.conversationId)) return { conversation, forwarded: false };
  const others = (await ctx.store.memberIds(row.conversationId)).filter((id) => id !== user.id);
  // Not stored, so not in anyone's sequence: a user who blocked this one gets nothing at all.
  const frame = typingPush(conversation, user.name, row.kind === 'group' ? row.groupName! : null);
  if (others.length > 0) ctx.bus.publish({ users: others, frame, exceptConn: ctx.session.id, sender: user.id, blockedGet: 'nothing' });
  return { conversation, forwarded: true };
};
