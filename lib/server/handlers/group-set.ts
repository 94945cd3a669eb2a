import { groupEventPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findGroupFor, me, push } from './common.ts';

/**
 * A moderator switches the group between public and private, or its history visibility. A
 * history switch applies to joins made after it: members keep the view they joined with.
 */
export const groupSet: Handler<'group_set'> = async (ctx, body) => {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  const updated = await ctx.store.updateGroup(group.id, user.id, { private: body.private, history: body.history });
  const members = await ctx.store.memberIds(group.conversationId);
  push(ctx, members, groupEventPush(group.name, user.name, 'settings', { private: updated.private, history: updated.history }));
  return { group: group.name, private: updated.private, history: updated.history };
};
