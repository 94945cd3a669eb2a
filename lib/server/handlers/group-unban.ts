import { groupEventPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findGroupFor, findUser, me, push } from './common.ts';

export const groupUnban: Handler<'group_unban'> = async (ctx, body) => {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  const other = await findUser(ctx, body.user);
  await ctx.store.unbanFromGroup(group.id, user.id, other.id);
  const members = await ctx.store.memberIds(group.conversationId);
  push(ctx, [...members, other.id], groupEventPush(group.name, other.name, 'unbanned', { by: user.name }));
  return { group: group.name, user: other.name };
};
