import type { LeftGroup } from '../../db/store.ts';
import { friendUpdatePush, groupEventPush } from '../../protocol/frames.ts';
import type { Handler, HandlerContext } from '../context.ts';
import type { SessionUser } from '../connection.ts';
import { me, push } from './common.ts';
import { checkOwnPassword } from './own-password.ts';
import { closeSessions } from './revoke.ts';

/**
 * How long a deleted account's name cannot be registered. Its messages stay, shown without a
 * name (`from_deleted`), and for this long nobody can take the name and be mistaken, by people
 * who knew the old account, for its owner. Afterwards the name is free like any other.
 */
export const DELETED_NAME_RESERVED_MS = 30 * 24 * 3600 * 1000;

/**
 * Deletes the caller's account. The password is asked again (a session left open must not be
 * enough), and a wrong one counts as a failed login. In one transaction (AccountStore.deleteUser)
 * the account leaves each group as group_leave does (the creator role passes on; a last member
 * deletes the group), and its tokens, friend requests and friendships go; then every session of
 * it is closed on every node.
 */
export const accountDelete: Handler<'account_delete'> = async (ctx, body) => {
  const user = me(ctx);
  await checkOwnPassword(ctx, user, body.password, 'the password is wrong');
  const now = Date.now();
  const friends = await ctx.store.friendsOf(user.id);
  const requests = await ctx.store.requestsOf(user.id);
  // One transaction: a crash leaves the whole account or none of it.
  const left = await ctx.removals.track(ctx.store.accounts.deleteUser(user.id, now + DELETED_NAME_RESERVED_MS, {
    actor: `account ${user.name}`, action: 'delete_account', targetId: user.id, target: user.name, at: now, detail: {},
  }));
  await announceLeaves(ctx, user, left);
  push(ctx, [...friends, ...requests].map((f) => f.id), friendUpdatePush(user.name, 'removed'));
  closeSessions(ctx, user, 'this account was deleted in another session');
  await ctx.session.signOut();
  ctx.log.info({ userId: user.id, session: ctx.session.id }, 'account deleted');
  return { user: user.name };
};

/** What the groups the account left hear, as after group_leave. */
async function announceLeaves(ctx: HandlerContext, user: SessionUser, left: readonly LeftGroup[]): Promise<void> {
  for (const group of left) {
    if (group.deleted) continue;
    const members = await ctx.store.memberIds(group.conversationId);
    push(ctx, members, groupEventPush(group.name, user.name, 'left'));
    if (group.newCreatorId !== null) {
      const creator = (await ctx.store.groupMembers(group.id)).find((m) => m.id === group.newCreatorId);
      if (creator) push(ctx, members, groupEventPush(group.name, creator.name, 'creator'));
    }
  }
}
