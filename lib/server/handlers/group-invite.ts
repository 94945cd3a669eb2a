import { groupInvitePush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findGroupFor, findUser, me, push } from './common.ts';

/** A moderator invites a user; the invitation is stored, so it waits for them while they are offline. */
export const groupInvite: Handler<'group_invite'> = async (ctx, body) => {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  const other = await findUser(ctx, body.user);
  await ctx.store.inviteToGroup(group.id, user.id, other.id);
  push(ctx, [other.id], groupInvitePush(group.name, user.name, group.desc));
  return { group: group.name, user: other.name };
};
