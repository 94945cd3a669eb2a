import { groupEventPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { conversationId, findGroup, me, push } from './common.ts';

export const groupJoin: Handler<'group_join'> = async (ctx, body) => {
  const user = me(ctx);
  const group = await findGroup(ctx, body.group);
  const seq = await ctx.store.joinGroup(group.id, user.id);
  const members = await ctx.store.memberIds(group.conversationId);
  push(ctx, members, groupEventPush(group.name, user.name, 'joined'));
  return { group: group.name, conversation: conversationId(group.conversationId), seq };
};
