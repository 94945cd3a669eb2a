import { ChatError } from '../../protocol/errors.ts';
import { friendUpdatePush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { conversationId, findUser, me, push } from './common.ts';

export const friendAccept: Handler<'friend_accept'> = async (ctx, body) => {
  const user = me(ctx);
  const other = await findUser(ctx, body.user);
  const relation = await ctx.store.relation(user.id, other.id);
  if (relation === 'friends') throw new ChatError('CHAT_ERR_ALREADY_FRIENDS');
  if (relation !== 'in') throw new ChatError('CHAT_ERR_NO_REQUEST');
  const conversation = await ctx.store.acceptFriendRequest(user.id, other.id);
  push(ctx, [other.id], friendUpdatePush(user.name, 'accepted'));
  return { user: other.name, conversation: conversationId(conversation) };
};
