import { ChatError } from '../../protocol/errors.ts';
import { friendRequestPush, friendUpdatePush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { conversationId, findUser, me, push } from './common.ts';

export const friendAdd: Handler<'friend_add'> = async (ctx, body) => {
  const user = me(ctx);
  const other = await findUser(ctx, body.user);
  if (other.id === user.id) throw new ChatError('CHAT_ERR_SELF');
  // Decided by the store in one transaction: a check here and a write after it let two users
  // adding each other at once (two nodes) store two crossed requests.
  const added = await ctx.store.addFriend(user.id, other.id);
  if (added.status === 'accepted') {
    // Both asked: that is consent from both sides.
    push(ctx, [other.id], friendUpdatePush(user.name, 'accepted'));
    return { user: other.name, status: 'accepted', conversation: conversationId(added.conversationId) };
  }
  // A request to a user who blocked the sender stays pending on the sender's side: same answer, no push.
  if (!added.hidden) push(ctx, [other.id], friendRequestPush(user.name));
  return { user: other.name, status: 'pending' };
};
