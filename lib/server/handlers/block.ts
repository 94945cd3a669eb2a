import { blockedChangedPush, friendUpdatePush } from '../../protocol/frames.ts';
import type { Handler } from '../context.ts';
import { findUser, me, push } from './common.ts';

/**
 * Blocks a user: a friendship ends (they hear of it as of an unfriending, never of the block),
 * and this user's sessions on every node hide the user's entries from now on (BusEvent.block).
 */
export const block: Handler<'block'> = async (ctx, body) => {
  const user = me(ctx);
  const other = await findUser(ctx, body.user);
  // CHAT_ERR_SELF is the store's rule (rules.ts checkBlock).
  const { unfriended } = await ctx.store.block(user.id, other.id);
  if (unfriended) push(ctx, [other.id], friendUpdatePush(user.name, 'removed'));
  ctx.bus.publish({ users: [user.id], frame: blockedChangedPush(other.name, true), exceptConn: ctx.session.id, block: { id: other.id, blocked: true } });
  return { user: other.name, blocked: true, unfriended };
};

/** Unblocks a user: nothing was deleted, so what the block hid shows again. */
export const unblock: Handler<'unblock'> = async (ctx, body) => {
  const user = me(ctx);
  const other = await findUser(ctx, body.user);
  const wasBlocked = await ctx.store.unblock(user.id, other.id);
  ctx.bus.publish({ users: [user.id], frame: blockedChangedPush(other.name, false), exceptConn: ctx.session.id, block: { id: other.id, blocked: false } });
  return { user: other.name, blocked: false, was_blocked: wasBlocked };
};

export const blocked: Handler<'blocked'> = async (ctx) => {
  const user = me(ctx);
  return { blocked: (await ctx.store.blockedOf(user.id)).map((u) => ({ name: u.name })) };
};
