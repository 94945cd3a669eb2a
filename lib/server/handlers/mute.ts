import { notifyLevelPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { conversationId, me, push, resolveConversation } from './common.ts';

/** Sets this user's notification level of one conversation; their other sessions hear of it at once. */
export const mute: Handler<'mute'> = async (ctx, body) => {
  const user = me(ctx);
  const row = await resolveConversation(ctx, body);
  await ctx.store.setNotifyLevel(row.conversationId, user.id, body.level);
  const result = {
    conversation: conversationId(row.conversationId),
    ...(row.kind === 'direct' ? { with: row.peerName! } : { group: row.groupName! }),
    notify: body.level,
  };
  push(ctx, [user.id], notifyLevelPush(result));
  return result;
};
