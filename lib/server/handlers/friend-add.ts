import { ChatError } from '../../protocol/errors.ts';
import { friendRequestPush, friendUpdatePush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { conversationId, findUser, me, push } from './common.ts';

export const friendAdd: Handler<'friend_add'> = async (ctx, body) => {
  const user = me(ctx);
  const other = await findUser(ctx, body.user);
  if (other.id === user.id) throw new ChatError('CHAT_ERR_SELF');
  const relation = await ctx.store.relation(user.id, other.id);
  if (relation === 'friends') throw new ChatError('CHAT_ERR_ALREADY_FRIENDS');
  if (relation === 'out') throw new ChatError('CHAT_ERR_REQUEST_PENDING');
  if (relation === 'in') {
    // Both asked: that is consent from both sides.
    const conversation = await ctx.store.acceptFriendRequest(user.id, other.id);
    push(ctx, [other.id], friendUpdatePush(user.name, 'accepted'));
    return { user: other.name, status: 'accepted', conversation: conversationId(conversation) };
  }
  await ctx.store.createFriendRequest(user.id, other.id);
  push(ctx, [other.id], friendRequestPush(user.name));
  return { user: other.name, status: 'pending' };
};
