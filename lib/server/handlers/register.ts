import { ChatError } from '../../protocol/errors.ts';
import { checkPassword } from '../../protocol/names.ts';
import { hashPassword } from '../credentials.ts';
import type { Handler } from '../context.ts';
import { newNameOrThrow } from './common.ts';

export const register: Handler<'register'> = async (ctx, body) => {
  if (ctx.config.registration === 'closed') throw new ChatError('CHAT_ERR_REGISTRATION_CLOSED');
  const { name, key } = newNameOrThrow(body.user, 'user');
  const weak = checkPassword(body.password);
  if (weak) throw new ChatError('CHAT_ERR_BAD_PASSWORD', `password ${weak}`);
  if (await ctx.store.userByKey(key)) throw new ChatError('CHAT_ERR_NAME_TAKEN'); // skip the hash when we already know
  // A deleted account's name stays taken for a while (account-delete.ts says why).
  if (await ctx.store.accounts.nameReserved(key, Date.now())) throw new ChatError('CHAT_ERR_NAME_TAKEN');
  // Counted per client address before the hash, like failed logins (login.ts): a flood of
  // registrations costs the flooder time, and the password hashes of real users' logins keep
  // the CPU. Every attempt that gets this far counts, whether or not the account is made.
  const address = ctx.session.remote;
  const now = Date.now();
  const wait = ctx.registerThrottle.retryAfter(address, now);
  if (wait > 0) throw new ChatError('CHAT_ERR_REGISTER_THROTTLED', `too many registrations from this address; try again in ${Math.ceil(wait / 1000)} s`);
  ctx.registerThrottle.fail(address, now);
  const user = await ctx.store.createUser(name, key, await hashPassword(body.password));
  ctx.log.info({ user: user.name, userId: user.id }, 'registered');
  return { user_id: user.id, user: user.name };
};
