import type { Handler } from '../context.ts';
import { findGroupFor, me } from './common.ts';

export const groupDecline: Handler<'group_decline'> = async (ctx, body) => {
  const user = me(ctx);
  const { group } = await findGroupFor(ctx, body.group);
  await ctx.store.declineInvite(group.id, user.id);
  return { group: group.name };
};
