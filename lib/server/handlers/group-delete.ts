import { groupEventPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findGroupFor, me, push } from './common.ts';

/** The creator deletes the group with its history; the name is free again. */
export const groupDelete: Handler<'group_delete'> = async (ctx, body) => {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  const members = await ctx.store.deleteGroup(group.id, user.id);
  push(ctx, members, groupEventPush(group.name, user.name, 'deleted'));
  return { group: group.name };
};
