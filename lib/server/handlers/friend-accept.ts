import { friendUpdatePush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { conversationId, findUser, me, push } from './common.ts';

export const friendAccept: Handler<'friend_accept'> = async (ctx, body) => {
  const user = me(ctx);
  const other = await findUser(ctx, body.user);
  // ALREADY_FRIENDS and NO_REQUEST are decided inside the store's transaction.
  const conversation = await ctx.store.acceptFriendRequest(user.id, other.id);
  push(ctx, [other.id], friendUpdatePush(user.name, 'accepted'));
  return { user: other.name, conversation: conversationId(conversation) };
};
