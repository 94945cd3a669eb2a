import { groupEventPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findGroupFor, findUser, me, push } from './common.ts';

/** The creator makes a member an admin, or an admin a member again. */
export const groupRole: Handler<'group_role'> = async (ctx, body) => {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  const other = await findUser(ctx, body.user);
  await ctx.store.setGroupRole(group.id, user.id, other.id, body.role);
  const members = await ctx.store.memberIds(group.conversationId);
  push(ctx, members, groupEventPush(group.name, other.name, 'role', { by: user.name, role: body.role }));
  return { group: group.name, user: other.name, role: body.role };
};
