import type { Handler } from '../context.ts';
import { conversationId, findUser, me, push } from './common.ts';

export const friendAccept: Handler<'friend_accept'> = async (ctx, body) => {
  const user = me(ctx);
  const other = await findUser(ctx, body.user);
  // ALREADY_FRIENDS and NO_REQUEST are decided inside the store's transaction.
  const conversation = await ctx.store.acceptFriendRequest(user.id, other.id);
  push(ctx, [other.id], { type: 'friend_update', user: user.name, status: 'accepted' });
  return { user: other.name, conversation: conversationId(conversation) };
};
