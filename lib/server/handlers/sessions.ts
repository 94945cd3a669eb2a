import { isoTime } from '../../protocol/json-text.ts';
import type { Handler } from '../context.ts';
import { me } from './common.ts';
import { sessionIdOf } from './revoke.ts';

/** The account's resume tokens, each with the connection holding it now, oldest first. */
export const sessions: Handler<'sessions'> = async (ctx) => {
  const user = me(ctx);
  const tokens = await ctx.store.accounts.tokensOf(user.id, Date.now());
  return {
    sessions: tokens.map((t) => ({
      id: sessionIdOf(t.tokenHash),
      current: t.tokenHash === user.tokenHash,
      live: t.liveConn !== null || t.tokenHash === user.tokenHash,
      client: t.client,
      node: t.node,
      address: t.address,
      login: isoTime(t.createdAt),
      last_used: isoTime(t.lastUsedAt),
      expires: isoTime(t.expiresAt),
    })),
  };
};
