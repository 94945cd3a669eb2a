import { groupEventPush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { conversationId, findGroupFor, me, push } from './common.ts';

/** Joins a public group, or a private one the user is invited to (which accepts the invitation). */
export const groupJoin: Handler<'group_join'> = async (ctx, body) => {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  const seq = await ctx.store.joinGroup(group.id, user.id);
  const members = await ctx.store.memberIds(group.conversationId);
  push(ctx, members, groupEventPush(group.name, user.name, 'joined'));
  return { group: group.name, conversation: conversationId(group.conversationId), seq };
};
