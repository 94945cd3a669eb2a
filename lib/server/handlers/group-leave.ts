import { groupEventPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findGroupFor, me, push } from './common.ts';

export const groupLeave: Handler<'group_leave'> = async (ctx, body) => {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  const { deleted, newCreatorId } = await ctx.removals.track(ctx.store.leaveGroup(group.id, user.id));
  if (deleted) {
    push(ctx, [user.id], groupEventPush(group.name, user.name, 'deleted'));
  } else {
    // The leaver's other sessions hear it too, so their group lists stay true.
    const members = [...(await ctx.store.memberIds(group.conversationId)), user.id];
    push(ctx, members, groupEventPush(group.name, user.name, 'left'));
    if (newCreatorId !== null) {
      const creator = (await ctx.store.groupMembers(group.id)).find((m) => m.id === newCreatorId);
      if (creator) push(ctx, members, groupEventPush(group.name, creator.name, 'creator'));
    }
  }
  return { group: group.name };
};
