import { groupEventPush } from '../../protocol/frames.ts';
import type { Handler, HandlerContext } from '../context.ts';
import { findGroupFor, findUser, me, push } from './common.ts';

/**
 * group_kick and group_ban. The target's every session, on every node (the bus carries the push),
 * hears it with the members, and closes the conversation: they no longer receive, read or sync it.
 */
async function remove(ctx: HandlerContext, body: { group: string; user: string }, ban: boolean) {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  const other = await findUser(ctx, body.user);
  const { wasMember } = await ctx.removals.track(ctx.store.removeFromGroup(group.id, user.id, other.id, ban));
  const members = await ctx.store.memberIds(group.conversationId);
  // A ban of someone who was not in the group is not news to them.
  const to = wasMember ? [...members, other.id] : members;
  push(ctx, to, groupEventPush(group.name, other.name, ban ? 'banned' : 'kicked', { by: user.name }));
  return { group: group.name, user: other.name };
}

export const groupKick: Handler<'group_kick'> = (ctx, body) => remove(ctx, body, false);
export const groupBan: Handler<'group_ban'> = (ctx, body) => remove(ctx, body, true);
