import { ChatError } from '../../protocol/errors.ts';
import type { Handler } from '../context.ts';
import { me } from './common.ts';
import { closeSessions, sessionIdOf } from './revoke.ts';

/** Revokes one of the account's tokens and closes the connections holding it, on every node. */
export const sessionsRevoke: Handler<'sessions_revoke'> = async (ctx, body) => {
  const user = me(ctx);
  const tokens = await ctx.store.accounts.tokensOf(user.id, Date.now());
  const token = tokens.find((t) => sessionIdOf(t.tokenHash) === body.session);
  if (!token) throw new ChatError('CHAT_ERR_NO_SUCH_SESSION');
  // This session's own token: that is `logout`, which also answers before it signs out.
  if (token.tokenHash === user.tokenHash) throw new ChatError('CHAT_ERR_SELF', 'that is this session; use logout');
  await ctx.store.deleteToken(token.tokenHash);
  closeSessions(ctx, user, 'this session was revoked from another session', [token.tokenHash]);
  ctx.log.info({ userId: user.id, session: ctx.session.id, revoked: body.session }, 'session revoked');
  return { session: body.session };
};
