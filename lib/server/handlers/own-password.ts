import { ChatError } from '../../protocol/errors.ts';
import { nameKey } from '../../protocol/names.ts';
import type { SessionUser } from '../connection.ts';
import type { HandlerContext } from '../context.ts';
import { verifyPassword } from '../credentials.ts';

/**
 * A signed-in user's password asked again (passwd, account_delete): a guess like a login's,
 * throttled and counted by the same per-account and per-address limits, so that a session left
 * open cannot be used to find the password.
 */
export async function checkOwnPassword(ctx: HandlerContext, user: SessionUser, password: string, wrong: string): Promise<void> {
  const { byAccount, byAddress } = ctx.loginThrottle;
  const account = nameKey(user.name);
  const address = ctx.session.remote;
  const now = Date.now();
  const wait = Math.max(byAddress.retryAfter(address, now), byAccount.retryAfter(account, now));
  if (wait > 0) throw new ChatError('CHAT_ERR_LOGIN_THROTTLED', `too many wrong passwords; try again in ${Math.ceil(wait / 1000)} s`);
  const creds = await ctx.store.accounts.credentialsById(user.id);
  if (!creds || !(await verifyPassword(password, creds.passwordHash))) {
    byAddress.fail(address, now);
    byAccount.fail(account, now);
    throw new ChatError('CHAT_ERR_AUTH_FAILED', wrong);
  }
}
