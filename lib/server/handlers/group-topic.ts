import { groupEventPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findGroupFor, me, push } from './common.ts';

/** A moderator sets the topic (the group's `desc`). */
export const groupTopic: Handler<'group_topic'> = async (ctx, body) => {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  const updated = await ctx.store.updateGroup(group.id, user.id, { desc: body.desc });
  const members = await ctx.store.memberIds(group.conversationId);
  push(ctx, members, groupEventPush(group.name, user.name, 'topic', { desc: updated.desc }));
  return { group: group.name, desc: updated.desc };
};
