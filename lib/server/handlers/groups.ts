import type { Handler } from '../context.ts';
import { me } from './common.ts';

/** The user's groups, and the invitations waiting for them (kept while they are offline, like friend requests). */
export const groups: Handler<'groups'> = async (ctx) => {
  const user = me(ctx);
  const [mine, invites] = await Promise.all([ctx.store.groupsOf(user.id), ctx.store.invitesOf(user.id)]);
  return { groups: mine, invites };
};
