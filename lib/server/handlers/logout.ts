import type { Handler } from '../context.ts';
import { me } from './common.ts';
import { closeSessions } from './revoke.ts';

/** Revokes this session's token and signs out; with `all`, every token, and every other session is closed on every node. */
export const logout: Handler<'logout'> = async (ctx, body) => {
  const user = me(ctx);
  if (body.all !== true) {
    await ctx.store.deleteToken(user.tokenHash);
    await ctx.session.signOut();
    return {};
  }
  const revoked = await ctx.store.accounts.revokeTokens(user.id);
  closeSessions(ctx, user, 'logged out everywhere from another session');
  await ctx.session.signOut();
  ctx.log.info({ userId: user.id, session: ctx.session.id, revoked }, 'logged out everywhere');
  return { revoked };
};
