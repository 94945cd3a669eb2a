import type { Handler } from '../context.ts';
import { conversationId, findGroup, me, push } from './common.ts';

export const groupJoin: Handler<'group_join'> = async (ctx, body) => {
  const user = me(ctx);
  const group = await findGroup(ctx, body.group);
  const seq = await ctx.store.joinGroup(group.id, user.id);
  const members = await ctx.store.memberIds(group.conversationId);
  push(ctx, members, { type: 'group_event', group: group.name, user: user.name, event: 'joined' });
  return { group: group.name, conversation: conversationId(group.conversationId), seq };
};
