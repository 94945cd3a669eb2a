import { ChatError } from '../../protocol/errors.ts';
import { friendUpdatePush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findUser, me, push } from './common.ts';

/** Ends a friendship, or withdraws one's own pending request. The direct history is kept. */
export const friendRemove: Handler<'friend_remove'> = async (ctx, body) => {
  const user = me(ctx);
  const other = await findUser(ctx, body.user);
  const removed =
    (await ctx.store.removeFriendship(user.id, other.id)) || (await ctx.store.deleteFriendRequest(user.id, other.id));
  if (!removed) throw new ChatError('CHAT_ERR_NOT_FRIENDS');
  push(ctx, [other.id], friendUpdatePush(user.name, 'removed'));
  return { user: other.name };
};
