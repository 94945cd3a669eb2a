import { groupEventPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findGroupFor, findUser, me, push } from './common.ts';

/** The creator hands its role to another member, and stays as an admin. */
export const groupTransfer: Handler<'group_transfer'> = async (ctx, body) => {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  const other = await findUser(ctx, body.user);
  await ctx.store.transferGroup(group.id, user.id, other.id);
  const members = await ctx.store.memberIds(group.conversationId);
  push(ctx, members, groupEventPush(group.name, other.name, 'creator', { by: user.name }));
  push(ctx, members, groupEventPush(group.name, user.name, 'role', { by: user.name, role: 'admin' }));
  return { group: group.name, user: other.name };
};
