import type { Handler } from '../context.ts';
import { me } from './common.ts';

export const logout: Handler<'logout'> = async (ctx) => {
  const user = me(ctx);
  await ctx.store.deleteToken(user.tokenHash);
  await ctx.session.signOut();
  return {};
};
