import { ChatError } from '../../protocol/errors.ts';
import { checkPassword } from '../../protocol/names.ts';
import { hashPassword } from '../credentials.ts';
import type { Handler } from '../context.ts';
import { me } from './common.ts';
import { checkOwnPassword } from './own-password.ts';
import { closeSessions } from './revoke.ts';

/**
 * Changes the password. The current one is a password guess like a login's, so it is
 * throttled and counted by the same per-account and per-address limits: a stolen session
 * cannot be used to find the password. Unless keep_sessions, every other session is ended.
 */
export const passwd: Handler<'passwd'> = async (ctx, body) => {
  const user = me(ctx);
  const weak = checkPassword(body.new_password);
  if (weak) throw new ChatError('CHAT_ERR_BAD_PASSWORD', `new password ${weak}`);
  await checkOwnPassword(ctx, user, body.password, 'the current password is wrong');
  const keep = body.keep_sessions === true;
  const revoked = await ctx.store.accounts.setPassword(user.id, await hashPassword(body.new_password), keep ? null : { keep: user.tokenHash });
  if (!keep) closeSessions(ctx, user, 'the password was changed in another session');
  ctx.log.info({ userId: user.id, session: ctx.session.id, revoked, keepSessions: keep }, 'password changed');
  return { revoked };
};
