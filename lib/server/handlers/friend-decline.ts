import { ChatError } from '../../protocol/errors.ts';
import { friendUpdatePush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findUser, me, push } from './common.ts';

export const friendDecline: Handler<'friend_decline'> = async (ctx, body) => {
  const user = me(ctx);
  const other = await findUser(ctx, body.user);
  if (!(await ctx.store.deleteFriendRequest(other.id, user.id))) throw new ChatError('CHAT_ERR_NO_REQUEST');
  push(ctx, [other.id], friendUpdatePush(user.name, 'declined'));
  return { user: other.name };
};
